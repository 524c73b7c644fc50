/**
 * The daemon's sandbox (DESIGN §7): built once at start from `config.sandbox`, then asked for each
 * session's policy. With mode `enforce` and no working backend it holds the error instead, and the
 * daemon runs no agent session (fail closed) while its API, webhooks and the MCP server keep working.
 */
import { join } from 'node:path';
import { buildSandboxPolicy, createSandbox } from '@worktrain/agent';
import {
  err,
  type JsonObject,
  type Logger,
  makeError,
  type Sandbox,
  type SandboxConfig,
  type SandboxError,
  type SandboxPolicy,
  type WorktrainPaths,
  type WorktreeGitRef,
} from '@worktrain/contracts';

/** The sandbox of one daemon, or why there is none. */
export interface SessionSandbox {
  readonly mode: SandboxConfig['mode'];
  /** Null when mode is `enforce` and no backend works (see {@link error}). */
  readonly sandbox: Sandbox | null;
  readonly error: SandboxError | null;
  /**
   * The policy of one session: its worktree and git dirs (from the trusted {@link WorktreeGitRef}, never
   * from the agent-writable `.git` file), a private HOME/TMPDIR under `$WORKTRAIN_HOME/sandbox/<id>`, the
   * configured network allowlist plus `extraAllow` (the trigger's), limits and hidden paths.
   */
  policyFor(
    sessionId: string,
    worktree: string,
    gitRef?: WorktreeGitRef,
    extraAllow?: readonly string[],
  ): SandboxPolicy;
  /** Backend, version, mode, limits and warnings, as recorded in each session's log and shown by doctor. */
  describe(): JsonObject;
}

/** Builds the daemon's sandbox; logs the mode-`off` warning or the fail-closed error with its fix. */
export async function createSessionSandbox(
  config: SandboxConfig,
  paths: Pick<WorktrainPaths, 'home' | 'sandbox'>,
  logger: Logger,
): Promise<SessionSandbox> {
  const built = await createSandbox({ mode: config.mode });
  const sandbox = built.isOk() ? built.value : null;
  const error = built.isErr() ? built.error : null;
  if (error !== null)
    logger.error(
      { code: error.code, fix: error.details?.fix },
      `${error.message} Agent sessions will not run until this is fixed (sandbox.mode: enforce).`,
    );
  for (const warning of sandbox?.info.warnings ?? []) logger.warn({ component: 'sandbox' }, warning);
  return {
    mode: config.mode,
    sandbox,
    error,
    policyFor(sessionId, worktree, gitRef, extraAllow = []) {
      return buildSandboxPolicy({
        worktree,
        ...(gitRef === undefined ? {} : { gitAdminDir: gitRef.gitDir, gitCommonDir: gitRef.commonDir }),
        stateDir: join(paths.sandbox, sessionId),
        worktrainHome: paths.home,
        networkAllow: [...new Set([...config.network.allow, ...extraAllow])],
        limits: config.limits,
        hide: config.hide,
        readOnly: config.readOnly,
      });
    },
    describe() {
      const info = sandbox?.info;
      return {
        mode: config.mode,
        backend: info?.backend ?? null,
        version: info?.version ?? null,
        limits: info?.limits ?? null,
        networkAllow: [...config.network.allow],
        warnings: [...(info?.warnings ?? []), ...(error === null ? [] : [error.message])],
      };
    },
  };
}

/** A sandbox that refuses every command with the reason there is none (fail closed for checks). */
export function unavailableSandbox(session: SessionSandbox): Sandbox {
  const error =
    session.error ?? makeError('SANDBOX_UNAVAILABLE', 'No sandbox is available.', { reasons: [], fix: '' });
  return {
    info: { backend: 'none', enforced: true, version: null, limits: 'none', warnings: [error.message] },
    wrap: async () => err(error),
    open: async () => err(error),
  };
}
