import {
  type Clock,
  err,
  errAsync,
  type IdGenerator,
  makeError,
  ok,
  type Result,
  ResultAsync,
  randomId,
  randomIds,
  systemClock,
} from '@worktrain/contracts';
import { appendArchive } from '../archive.js';
import { dedupeConflict, leaseLost, notFound } from '../errors.js';
import { HandleState, leaseKey } from '../handle-state.js';
import type {
  AuditEntry,
  CancelInput,
  ClaimInput,
  DrainResult,
  EnqueueInput,
  EnqueueResult,
  FailInput,
  HeartbeatInput,
  LeasedTask,
  LeaseRef,
  ListFilter,
  PurgeInput,
  PurgeResult,
  QueueError,
  QueueOptions,
  QueueStats,
  ReleaseLeasesInput,
  RequeueInput,
  StatsFilter,
  SweepResult,
  Task,
  TaskQueue,
  TaskState,
} from '../queue.js';
import { PURGE_PREVIEW_LIMIT, UNFINISHED_STATES } from '../queue.js';
import { emptyStats } from '../stats.js';
import {
  checkClaim,
  checkDelay,
  checkLeaseMs,
  checkListFilter,
  checkPurgeInput,
  checkReason,
  checkRelease,
  checkStatsFilter,
  checkTaskError,
  type NormalizedEnqueue,
  normalizeEnqueue,
  parsePayload,
  type ResolvedOptions,
  resolveOptions,
  retryDecision,
} from '../validation.js';

export interface MemoryQueueOptions extends QueueOptions {
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Row = Mutable<Task> & { seq: number };

/**
 * An in-memory {@link TaskQueue} with the same semantics as the durable backends (it passes the same
 * conformance suite), for users' tests. Nothing is durable. Time comes from the injected clock.
 */
export function createMemoryQueue(options: MemoryQueueOptions = {}): MemoryTaskQueue {
  return new MemoryTaskQueue(options);
}

export class MemoryTaskQueue implements TaskQueue {
  private readonly opts: ResolvedOptions;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly tasks = new Map<string, Row>();
  private readonly audit: AuditEntry[] = [];
  private readonly state = new HandleState();
  private seq = 0;

  constructor(options: MemoryQueueOptions = {}) {
    this.opts = resolveOptions(options);
    this.clock = options.clock ?? systemClock;
    this.ids = options.ids ?? randomIds;
  }

  private op<T>(run: (now: number) => Result<T, QueueError>): ResultAsync<T, QueueError> {
    if (this.state.closed) return errAsync(makeError('QUEUE_CLOSED', 'the queue handle is closed'));
    return new ResultAsync(Promise.resolve().then(() => run(this.clock.now())));
  }

  private transition(row: Row, to: TaskState, actor: string, reason: string, now: number): void {
    this.audit.push({ taskId: row.id, actor, from: row.state, to, at: now, reason });
    row.state = to;
    row.updatedAt = now;
  }

  private snapshot(row: Row): Task {
    const { seq: _seq, ...task } = row;
    return structuredClone(task);
  }

  private holder(key: string): Row | undefined {
    for (const r of this.tasks.values())
      if (r.dedupeKey === key && UNFINISHED_STATES.includes(r.state)) return r;
    return undefined;
  }

  private insert(n: NormalizedEnqueue, now: number): Result<EnqueueResult, QueueError> {
    if (n.dedupeKey !== null) {
      const held = this.holder(n.dedupeKey);
      if (held !== undefined) {
        if (held.queue !== n.queue) return err(dedupeConflict(n.dedupeKey, held.queue, n.queue));
        return ok({ task: this.snapshot(held), created: false });
      }
    }
    const row: Row = {
      seq: ++this.seq,
      id: this.ids.next('task'),
      queue: n.queue,
      payload: parsePayload(n.payloadJson),
      priority: n.priority,
      runAt: n.runAt ?? now + n.delayMs,
      dedupeKey: n.dedupeKey,
      attempt: 0,
      maxAttempts: n.maxAttempts,
      state: 'pending',
      leaseToken: null,
      leaseOwner: null,
      leasedUntil: null,
      lastError: null,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
    };
    this.tasks.set(row.id, row);
    this.audit.push({
      taskId: row.id,
      actor: n.actor,
      from: null,
      to: 'pending',
      at: now,
      reason: 'enqueued',
    });
    return ok({ task: this.snapshot(row), created: true });
  }

