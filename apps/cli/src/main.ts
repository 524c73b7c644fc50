/**
 * The `worktrain` executable: wires the real process (streams, env, file system, SQLite) into the CLI and
 * sets the exit code. Everything else lives in `program.ts` and `commands/`.
 */
import { sleep } from '@worktrain/contracts';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { cliError } from './cli-error.js';
import { type CliDeps, defaultClock, nodeFileSystem, readCliVersion } from './deps.js';
import { runCli } from './program.js';

// `worktrain sessions events … | head`: the reader went away; stop quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const abort = new AbortController();
// First Ctrl-C stops a follow loop gracefully; a second one exits at once.
process.once('SIGINT', () => {
  abort.abort();
  process.once('SIGINT', () => process.exit(130));
});

const deps: CliDeps = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  fs: nodeFileSystem,
  clock: defaultClock,
  version: readCliVersion(new URL('../package.json', import.meta.url)),
  // Ends early on Ctrl-C; the listener is removed after each wait, so polling loops may call it freely.
  sleep: (ms) => sleep(ms, abort.signal).then(() => undefined),
  signal: abort.signal,
  openSessionStore: ({ path }) =>
    // Read-only: inspecting sessions must never migrate or otherwise write the database.
    createSqliteSessionStore({ path, readonly: true }).mapErr((error) =>
      cliError('STORE_ERROR', error.message, { storeCode: error.code, path, ...error.details }),
    ),
};

process.exitCode = await runCli(process.argv.slice(2), deps);
