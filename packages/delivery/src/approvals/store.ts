import {
  type Clock,
  describeThrown,
  err,
  errAsync,
  ok,
  type Result,
  ResultAsync,
  randomId,
  systemClock,
} from '@worktrain/contracts';
import { openDatabase } from '@worktrain/contracts/sqlite';
import type { SessionStore } from '@worktrain/session-store';
import type Database from 'better-sqlite3';
import { type ApprovalRow, rowToRequest } from './rows.js';
import { APPROVALS_MIGRATION_SET, type ApprovalError, approvalError, fromDatabaseError } from './schema.js';
import { mirrorToSessionLog } from './session-log.js';
import {
  type ApprovalAuditEntry,
  type ApprovalRequest,
  type ApprovalRequestInput,
  ApprovalRequestInputSchema,
  type DecisionInput,
  DecisionInputSchema,
  type ListApprovalsQuery,
  LOW_TIER_ACTOR,
  type RequestOutcome,
  TIMEOUT_ACTOR,
} from './types.js';

export interface ApprovalStoreOptions {
  /** The SQLite database, normally `$WORKTRAIN_HOME/worktrain.db` (shared with the queue and sessions). */
  readonly path: string;
  readonly clock?: Clock;
  /** When given, requests and decisions are mirrored as gate_parked / gate_resolved session events. */
  readonly sessionStore?: SessionStore;
  /** Default 5 000 ms. */
  readonly busyTimeoutMs?: number;
}

export interface WaitOptions {
  readonly signal?: AbortSignal;
  /** Poll interval, ms (default 500). Decisions come from other processes, so the wait polls the table. */
  readonly pollMs?: number;
}

/**
 * Durable approval requests in the WorkTrain SQLite database (tables `approval_requests`,
 * `approval_audit`; migrations in `approval_migrations`). Every write is one `BEGIN IMMEDIATE` transaction
 * that also appends the audit row, so a request or decision and its audit record exist together or not at
 * all; once a call returns ok its effect survives SIGKILL (WAL + synchronous=FULL).
 */
export interface ApprovalStore {
  /**
   * Records a request, idempotent by `dedupeKey`: when one exists (any state) it is returned with
   * `created: false` and a `re_requested` audit row. Low tier is recorded already approved by `policy:low`;
   * medium gets `autoApproveAt = now + autoApproveAfterMs`. Errors: INVALID_INPUT, STORE_IO.
   */
  requestApproval(input: ApprovalRequestInput): ResultAsync<RequestOutcome, ApprovalError>;
  /**
   * Decides a pending request exactly once. Errors: APPROVAL_NOT_FOUND; ALREADY_DECIDED (also when the
   * medium-tier timeout approved it first); INVALID_INPUT (empty actor); STORE_IO.
   */
  decide(input: DecisionInput): ResultAsync<ApprovalRequest, ApprovalError>;
  /** One request (after applying due timeouts). Errors: APPROVAL_NOT_FOUND, STORE_IO. */
  get(id: string): Result<ApprovalRequest, ApprovalError>;
  /** Requests, newest first (after applying due timeouts). */
  list(query?: ListApprovalsQuery): Result<readonly ApprovalRequest[], ApprovalError>;
  /** The audit trail of one request, oldest first. */
  audit(id: string): Result<readonly ApprovalAuditEntry[], ApprovalError>;
  /** Approves (actor `policy:timeout`) every pending medium request whose `autoApproveAt` has passed. */
  settleDue(): Result<readonly ApprovalRequest[], ApprovalError>;
  /**
   * Resolves once the request is decided (by anyone, in any process, or by the timeout). Errors: ABORTED
   * when `signal` fires first; APPROVAL_NOT_FOUND; STORE_IO.
   */
  waitForDecision(id: string, options?: WaitOptions): ResultAsync<ApprovalRequest, ApprovalError>;
  close(): void;
}

const io = (thrown: unknown, what: string) =>
  approvalError('STORE_IO', `approvals: ${what} failed: ${describeThrown(thrown)}`, {
    cause: describeThrown(thrown),
  });

