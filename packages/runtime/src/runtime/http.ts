/**
 * The daemon's HTTP API server (hono on `config.host:config.port`) and the daemon state file the CLI finds
 * it by (`$WORKTRAIN_HOME/daemon.json` with pid, URL and home; checked through `/health`, never by port alone).
 */
import { err, ok, type Result } from '@worktrain/contracts';
import { explainListenFailure, removeDaemonState, writeDaemonState } from '../daemon-state.js';
import type { RuntimeError } from '../errors.js';
import { createApp } from '../http/app.js';
import { listen } from '../http/server.js';
import type { Operations } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';

/** Where the API listens. */
export interface ServedApi {
  readonly url: string;
  readonly port: number;
}

/**
 * Binds the API, then writes the daemon state file; registers the server's close and the file's removal
 * with `onClose`. Errors: LISTEN_FAILED (explained: who holds the port), the state file's write error.
 */
export async function serveApi(
  parts: RuntimeParts,
  ops: Operations,
  onClose: (close: () => Promise<void> | void) => void,
): Promise<Result<ServedApi, RuntimeError>> {
  const { config, paths } = parts;
  const server = await listen(createApp(parts, ops), config.host, config.port);
  if (server.isErr()) return err(await explainListenFailure(server.error, paths.home));
  onClose(() => server.value.close());
  const { url, port } = server.value;
  const state = {
    pid: process.pid,
    url,
    port,
    home: paths.home,
    startedAt: new Date(parts.startedAt).toISOString(),
  };
  const written = writeDaemonState(state);
  if (written.isErr()) return err(written.error);
  onClose(() => removeDaemonState(state));
  return ok({ url, port });
}
