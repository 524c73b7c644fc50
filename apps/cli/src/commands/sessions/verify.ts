/** `worktrain sessions verify <id>`: recomputes a session's hash chain. */
import { err, ok, type Result } from '@worktrain/contracts';
import type { VerifyResult } from '@worktrain/session-store';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderVerify } from '../../format/sessions.js';
import type { CommandContext } from '../../program.js';
import { fromStoreError, sessionNotFound, withExistingSessionStore } from '../../session-access.js';
import { homeOf } from './options.js';

export interface SessionsVerifyOptions {
  readonly home?: string;
  readonly sessionId: string;
}

/** `worktrain sessions verify <id>`: recomputes the hash chain. A broken chain is an ok result with ok:false. */
export async function executeSessionsVerify(
  deps: CliDeps,
  opts: SessionsVerifyOptions,
): Promise<Result<VerifyResult, CliError>> {
  return withExistingSessionStore(deps, opts.home, (store) =>
    store.verify(opts.sessionId).mapErr(fromStoreError),
  ).andThen((r) => (r === null ? err(sessionNotFound(opts.sessionId)) : ok(r)));
}

/** Registers `sessions verify <session-id>`. */
export function registerSessionsVerify(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('verify')
    .description("recompute a session's hash chain; exit 1 and name the first broken event when altered")
    .argument('<session-id>', 'the session id (sess_…)')
    .action(async (sessionId: string, _raw: unknown, command: Command) => {
      await ctx.run(command, (globals) => executeSessionsVerify(deps, { ...homeOf(globals), sessionId }), {
        text: renderVerify,
        failed: (out) => !out.ok,
      });
    });
}
