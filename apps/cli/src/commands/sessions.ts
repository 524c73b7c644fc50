import type { SessionEvent } from '@worktrain/contracts';
import { err, ok, type Result, ResultAsync } from '@worktrain/contracts';
import {
  projectSession,
  readSessionFailure,
  type SessionFailure,
  type SessionProjection,
  type SessionStatus,
  type SessionSummary,
  type VerifyResult,
} from '@worktrain/session-store';
import type { Command } from 'commander';
import { Option } from 'commander';
import { type CliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import {
  renderSessionEventLine,
  renderSessionList,
  renderSessionShow,
  renderVerify,
} from '../format/sessions.js';
import { parseNonNegativeInt, parsePositiveInt, parseSince } from '../options.js';
import type { CommandContext } from '../program.js';
import { renderStreamItem } from '../render.js';
import { fromStoreError, sessionNotFound, withExistingSessionStore } from '../session-access.js';
import { pendingApprovalsBySession } from './approvals.js';

export const SESSION_STATUSES: readonly SessionStatus[] = [
  'running',
  'blocked',
  'awaiting_approval',
  'completed',
  'failed',
  'aborted',
];
const TERMINAL_STATUSES: ReadonlySet<SessionStatus> = new Set(['completed', 'failed', 'aborted']);

// ---------------------------------------------------------------------------------------------- list

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

const homeTarget = (home: string | undefined) => (home === undefined ? {} : { home });

// ---------------------------------------------------------------------------------------------- show

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

// -------------------------------------------------------------------------------------------- events

export interface SessionsEventsOptions {
  readonly home?: string;
  readonly sessionId: string;
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface SessionsEventsOutput {
  readonly sessionId: string;
  readonly events: readonly SessionEvent[];
}

/** `worktrain sessions events <id>`: the raw event log (or a page of it). */
export async function executeSessionsEvents(
  deps: CliDeps,
  opts: SessionsEventsOptions,
): Promise<Result<SessionsEventsOutput, CliError>> {
  return withExistingSessionStore(deps, opts.home, (store) =>
    store
      .getSummary(opts.sessionId)
      .andThen(() =>
        store.readEvents(opts.sessionId, {
          ...(opts.afterSeq !== undefined ? { afterSeq: opts.afterSeq } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        }),
      )
      .mapErr(fromStoreError),
  ).andThen((events) =>
    events === null ? err(sessionNotFound(opts.sessionId)) : ok({ sessionId: opts.sessionId, events }),
  );
}

export interface SessionsFollowOptions extends SessionsEventsOptions {
  /** Poll interval in ms (default 500). */
  readonly pollMs?: number;
}

/**
 * `worktrain sessions events <id> --follow`: emits the existing events (after `afterSeq`), then polls the
 * database every `pollMs` for new ones until the session ends (completed, failed, aborted) or
 * `deps.signal` is aborted. Another process (the daemon, an MCP server) is the writer, so this polls the
 * file instead of subscribing in-process. Returns the number of events emitted.
 */
export async function executeSessionsFollow(
  deps: CliDeps,
  opts: SessionsFollowOptions,
  emit: (events: readonly SessionEvent[]) => void,
): Promise<Result<{ readonly emitted: number }, CliError>> {
  return withExistingSessionStore(deps, opts.home, (store) => {
    let afterSeq = opts.afterSeq ?? 0;
    let emitted = 0;
    const poll = async (): Promise<Result<{ emitted: number }, CliError>> => {
      while (true) {
        const summary = await store.getSummary(opts.sessionId).mapErr(fromStoreError);
        if (summary.isErr()) return err(summary.error);
        const events = await store.readEvents(opts.sessionId, { afterSeq }).mapErr(fromStoreError);
        if (events.isErr()) return err(events.error);
        if (events.value.length > 0) {
          const page = opts.limit !== undefined ? events.value.slice(0, opts.limit - emitted) : events.value;
          emit(page);
          emitted += page.length;
          afterSeq = page[page.length - 1]?.seq ?? afterSeq;
        }
        const caughtUp = afterSeq >= summary.value.lastSeq;
        if (opts.limit !== undefined && emitted >= opts.limit) return ok({ emitted });
        if (caughtUp && TERMINAL_STATUSES.has(summary.value.status)) return ok({ emitted });
        if (deps.signal?.aborted) return ok({ emitted });
        if (caughtUp) await deps.sleep(opts.pollMs ?? 500);
      }
    };
    return new ResultAsync(poll());
  }).andThen((r) => (r === null ? err(sessionNotFound(opts.sessionId)) : ok(r)));
}

// -------------------------------------------------------------------------------------------- verify

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

// -------------------------------------------------------------------------------------- registration

function parseStatuses(
  raw: readonly string[] | undefined,
): Result<readonly SessionStatus[] | undefined, CliError> {
  if (raw === undefined || raw.length === 0) return ok(undefined);
  const statuses: SessionStatus[] = [];
  for (const value of raw.flatMap((s) => s.split(',')).map((s) => s.trim())) {
    const status = SESSION_STATUSES.find((s) => s === value);
    if (!status) {
      return err(
        usageError(`option '--status' expects one of ${SESSION_STATUSES.join(', ')}; got '${value}'`),
      );
    }
    statuses.push(status);
  }
  return ok(statuses);
}

function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Registers `worktrain sessions list|show|events|verify`. */
export function registerSessionsCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const sessions = program.command('sessions').description('inspect recorded sessions and their event logs');

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
    .action(
      async (
        raw: { status?: string[]; workflow?: string; limit?: string; since?: string },
        command: Command,
      ) => {
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

  sessions
    .command('show')
    .description('show a session: summary, current step, run graph, outputs, context and metrics')
    .argument('<session-id>', 'the session id (sess_…)')
    .action(async (sessionId: string, _raw: unknown, command: Command) => {
      await ctx.run(command, (globals) => executeSessionsShow(deps, { ...homeOf(globals), sessionId }), {
        text: renderSessionShow,
      });
    });

  sessions
    .command('events')
    .description("print a session's event log in order")
    .argument('<session-id>', 'the session id (sess_…)')
    .option('--after <seq>', 'only events after this sequence number')
    .option('--limit <n>', 'at most n events')
    .option('--follow', 'keep printing new events until the session ends (json: one event per line)')
    .action(
      async (
        sessionId: string,
        raw: { after?: string; limit?: string; follow?: boolean },
        command: Command,
      ) => {
        const parsed = parseNonNegativeInt('--after', raw.after).andThen((afterSeq) =>
          parsePositiveInt('--limit', raw.limit).map((limit) => ({
            sessionId,
            ...(afterSeq !== undefined ? { afterSeq } : {}),
            ...(limit !== undefined ? { limit } : {}),
          })),
        );
        if (raw.follow === true) {
          await ctx.run(
            command,
            async (globals) =>
              parsed.isErr()
                ? err(parsed.error)
                : executeSessionsFollow(deps, { ...homeOf(globals), ...parsed.value }, (events) => {
                    for (const event of events)
                      renderStreamItem(deps, globals.format, event, renderSessionEventLine);
                  }),
            // Events were streamed as they came; nothing more to print at the end.
            { text: () => '', json: () => undefined },
          );
          return;
        }
        await ctx.run(
          command,
          async (globals) =>
            parsed.isErr()
              ? err(parsed.error)
              : executeSessionsEvents(deps, { ...homeOf(globals), ...parsed.value }),
          {
            text: (out) =>
              out.events.length === 0 ? '(no events)' : out.events.map(renderSessionEventLine).join('\n'),
          },
        );
      },
    );

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

function homeOf(globals: { readonly home?: string }): { home?: string } {
  return globals.home !== undefined ? { home: globals.home } : {};
}