  enqueue(input: EnqueueInput): ResultAsync<EnqueueResult, QueueError> {
    return this.enqueueMany([input]).map((rs) => rs[0]!);
  }

  enqueueMany(inputs: readonly EnqueueInput[]): ResultAsync<EnqueueResult[], QueueError> {
    const ns: NormalizedEnqueue[] = [];
    for (const input of inputs) {
      const n = normalizeEnqueue(input, this.opts);
      if (n.isErr()) return errAsync(n.error);
      ns.push(n.value);
    }
    return this.op((now) => {
      // All-or-nothing: check conflicts (including within the batch) before inserting anything.
      const pending = new Map<string, string>();
      for (const n of ns) {
        if (n.dedupeKey === null) continue;
        const heldQueue = this.holder(n.dedupeKey)?.queue ?? pending.get(n.dedupeKey);
        if (heldQueue !== undefined && heldQueue !== n.queue)
          return err(dedupeConflict(n.dedupeKey, heldQueue, n.queue));
        pending.set(n.dedupeKey, n.queue);
      }
      const out: EnqueueResult[] = [];
      for (const n of ns) out.push(this.insert(n, now)._unsafeUnwrap());
      for (const q of new Set(ns.map((n) => n.queue))) this.state.notify(q);
      return ok(out);
    });
  }

  claim(input: ClaimInput): ResultAsync<LeasedTask[], QueueError> {
    if (this.state.draining)
      return errAsync(makeError('QUEUE_DRAINING', 'the queue is draining; no new claims'));
    const c = checkClaim(input, this.opts);
    if (c.isErr()) return errAsync(c.error);
    return this.op((now) => {
      this.sweep(now);
      const ready = [...this.tasks.values()]
        .filter(
          (r) => r.queue === input.queue && (r.state === 'pending' || r.state === 'failed') && r.runAt <= now,
        )
        .sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.seq - b.seq)
        .slice(0, input.n);
      const out: LeasedTask[] = [];
      for (const r of ready) {
        r.leaseToken = randomId();
        this.transition(r, 'leased', input.workerId, 'claimed', now);
        r.leaseOwner = input.workerId;
        r.leasedUntil = now + input.leaseMs;
        r.attempt += 1;
        out.push(this.snapshot(r) as LeasedTask);
      }
      this.state.leased(out.map((t) => leaseKey(t.id, t.leaseToken)));
      return ok(out);
    });
  }

  private held(ref: LeaseRef, now: number): Result<Row, QueueError> {
    const r = this.tasks.get(ref.taskId);
    if (r === undefined) return err(notFound(ref.taskId));
    if (r.state !== 'leased' || r.leaseToken !== ref.leaseToken || (r.leasedUntil ?? 0) <= now) {
      return err(leaseLost(ref.taskId, r.state, r.leaseToken === ref.leaseToken, r.leasedUntil, now));
    }
    return ok(r);
  }

  heartbeat(input: HeartbeatInput): ResultAsync<{ leasedUntil: number }, QueueError> {
    const ms = checkLeaseMs(input.leaseMs ?? this.opts.defaultLeaseMs, this.opts);
    if (ms.isErr()) return errAsync(ms.error);
    return this.op((now) =>
      this.held(input, now).map((r) => {
        r.leasedUntil = now + ms.value;
        r.updatedAt = now;
        return { leasedUntil: r.leasedUntil };
      }),
    );
  }

  complete(input: LeaseRef): ResultAsync<Task, QueueError> {
    return this.op((now) => {
      const r = this.tasks.get(input.taskId);
      if (r?.state === 'succeeded' && r.leaseToken === input.leaseToken) return ok(this.snapshot(r));
      const h = this.held(input, now);
      this.state.released(leaseKey(input.taskId, input.leaseToken));
      return h.map((row) => {
        this.transition(row, 'succeeded', row.leaseOwner ?? 'system', 'completed', now);
        row.finishedAt = now;
        row.leasedUntil = null;
        return this.snapshot(row);
      });
    });
  }

