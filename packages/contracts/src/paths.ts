import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** The files and folders of a WorkTrain data directory (DESIGN §12). All paths are absolute. */
export interface WorktrainPaths {
  readonly home: string;
  /** SQLite database: session events, projections, queue, trigger state, audit. */
  readonly database: string;
  /** HMAC keys for tokens (0700 dir, 0600 files). */
  readonly keys: string;
  readonly worktrees: string;
  readonly logs: string;
  /** Bearer token of the daemon's HTTP API (0600). */
  readonly daemonToken: string;
  readonly config: string;
  readonly triggers: string;
  readonly policy: string;
  /** Secrets (0600). */
  readonly envFile: string;
  /** User-level workflow directory (`$WORKTRAIN_HOME/workflows`). */
  readonly workflows: string;
  /** Private HOME and TMPDIR of each session's sandboxed commands (`sandbox/<session-id>/{home,tmp}`). */
  readonly sandbox: string;
}

/**
 * Resolves the data directory: an explicit `home` option wins, then `WORKTRAIN_HOME`, then `~/.worktrain`.
 * A relative path is resolved against `cwd`. Creates nothing.
 */
export function resolveWorktrainPaths(
  options: {
    readonly home?: string;
    readonly env?: Readonly<Record<string, string | undefined>>;
    readonly cwd?: string;
  } = {},
): WorktrainPaths {
  const env = options.env ?? process.env;
  const raw = options.home ?? env.WORKTRAIN_HOME ?? join(homedir(), '.worktrain');
  const home = isAbsolute(raw) ? raw : resolve(options.cwd ?? process.cwd(), raw);
  return {
    home,
    database: join(home, 'worktrain.db'),
    keys: join(home, 'keys'),
    worktrees: join(home, 'worktrees'),
    logs: join(home, 'logs'),
    daemonToken: join(home, 'daemon.token'),
    config: join(home, 'config.yaml'),
    triggers: join(home, 'triggers.yaml'),
    policy: join(home, 'policy.yaml'),
    envFile: join(home, '.env'),
    workflows: join(home, 'workflows'),
    sandbox: join(home, 'sandbox'),
  };
}
