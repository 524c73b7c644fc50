/** `worktrain sessions show <id>`: the projection of a session's full log and its delivery signal. */
import { err, ok, type Result } from '@worktrain/contracts';
import { projectSession, type SessionProjection } from '@worktrain/session-store';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderSessionShow } from '../../format/sessions.js';
import type { CommandContext } from '../../program.js';
import { fromStoreError, sessionNotFound, withExistingSessionStore } from '../../session-access.js';
import { pendingApprovalsBySession } from '../approvals.js';
import { type DeliverySignal, deliverySignal, homeTarget } from './list.js';
import { homeOf } from './options.js';

export interface SessionsShowOptions {
  readonly home?: string;
  readonly sessionId: string;
}

/** `worktrain sessions show`: the projection and its {@link DeliverySignal}. */
export type SessionShowOutput = SessionProjection & DeliverySignal;

/**
 * `worktrain sessions show <id>`: the projection of the session's full log, with its
 * {@link DeliverySignal}. Errors: SESSION_NOT_FOUND, STORE_ERROR, APPROVAL_ERROR.
 */
export async function executeSessionsShow(
  deps: CliDeps,
  opts: SessionsShowOptions,
): Promise<Result<SessionShowOutput, CliError>> {
  const read = await withExistingSessionStore(deps, opts.home, (store) =>
    store.readEvents(opts.sessionId).mapErr(fromStoreError),
  );
  if (read.isErr()) return err(read.error);
  const events = read.value;
  if (events === null || events.length === 0) return err(sessionNotFound(opts.sessionId));
  const projection = projectSession(events);
  if (projection.summary.status !== 'completed')
    return ok({ ...projection, delivery: null, pendingApprovalIds: [] });
  const pending = await pendingApprovalsBySession(deps, homeTarget(opts.home), opts.sessionId);
  if (pending.isErr()) return err(pending.error);
  return ok({ ...projection, ...deliverySignal('completed', pending.value.get(opts.sessionId)) });
}

/** Registers `sessions show <session-id>`. */
export function registerSessionsShow(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('show')
    .description('show a session: summary, current step, run graph, outputs, context and metrics')
    .argument('<session-id>', 'the session id (sess_…)')
    .action(async (sessionId: string, _raw: unknown, command: Command) => {
      await ctx.run(command, (globals) => executeSessionsShow(deps, { ...homeOf(globals), sessionId }), {
        text: renderSessionShow,
      });
    });
}