  fail(input: FailInput): ResultAsync<Task, QueueError> {
    const e = checkTaskError(input.error);
    if (e.isErr()) return errAsync(e.error);
    return this.op((now) => {
      const h = this.held(input, now);
      this.state.released(leaseKey(input.taskId, input.leaseToken));
      return h.map((row) => {
        const d = retryDecision(row.attempt, row.maxAttempts, e.value, input.retryable, this.opts);
        row.lastError = e.value;
        if (d.kind === 'retry') {
          this.transition(row, 'failed', row.leaseOwner ?? 'system', 'retry after failure', now);
          row.runAt = now + d.delayMs;
        } else {
          this.transition(row, 'dead', row.leaseOwner ?? 'system', `dead letter: ${e.value.class}`, now);
          row.finishedAt = now;
        }
        row.leasedUntil = null;
        return this.snapshot(row);
      });
    });
  }

  cancel(input: CancelInput): ResultAsync<Task, QueueError> {
    const reason = checkReason(input.reason);
    if (reason.isErr()) return errAsync(reason.error);
    return this.op((now) => {
      const r = this.tasks.get(input.taskId);
      if (r === undefined) return err(notFound(input.taskId));
      if (!UNFINISHED_STATES.includes(r.state)) {
        return err(
          makeError('INVALID_STATE', `task ${r.id} is ${r.state}; only unfinished tasks can be cancelled`, {
            state: r.state,
          }),
        );
      }
      this.transition(r, 'dead', input.actor ?? 'operator', `cancelled: ${input.reason}`, now);
      r.lastError = { class: 'cancelled', message: input.reason };
      r.finishedAt = now;
      r.leasedUntil = null;
      return ok(this.snapshot(r));
    });
  }

  requeue(input: RequeueInput): ResultAsync<Task, QueueError> {
    const reason = checkReason(input.reason);
    if (reason.isErr()) return errAsync(reason.error);
    const d = checkDelay(input.delayMs ?? 0);
    if (d.isErr()) return errAsync(d.error);
    return this.op((now) => {
      const r = this.tasks.get(input.taskId);
      if (r === undefined) return err(notFound(input.taskId));
      if (r.state !== 'dead') {
        return err(
          makeError('INVALID_STATE', `task ${r.id} is ${r.state}; only dead letters can be requeued`, {
            state: r.state,
          }),
        );
      }
      if (r.dedupeKey !== null && this.holder(r.dedupeKey) !== undefined) {
        return err(
          makeError('DEDUPE_KEY_CONFLICT', `dedupe key ${r.dedupeKey} is held by an unfinished task`),
        );
      }
      r.leaseToken = null;
      this.transition(r, 'pending', input.actor ?? 'operator', `requeued: ${input.reason}`, now);
      Object.assign(r, {
        attempt: 0,
        runAt: now + d.value,
        finishedAt: null,
        leaseOwner: null,
        leasedUntil: null,
      });
      this.state.notify(r.queue);
      return ok(this.snapshot(r));
    });
  }

  private sweep(now: number): SweepResult {
    let requeued = 0;
    let deadLettered = 0;
    for (const r of this.tasks.values()) {
      if (r.state !== 'leased' || (r.leasedUntil ?? 0) > now) continue;
      const dead = r.attempt >= r.maxAttempts;
      this.transition(r, dead ? 'dead' : 'failed', 'sweeper', 'lease expired', now);
      r.lastError = { class: 'timeout', message: `lease of ${r.leaseOwner} expired` };
      r.leasedUntil = null;
      r.finishedAt = dead ? now : null;
      if (dead) deadLettered++;
      else requeued++;
    }
    return { requeued, deadLettered };
  }

  sweepExpiredLeases(): ResultAsync<SweepResult, QueueError> {
    return this.op((now) => ok(this.sweep(now)));
  }

  releaseLeases(input: ReleaseLeasesInput): ResultAsync<SweepResult, QueueError> {
    const c = checkRelease(input);
    if (c.isErr()) return errAsync(c.error);
    const owners = new Set(input.workerIds);
    return this.op((now) => {
      let requeued = 0;
      let deadLettered = 0;
      const woken = new Set<string>();
      for (const r of this.tasks.values()) {
        if (r.state !== 'leased' || r.leaseOwner === null || !owners.has(r.leaseOwner)) continue;
        const dead = r.attempt >= r.maxAttempts;
        this.transition(r, dead ? 'dead' : 'failed', input.actor ?? 'system', input.reason, now);
        r.lastError = { class: 'timeout', message: `lease of ${r.leaseOwner} released: ${input.reason}` };
        r.leasedUntil = null;
        r.finishedAt = dead ? now : null;
        if (dead) deadLettered++;
        else {
          requeued++;
          woken.add(r.queue);
        }
      }
      for (const q of woken) this.state.notify(q);
      return ok({ requeued, deadLettered });
    });
  }

