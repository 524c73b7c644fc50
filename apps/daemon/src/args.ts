import { parseArgs } from 'node:util';
import { err, ok, type Result } from '@worktrain/contracts';

export const USAGE = `Usage: worktrain-daemon [options]

Runs the WorkTrain daemon: HTTP API, webhooks, triggers and the session worker pool.

Options:
  --home <dir>      data directory (default $WORKTRAIN_HOME, else ~/.worktrain)
  --config <file>   config file (default <home>/config.yaml)
  --port <n>        HTTP port (overrides config; default 3200)
  --host <addr>     bind address (overrides config; default 127.0.0.1)
  --log-level <l>   debug | info | warn | error (default $WORKTRAIN_LOG_LEVEL, else info)
  --help            show this help
  --version         print the version

Signals: SIGTERM/SIGINT drain (running sessions get drainTimeoutMs to finish, then resume after restart).`;

export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | {
      readonly kind: 'run';
      readonly home: string | undefined;
      readonly config: string | undefined;
      readonly port: number | undefined;
      readonly host: string | undefined;
      readonly logLevel: string;
    };

const LEVELS = ['debug', 'info', 'warn', 'error'];

/** Parses argv (without node and script). Errors are usage messages (exit 2). */
export function parseInvocation(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Result<Invocation, { message: string }> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        home: { type: 'string' },
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (thrown) {
    return err({ message: thrown instanceof Error ? thrown.message : String(thrown) });
  }
  if (values.help === true) return ok({ kind: 'help' });
  if (values.version === true) return ok({ kind: 'version' });
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? values[k] : undefined);
  let port: number | undefined;
  const rawPort = str('port');
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65_535)
      return err({ message: `--port must be 0..65535, got "${rawPort}"` });
  }
  const logLevel = str('log-level') ?? env.WORKTRAIN_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(logLevel)) return err({ message: `--log-level must be one of ${LEVELS.join(', ')}` });
  const host = str('host');
  if (host !== undefined && host.trim() === '') return err({ message: '--host must not be empty' });
  return ok({ kind: 'run', home: str('home'), config: str('config'), port, host, logLevel });
}
