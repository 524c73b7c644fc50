/**
 * `worktrain sessions list`: session summaries from the store, each with why a failed one failed and whether
 * a completed one's delivery waits for approval (its {@link DeliverySignal}).
 */
import { err, ok, type Result, ResultAsync } from '@worktrain/contracts';
import {
  readSessionFailure,
  type SessionFailure,
  type SessionStatus,
  type SessionSummary,
} from '@worktrain/session-store';
import { type Command, Option } from 'commander';
import { type CliError, usageError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderSessionList } from '../../format/sessions.js';
import { parsePositiveInt, parseSince } from '../../options.js';
import type { CommandContext } from '../../program.js';
import { fromStoreError, withExistingSessionStore } from '../../session-access.js';
import { pendingApprovalsBySession } from '../approvals.js';
import { collect, parseStatuses, SESSION_STATUSES } from './options.js';
import { executeSessionsTree, renderSessionsTree } from './tree.js';

export interface SessionsListOptions {
  readonly home?: string;
  readonly status?: readonly SessionStatus[];
  readonly workflowId?: string;
  readonly limit?: number;
  /** Only sessions updated at or after this time (ms since epoch). */
  readonly updatedSince?: number;
}

/**
 * What a session's status alone does not say: a session whose agent finished is `completed` for good (the
 * status never leaves a terminal state), yet its delivery — the push, the pull/merge request, the Jira
 * move, or the Jira move to Done after a merge — may still wait for a person under the blast-radius
 * policy. Derived at read time from the approval store (pending requests of the session).
 */
export interface DeliverySignal {
  /** `awaiting_approval` when the session is `completed` and has pending approval requests; else null. */
  readonly delivery: 'awaiting_approval' | null;
  /** Those pending requests' ids (for `worktrain approvals approve|reject <id>`); empty when `delivery` is null. */
  readonly pendingApprovalIds: readonly string[];
}

/**
 * One row of `sessions list`: the stored summary, its {@link DeliverySignal}, and for a `failed` session why
 * (`failure`: the reason, and for a dead-lettered task how to carry on; null otherwise).
 */
export type SessionListItem = SessionSummary & DeliverySignal & { readonly failure: SessionFailure | null };

/** The {@link DeliverySignal} of a session with `status`, given its pending requests. */
export function deliverySignal(
  status: SessionStatus,
  pending: readonly { readonly id: string }[] | undefined,
): DeliverySignal {
  if (status !== 'completed' || pending === undefined || pending.length === 0)
    return { delivery: null, pendingApprovalIds: [] };
  return { delivery: 'awaiting_approval', pendingApprovalIds: pending.map((r) => r.id) };
}

export interface SessionsListOutput {
  /** Newest first (by last update). */
  readonly sessions: readonly SessionListItem[];
  /** False when the data directory has no database yet (nothing was ever recorded). */
  readonly databaseExists: boolean;
}

/**
 * `worktrain sessions list`: session summaries from the store, filtered, each with its
 * {@link DeliverySignal} (the approval store is read only when a listed session is completed); empty when
 * no database exists. Errors: STORE_ERROR, APPROVAL_ERROR.
 */
export async function executeSessionsList(
  deps: CliDeps,
  opts: SessionsListOptions,
): Promise<Result<SessionsListOutput, CliError>> {
  const listed = await withExistingSessionStore(deps, opts.home, (store) =>
    store
      .listSessions({
        ...(opts.status ? { status: opts.status } : {}),
        ...(opts.workflowId ? { workflowId: opts.workflowId } : {}),
        ...(opts.updatedSince !== undefined ? { updatedSince: opts.updatedSince } : {}),
        limit: opts.limit ?? 50,
      })
      .mapErr(fromStoreError)
      .andThen((found) =>
        ResultAsync.fromSafePromise(
          Promise.all(
            found.map(async (s) => ({
              ...s,
              // Read for failed sessions only (their log's tail); unreadable: no reason shown.
              failure: (await readSessionFailure(store, s)).unwrapOr(null),
            })),
          ),
        ),
      ),
  );
  if (listed.isErr()) return err(listed.error);
  const sessions = listed.value ?? [];
  let pending = new Map<string, readonly { readonly id: string }[]>();
  if (sessions.some((s) => s.status === 'completed')) {
    const found = await pendingApprovalsBySession(deps, homeTarget(opts.home));
    if (found.isErr()) return err(found.error);
    pending = found.value;
  }
  return ok({
    sessions: sessions.map((s) => ({ ...s, ...deliverySignal(s.status, pending.get(s.sessionId)) })),
    databaseExists: listed.value !== null,
  });
}

/** `{ home }` for the approval store, when given. */
export const homeTarget = (home: string | undefined) => (home === undefined ? {} : { home });

/** Registers `sessions list`. */
export function registerSessionsList(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('list')
    .description('list sessions, most recently updated first')
    .addOption(
      new Option(
        '--status <status>',
        `only sessions with this status (repeatable or comma-separated: ${SESSION_STATUSES.join(', ')})`,
      ).argParser(collect),
    )
    .option('--workflow <id>', 'only sessions of this workflow id')
    .option('--limit <n>', 'at most n sessions (default 50, max 1000)')
    .option('--since <when>', 'only sessions updated since a duration ago (30m, 12h, 7d) or an ISO date')
    .option(
      '--tree',
      "the daemon's pipelines and sessions with their child sessions, nested (needs a running daemon)",
    )
    .action(
      async (
        raw: { status?: string[]; workflow?: string; limit?: string; since?: string; tree?: boolean },
        command: Command,
      ) => {
        if (raw.tree === true) {
          await ctx.run(
            command,
            async (globals) => {
              if (raw.workflow !== undefined || raw.since !== undefined)
                return err(usageError('--tree takes --status and --limit only'));
              const parsed = parseStatuses(raw.status).andThen((status) =>
                parsePositiveInt('--limit', raw.limit).map((limit) => ({ status, limit })),
              );
              if (parsed.isErr()) return err(parsed.error);
              return executeSessionsTree(deps, {
                ...(globals.home !== undefined ? { home: globals.home } : {}),
                ...(parsed.value.status ? { status: parsed.value.status } : {}),
                ...(parsed.value.limit !== undefined ? { limit: Math.min(parsed.value.limit, 1000) } : {}),
              });
            },
            { text: renderSessionsTree },
          );
          return;
        }
        await ctx.run(
          command,
          async (globals) => {
            const parsed = parseStatuses(raw.status).andThen((status) =>
              parsePositiveInt('--limit', raw.limit).andThen((limit) =>
                parseSince(raw.since, deps.clock.now()).map((updatedSince) => ({
                  status,
                  limit,
                  updatedSince,
                })),
              ),
            );
            if (parsed.isErr()) return err(parsed.error);
            const { status, limit, updatedSince } = parsed.value;
            return executeSessionsList(deps, {
              ...(globals.home !== undefined ? { home: globals.home } : {}),
              ...(status ? { status } : {}),
              ...(raw.workflow ? { workflowId: raw.workflow } : {}),
              ...(limit !== undefined ? { limit: Math.min(limit, 1000) } : {}),
              ...(updatedSince !== undefined ? { updatedSince } : {}),
            });
          },
          {
            text: (out) => renderSessionList(out.sessions, out.databaseExists),
            json: (out) => ({ sessions: out.sessions }),
          },
        );
      },
    );
}
