import { createHash } from 'node:crypto';
import { err, type JsonValue, JsonValueSchema, type Logger, ok, type Result } from '@worktrain/contracts';
import {
  type ApprovalError,
  type ApprovalRequest,
  type ApprovalStore,
  type ApprovalVerdict,
  openApprovalStore,
  type Policy,
} from '@worktrain/delivery';
import type { TaskQueue } from '@worktrain/queue';
import type { SessionStore } from '@worktrain/session-store';
import type Database from 'better-sqlite3';
import { type RuntimeError, runtimeError } from './errors.js';

/** A delivery that waits for approval decisions (`runtime_parked_deliveries`). */
export interface ParkedDelivery {
  readonly sessionId: string;
  /** The pending approval requests it waits on. */
  readonly approvalIds: readonly string[];
  readonly parkedAt: number;
}

/**
 * A task other than a delivery that waits for approval decisions (`runtime_parked_tasks`): today the merge
 * follow-up, whose Jira transition the policy may rank above low. Once a request is decided, its
 * `payload` is enqueued again and the task asks the policy again (same dedupe keys → same requests).
 */
export interface ParkedTask {
  /** Stable key of what waits, e.g. `merged:<sessionId>`; parking the same key again replaces it. */
  readonly key: string;
  readonly sessionId: string;
  /** The task payload enqueued again once a request is decided. */
  readonly payload: JsonValue;
  readonly approvalIds: readonly string[];
  readonly parkedAt: number;
}

/**
 * Blast-radius approvals inside the daemon. A delivery that needs a decision does not hold a worker: the
 * task ends ("parked") after recording which approval requests it waits on. {@link DeliveryApprovals.check}
 * (every `approvals.checkIntervalMs`, and right after a decision made through the API) applies due
 * medium-tier timeouts and, for each parked delivery with a decided request, enqueues a `resume` task and
 * forgets the park; for each parked task ({@link ParkedTask}: the merge follow-up) with a decided request,
 * it enqueues the task's payload again (dedupe key `park:<key>:approval:<hash of the decided ids>`). Everything is in `worktrain.db`, so a restarted daemon picks up decisions made while it
 * was down (by `worktrain approvals approve|reject`, which writes the same tables) on its first check.
 */
export interface DeliveryApprovals {
  readonly store: ApprovalStore;
  readonly policy: Policy;
  park(sessionId: string, approvalIds: readonly string[]): void;
  parked(): ParkedDelivery[];
  /** Parks another task (see {@link ParkedTask}) until one of `approvalIds` is decided. */
  parkTask(task: Omit<ParkedTask, 'parkedAt'>): void;
  parkedTasks(): ParkedTask[];
  /** One pass; resolves with the sessions resumed. Never rejects (failures are logged). */
  check(): Promise<string[]>;
  /** Decides a request (API, console) and runs a check so the delivery resumes at once. */
  decide(
    id: string,
    verdict: ApprovalVerdict,
    actor: string,
    reason?: string,
  ): Promise<Result<ApprovalRequest, ApprovalError>>;
  /** Starts the periodic check. */
  start(intervalMs: number): void;
  close(): void;
}

export interface DeliveryApprovalsOptions {
  /** The session store's connection to `worktrain.db` (the park table lives beside the task links). */
  readonly db: Database.Database;
  /** `worktrain.db` path; the approval store opens its own connection (as the CLI does). */
  readonly path: string;
  readonly sessionStore: SessionStore;
  readonly policy: Policy;
  readonly queue: Pick<TaskQueue, 'enqueue'>;
  readonly queueName: string;
  readonly now: () => number;
  readonly logger: Logger;
}