  notifyEnqueued(queue: string): void {
    this.state.notify(queue);
  }

  get(taskId: string): ResultAsync<Task, QueueError> {
    return this.op(() => {
      const r = this.tasks.get(taskId);
      return r === undefined ? err(notFound(taskId)) : ok(this.snapshot(r));
    });
  }

  list(filter?: ListFilter): ResultAsync<Task[], QueueError> {
    const f = checkListFilter(filter);
    if (f.isErr()) return errAsync(f.error);
    const { queue, state, since, limit } = f.value;
    return this.op(() =>
      ok(
        [...this.tasks.values()]
          .filter(
            (r) => (queue === undefined || r.queue === queue) && (state === undefined || r.state === state),
          )
          .filter((r) => since === undefined || r.updatedAt >= since)
          .sort((a, b) => b.updatedAt - a.updatedAt || b.seq - a.seq)
          .slice(0, limit)
          .map((r) => this.snapshot(r)),
      ),
    );
  }

  history(taskId: string): ResultAsync<AuditEntry[], QueueError> {
    return this.op(() => {
      const h = this.audit.filter((a) => a.taskId === taskId);
      return h.length === 0 ? err(notFound(taskId)) : ok(h.map((a) => ({ ...a })));
    });
  }

  stats(filter?: StatsFilter): ResultAsync<QueueStats, QueueError> {
    const f = checkStatsFilter(filter);
    if (f.isErr()) return errAsync(f.error);
    const only = f.value.queue;
    return this.op((now) => {
      const counts = new Map<string, { queue: string; state: string; n: number }>();
      let oldest: number | null = null;
      for (const r of this.tasks.values()) {
        if (only !== null && r.queue !== only) continue;
        const k = `${r.queue}\u0000${r.state}`;
        const c = counts.get(k) ?? { queue: r.queue, state: r.state, n: 0 };
        c.n++;
        counts.set(k, c);
        if ((r.state === 'pending' || r.state === 'failed') && r.runAt <= now)
          oldest = Math.min(oldest ?? r.runAt, r.runAt);
      }
      return ok(emptyStats([...counts.values()], oldest === null ? null : now - oldest));
    });
  }

  purge(input: PurgeInput): ResultAsync<PurgeResult, QueueError> {
    const checked = checkPurgeInput(input);
    if (checked.isErr()) return errAsync(checked.error);
    const p = checked.value;
    return this.op((now) => {
      const matching = [...this.tasks.values()]
        .filter(
          (r) =>
            (p.states as readonly TaskState[]).includes(r.state) &&
            r.finishedAt !== null &&
            r.finishedAt <= now - p.olderThanMs &&
            (p.since === null || r.finishedAt >= p.since) &&
            (p.queue === null || r.queue === p.queue),
        )
        // Oldest finished first (insertion order breaks ties, as seq does in the databases).
        .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
      const victims = p.limit === null ? matching : matching.slice(0, p.limit);
      if (input.dryRun === true) {
        const preview = victims.slice(0, PURGE_PREVIEW_LIMIT).map((r) => this.snapshot(r));
        return ok({ purged: victims.length, archivePath: null, wouldPurge: preview });
      }
      if (input.archivePath !== undefined && victims.length > 0) {
        try {
          appendArchive(
            input.archivePath,
            victims.map((r) => ({
              task: this.snapshot(r),
              history: this.audit.filter((a) => a.taskId === r.id),
            })),
          );
        } catch (thrown) {
          return err(makeError('STORE_IO', `cannot write archive: ${String(thrown)}`));
        }
      }
      const ids = new Set(victims.map((r) => r.id));
      for (const id of ids) this.tasks.delete(id);
      const kept = this.audit.filter((a) => !ids.has(a.taskId));
      this.audit.length = 0;
      this.audit.push(...kept);
      return ok({ purged: ids.size, archivePath: input.archivePath ?? null });
    });
  }

  drain(timeoutMs: number): Promise<DrainResult> {
    return this.state.drain(timeoutMs);
  }

  waitForTasks(queue: string, timeoutMs: number): Promise<void> {
    return this.state.wait(queue, timeoutMs);
  }

  async close(): Promise<void> {
    this.state.close();
  }
}