/** Opens (creating tables when needed) the approval store. Errors: NOT_A_WORKTRAIN_DATABASE, STORE_IO. */
export function openApprovalStore(options: ApprovalStoreOptions): Result<ApprovalStore, ApprovalError> {
  const opened = openDatabase({
    path: options.path,
    migrations: [APPROVALS_MIGRATION_SET],
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  if (opened.isErr()) return err(fromDatabaseError(opened.error));
  return ok(createStore(opened.value.db, options.clock ?? systemClock, options.sessionStore, false));
}

/**
 * Opens the approval store for reading only (`worktrain approvals list`, `sessions list|show`): nothing is
 * created, migrated or written — due medium-tier timeouts are NOT applied (`settleDue` returns none), so a
 * request past its `autoApproveAt` still reads as pending until a writer settles it. `null` when there is
 * nothing yet (no file, or no approval tables). Writes on the handle fail with STORE_IO.
 * Errors: NOT_A_WORKTRAIN_DATABASE, STORE_IO.
 */
export function openApprovalStoreReadOnly(
  options: Pick<ApprovalStoreOptions, 'path' | 'clock' | 'busyTimeoutMs'>,
): Result<ApprovalStore | null, ApprovalError> {
  const opened = openDatabase({
    path: options.path,
    readOnly: true,
    migrations: [APPROVALS_MIGRATION_SET],
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  if (opened.isErr())
    return opened.error.code === 'DATABASE_MISSING' ? ok(null) : err(fromDatabaseError(opened.error));
  if ((opened.value.versions[APPROVALS_MIGRATION_SET.store] ?? 0) === 0) {
    opened.value.db.close();
    return ok(null);
  }
  return ok(createStore(opened.value.db, options.clock ?? systemClock, undefined, true));
}

function createStore(
  db: Database.Database,
  clock: Clock,
  sessionStore: SessionStore | undefined,
  readOnly: boolean,
): ApprovalStore {
  const selectById = db.prepare('SELECT * FROM approval_requests WHERE id = ?');
  const selectByKey = db.prepare('SELECT * FROM approval_requests WHERE dedupe_key = ?');
  const insertAudit = db.prepare(
    'INSERT INTO approval_audit(approval_id, event, actor, reason, at) VALUES (?, ?, ?, ?, ?)',
  );
  const decideRow = db.prepare(
    `UPDATE approval_requests SET state = ?, decided_at = ?, decided_by = ?, decision_reason = ?
     WHERE id = ? AND state = 'pending'`,
  );
  const find = (id: string) => selectById.get(id) as ApprovalRow | undefined;
  const mirror = (request: ApprovalRequest, what: 'parked' | 'resolved') =>
    sessionStore === undefined ? Promise.resolve(false) : mirrorToSessionLog(sessionStore, request, what);

  const settle = db.transaction((now: number): ApprovalRequest[] => {
    const due = db
      .prepare(
        "SELECT * FROM approval_requests WHERE state = 'pending' AND auto_approve_at IS NOT NULL AND auto_approve_at <= ?",
      )
      .all(now) as ApprovalRow[];
    const out: ApprovalRequest[] = [];
    for (const row of due) {
      const reason = `no decision within ${Math.round((now - row.requested_at) / 1000)} s (medium tier)`;
      decideRow.run('approved', now, TIMEOUT_ACTOR, reason, row.id);
      insertAudit.run(row.id, 'approved', TIMEOUT_ACTOR, reason, now);
      const updated = find(row.id);
      if (updated) out.push(rowToRequest(updated));
    }
    return out;
  });
  const settleDue = (): Result<readonly ApprovalRequest[], ApprovalError> => {
    if (readOnly) return ok([]); // Read commands never write: timeouts are applied by writers only.
    try {
      const settled = settle.immediate(clock.now());
      for (const request of settled) void mirror(request, 'resolved');
      return ok(settled);
    } catch (thrown) {
      return err(io(thrown, 'auto-approval'));
    }
  };

  const get = (id: string): Result<ApprovalRequest, ApprovalError> =>
    settleDue().andThen(() => {
      try {
        const row = find(id);
        return row
          ? ok(rowToRequest(row))
          : err(approvalError('APPROVAL_NOT_FOUND', `No approval request '${id}'.`, { approvalId: id }));
      } catch (thrown) {
        return err(io(thrown, 'reading a request'));
      }
    });

  const insert = db.transaction((input: ReturnType<typeof ApprovalRequestInputSchema.parse>, now: number) => {
    const actor = input.actor ?? (input.sessionId ? `session:${input.sessionId}` : 'worktrain');
    const existing = selectByKey.get(input.dedupeKey) as ApprovalRow | undefined;
    if (existing) {
      insertAudit.run(existing.id, 're_requested', actor, null, now);
      return { row: existing, created: false };
    }
    const id = `appr_${randomId()}`;
    const low = input.tier === 'low';
    const autoAt =
      input.tier === 'medium' && input.autoApproveAfterMs != null ? now + input.autoApproveAfterMs : null;
    db.prepare(
      `INSERT INTO approval_requests(id, session_id, dedupe_key, action_kind, action, tier, summary, details,
         classification, state, requested_by, requested_at, auto_approve_at, decided_at, decided_by, decision_reason)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      input.sessionId,
      input.dedupeKey,
      input.action.kind,
      JSON.stringify(input.action),
      input.tier,
      input.summary,
      JSON.stringify(input.details),
      input.classification ?? null,
      low ? 'approved' : 'pending',
      actor,
      now,
      autoAt,
      low ? now : null,
      low ? LOW_TIER_ACTOR : null,
      low ? 'low blast radius: approved on request' : null,
    );
    insertAudit.run(id, 'requested', actor, input.classification ?? null, now);
    if (low) insertAudit.run(id, 'approved', LOW_TIER_ACTOR, 'low blast radius: approved on request', now);
    const row = find(id);
    if (!row) throw new Error('inserted approval request vanished');
    return { row, created: true };
  });

  const decideTx = db.transaction((input: ReturnType<typeof DecisionInputSchema.parse>, now: number) => {
    const row = find(input.id);
    if (!row)
      return err(
        approvalError('APPROVAL_NOT_FOUND', `No approval request '${input.id}'.`, { approvalId: input.id }),
      );
    if (row.state !== 'pending') return err(alreadyDecided(rowToRequest(row)));
    decideRow.run(input.verdict, now, input.actor, input.reason ?? null, input.id);
    insertAudit.run(input.id, input.verdict, input.actor, input.reason ?? null, now);
    const updated = find(input.id);
    return updated ? ok(rowToRequest(updated)) : err(io(new Error('row vanished'), 'decide'));
  });

  const store: ApprovalStore = {
    requestApproval(raw) {
      const parsed = ApprovalRequestInputSchema.safeParse(raw);
      if (!parsed.success) {
        return errAsync(
          approvalError(
            'INVALID_INPUT',
            `invalid approval request: ${parsed.error.issues[0]?.message ?? ''}`,
            {
              issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
            },
          ),
        );
      }
      let outcome: { row: ApprovalRow; created: boolean };
      try {
        outcome = insert.immediate(parsed.data, clock.now());
      } catch (thrown) {
        return errAsync(io(thrown, 'request'));
      }
      // Re-requests re-apply due timeouts, so a restarted daemon sees a medium request it slept through as approved.
      const current = outcome.created ? ok(rowToRequest(outcome.row)) : get(outcome.row.id);
      if (current.isErr()) return errAsync(current.error);
      const request = current.value;
      return ResultAsync.fromSafePromise(
        (async () => {
          if (request.state === 'pending') await mirror(request, 'parked');
          else if (request.tier !== 'low') await mirror(request, 'resolved');
          return { request, created: outcome.created };
        })(),
      );
    },

    decide(raw) {
      const parsed = DecisionInputSchema.safeParse(raw);
      if (!parsed.success) {
        return errAsync(
          approvalError('INVALID_INPUT', `invalid decision: ${parsed.error.issues[0]?.message ?? ''}`, {
            issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          }),
        );
      }
      const settled = settleDue();
      if (settled.isErr()) return errAsync(settled.error);
      let decided: Result<ApprovalRequest, ApprovalError>;
      try {
        decided = decideTx.immediate(parsed.data, clock.now());
      } catch (thrown) {
        return errAsync(io(thrown, 'decide'));
      }
      if (decided.isErr()) return errAsync(decided.error);
      const request = decided.value;
      return ResultAsync.fromSafePromise(mirror(request, 'resolved').then(() => request));
    },

    get,

    list(query = {}) {
      return settleDue().andThen(() => {
        try {
          const where: string[] = [];
          const args: (string | number)[] = [];
          if (query.state) {
            where.push('state = ?');
            args.push(query.state);
          }
          if (query.sessionId) {
            where.push('session_id = ?');
            args.push(query.sessionId);
          }
          const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 100)), 1000);
          const rows = db
            .prepare(
              `SELECT * FROM approval_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`,
            )
            .all(...args) as ApprovalRow[];
          return ok(rows.map(rowToRequest));
        } catch (thrown) {
          return err(io(thrown, 'list'));
        }
      });
    },

    audit(id) {
      return get(id).andThen(() => {
        try {
          const rows = db
            .prepare('SELECT * FROM approval_audit WHERE approval_id = ? ORDER BY seq')
            .all(id) as Array<{
            seq: number;
            approval_id: string;
            event: ApprovalAuditEntry['event'];
            actor: string;
            reason: string | null;
            at: number;
          }>;
          return ok(
            rows.map((r) => ({
              seq: r.seq,
              approvalId: r.approval_id,
              event: r.event,
              actor: r.actor,
              reason: r.reason,
              at: r.at,
            })),
          );
        } catch (thrown) {
          return err(io(thrown, 'audit'));
        }
      });
    },

    settleDue,

    waitForDecision(id, options = {}) {
      const pollMs = Math.max(10, options.pollMs ?? 500);
      const signal = options.signal;
      return new ResultAsync(
        (async (): Promise<Result<ApprovalRequest, ApprovalError>> => {
          for (;;) {
            if (signal?.aborted) {
              return err(
                approvalError('ABORTED', `stopped waiting for approval '${id}'`, { approvalId: id }),
              );
            }
            const current = get(id);
            if (current.isErr()) return current;
            if (current.value.state !== 'pending') {
              await mirror(current.value, 'resolved');
              return current;
            }
            await delay(pollMs, signal);
          }
        })(),
      );
    },

    close() {
      if (db.open) db.close();
    },
  };
  return store;
}

function alreadyDecided(request: ApprovalRequest): ApprovalError {
  return approvalError(
    'ALREADY_DECIDED',
    `Approval request '${request.id}' was already ${request.state} by ${request.decidedBy ?? '?'}; a decision is final.`,
    {
      approvalId: request.id,
      state: request.state,
      decidedBy: request.decidedBy,
      decidedAt: request.decidedAt,
    },
  );
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