/** Opens the approval store and the park table. Errors: STORE_OPEN_FAILED. */
export function openDeliveryApprovals(
  options: DeliveryApprovalsOptions,
): Result<DeliveryApprovals, RuntimeError> {
  const opened = openApprovalStore({ path: options.path, sessionStore: options.sessionStore });
  if (opened.isErr())
    return err(
      runtimeError('STORE_OPEN_FAILED', `approvals: ${opened.error.message}`, {
        approvalCode: opened.error.code,
      }),
    );
  const store = opened.value;
  const { db, logger } = options;
  const log = logger.child({ component: 'approvals' });
  db.exec(`CREATE TABLE IF NOT EXISTS runtime_parked_deliveries (
    session_id TEXT PRIMARY KEY,
    approval_ids TEXT NOT NULL,
    parked_at INTEGER NOT NULL
  )`);
  const upsert = db.prepare<[string, string, number]>(
    'INSERT OR REPLACE INTO runtime_parked_deliveries (session_id, approval_ids, parked_at) VALUES (?, ?, ?)',
  );
  const all = db.prepare<[], { session_id: string; approval_ids: string; parked_at: number }>(
    'SELECT * FROM runtime_parked_deliveries ORDER BY parked_at',
  );
  const remove = db.prepare<[string, number]>(
    'DELETE FROM runtime_parked_deliveries WHERE session_id = ? AND parked_at = ?',
  );
  db.exec(`CREATE TABLE IF NOT EXISTS runtime_parked_tasks (
    park_key TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    approval_ids TEXT NOT NULL,
    parked_at INTEGER NOT NULL
  )`);
  const upsertTask = db.prepare<[string, string, string, string, number]>(
    'INSERT OR REPLACE INTO runtime_parked_tasks (park_key, session_id, payload, approval_ids, parked_at) VALUES (?, ?, ?, ?, ?)',
  );
  const allTasks = db.prepare<
    [],
    { park_key: string; session_id: string; payload: string; approval_ids: string; parked_at: number }
  >('SELECT * FROM runtime_parked_tasks ORDER BY parked_at');
  const removeTask = db.prepare<[string, number]>(
    'DELETE FROM runtime_parked_tasks WHERE park_key = ? AND parked_at = ?',
  );
  const parkedTasks = (): ParkedTask[] =>
    allTasks.all().map((r) => ({
      key: r.park_key,
      sessionId: r.session_id,
      payload: parsePayload(r.payload),
      approvalIds: parseIds(r.approval_ids),
      parkedAt: r.parked_at,
    }));
  const parked = (): ParkedDelivery[] =>
    all.all().map((r) => ({
      sessionId: r.session_id,
      approvalIds: parseIds(r.approval_ids),
      parkedAt: r.parked_at,
    }));

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<string[]> | null = null;

  const decidedOf = (approvalIds: readonly string[]): string[] => {
    const decided: string[] = [];
    for (const id of approvalIds) {
      const r = store.get(id);
      // A request that vanished cannot be waited on: resume, and the task asks again.
      if (r.isErr() ? r.error.code === 'APPROVAL_NOT_FOUND' : r.value.state !== 'pending') decided.push(id);
    }
    return decided;
  };
  // A key per decision set: a task still finishing an earlier park must not swallow this one.
  const keyOf = (decided: string[]): string =>
    createHash('sha256').update(decided.sort().join(',')).digest('hex').slice(0, 16);

  const checkOnce = async (): Promise<string[]> => {
    const resumed: string[] = [];
    const settled = store.settleDue();
    if (settled.isErr()) log.warn({ code: settled.error.code }, settled.error.message);
    for (const t of parkedTasks()) {
      const decided = decidedOf(t.approvalIds);
      if (decided.length === 0) continue;
      const enq = await options.queue.enqueue({
        queue: options.queueName,
        payload: t.payload,
        dedupeKey: `park:${t.key}:approval:${keyOf(decided)}`,
        actor: 'approvals',
      });
      if (enq.isErr()) {
        log.warn({ key: t.key, code: enq.error.code }, `cannot wake a parked task: ${enq.error.message}`);
        continue;
      }
      removeTask.run(t.key, t.parkedAt);
      resumed.push(t.sessionId);
      log.info(
        { sessionId: t.sessionId, key: t.key, approvalIds: decided, taskId: enq.value.task.id },
        'approval decided; parked task enqueued again',
      );
    }
    for (const p of parked()) {
      const decided = decidedOf(p.approvalIds);
      if (decided.length === 0) continue;
      const key = keyOf(decided);
      const enq = await options.queue.enqueue({
        queue: options.queueName,
        payload: { kind: 'resume', sessionId: p.sessionId },
        dedupeKey: `resume:${p.sessionId}:approval:${key}`,
        actor: 'approvals',
      });
      if (enq.isErr()) {
        log.warn({ sessionId: p.sessionId, code: enq.error.code }, `cannot resume: ${enq.error.message}`);
        continue;
      }
      remove.run(p.sessionId, p.parkedAt);
      resumed.push(p.sessionId);
      log.info(
        { sessionId: p.sessionId, approvalIds: decided, taskId: enq.value.task.id },
        'approval decided; delivery resumes',
      );
    }
    return resumed;
  };

  const check = (): Promise<string[]> => {
    // One pass at a time (the timer and an API decision may both ask).
    if (running !== null) return running.then(() => check());
    running = checkOnce()
      .catch((thrown: unknown) => {
        log.warn({ error: String(thrown) }, 'approval check failed');
        return [];
      })
      .finally(() => {
        running = null;
      });
    return running;
  };

  return ok({
    store,
    policy: options.policy,
    park(sessionId, approvalIds) {
      upsert.run(sessionId, JSON.stringify([...approvalIds]), options.now());
    },
    parked,
    parkTask(task) {
      upsertTask.run(
        task.key,
        task.sessionId,
        JSON.stringify(task.payload),
        JSON.stringify([...task.approvalIds]),
        options.now(),
      );
    },
    parkedTasks,
    check,
    async decide(id, verdict, actor, reason) {
      const decided = await store.decide({
        id,
        verdict,
        actor,
        ...(reason === undefined ? {} : { reason }),
      });
      if (decided.isOk()) await check();
      return decided;
    },
    start(intervalMs) {
      if (timer !== null) return;
      void check();
      timer = setInterval(() => void check(), intervalMs);
    },
    close() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      store.close();
    },
  });
}

function parsePayload(text: string): JsonValue {
  try {
    return JsonValueSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

function parseIds(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
