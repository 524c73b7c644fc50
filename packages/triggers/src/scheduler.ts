import {
  type Clock,
  computeBackoff,
  err,
  type Logger,
  type Result,
  sha256Hex,
  silentLogger,
  systemClock,
} from '@worktrain/contracts';
import type { TaskQueue } from '@worktrain/queue';
import type { TriggerDefinition } from './config/schema.js';
import { checkCron } from './cron.js';
import { type TriggerError, triggerError } from './errors.js';
import type { PollOutcome } from './provider.js';
import type { DispatchOutcome, TriggerRouter } from './router/router.js';
import type { PollState, TriggerEventKind, TriggerStore } from './store/trigger-store.js';

/** Report of one poll or schedule run of one trigger. */
export interface RunReport {
  readonly triggerId: string;
  readonly outcomes: readonly DispatchOutcome[];
  /** Set when the run failed (the state records it and the next run is backed off or disabled). */
  readonly error: TriggerError | null;
  /** Ticks skipped (overlap with an unfinished task, or missed while down without catchUp). */
  readonly skipped: readonly string[];
  readonly nextRunAt: number | null;
}

export interface SchedulerOptions {
  readonly router: TriggerRouter;
  readonly store: TriggerStore;
  /** Used by schedules to detect overlap (the previous tick's task still unfinished). */
  readonly queue?: TaskQueue;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Backoff after consecutive failures: min(maxMs, intervalMs·2^(failures−1)); default max 1 h. */
  readonly maxBackoffMs?: number;
  /**
   * Retention, ms: webhook delivery ids (replay detection) are kept `deliveries` (default 7 days) and
   * trigger events `events` (default 30 days); purged hourly while started.
   */
  readonly retention?: { readonly deliveriesMs?: number; readonly eventsMs?: number };
  /** A tick at most this late is still fired after a restart without catchUp (ms, default 60 000). */
  readonly misfireGraceMs?: number;
  /** With catchUp, at most this many missed ticks are fired (default 10). */
  readonly maxCatchUp?: number;
}

/**
 * Runs pollers and schedules, one independent loop per trigger (a slow or failing source never blocks
 * the others). State lives in the store, so a restart resumes from the persisted cursor / last tick:
 * a tick is fired in the same transaction that records it, so it is neither skipped nor fired twice.
 * `runOnce` drives one trigger without timers (tests, `worktrain trigger fire`).
 */
export class TriggerScheduler {
  readonly #o: SchedulerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #running = new Map<string, Promise<RunReport>>();
  #abort = new AbortController();
  #started = false;
  #retentionTimer: NodeJS.Timeout | undefined;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Starts a loop for every enabled poll or schedule trigger of the router's current config. */
  start(): void {
    this.#started = true;
    this.#abort = new AbortController();
    for (const t of this.#o.router.config.triggers) this.#arm(t.id, 0);
    if (this.#retentionTimer === undefined) {
      this.#retentionTimer = setInterval(() => this.purge(), 3_600_000);
      this.#retentionTimer.unref?.();
    }
  }

  /** Applies the retention policy once (also run hourly while started). Returns rows deleted. */
  purge(): { deliveries: number; events: number } {
    const d = this.#o.store.purgeDeliveries(this.#o.retention?.deliveriesMs ?? 7 * 86_400_000);
    const e = this.#o.store.purgeEvents(this.#o.retention?.eventsMs ?? 30 * 86_400_000);
    return { deliveries: d.isOk() ? d.value : 0, events: e.isOk() ? e.value : 0 };
  }

  /** Stops every loop (runs in flight finish) and restarts them over the router's current config. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#abort.abort();
    if (this.#retentionTimer !== undefined) clearInterval(this.#retentionTimer);
    this.#retentionTimer = undefined;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    await Promise.allSettled([...this.#running.values()]);
  }

  #arm(triggerId: string, delayMs: number): void {
    const found = this.#o.router.trigger(triggerId);
    if (found.isErr()) return;
    const t = found.value;
    if (!t.enabled || !(pollsEnabled(t) || t.provider.schedule)) return;
    const timer = setTimeout(
      () => {
        const run = this.runOnce(triggerId).then((report) => {
          this.#running.delete(triggerId);
          if (this.#started)
            this.#arm(
              triggerId,
              Math.max(0, (report.nextRunAt ?? this.#clock.now() + 60_000) - this.#clock.now()),
            );
          return report;
        });
        this.#running.set(triggerId, run);
      },
      Math.min(delayMs, 2_147_483_000),
    );
    timer.unref?.();
    this.#timers.set(triggerId, timer);
  }

  /** Runs the trigger's poll or schedule once if it is due (schedules) / always (polls). */
  async runOnce(triggerId: string): Promise<RunReport> {
    const found = this.#o.router.trigger(triggerId);
    if (found.isErr()) return failed(triggerId, found.error);
    const t = found.value;
    const state = this.#o.store.getPollState(t.id);
    if (state.isErr()) return failed(t.id, state.error);
    if (t.provider.schedule) return this.#runSchedule(t, state.value, false);
    if (t.provider.poll) return this.#runPoll(t, state.value);
    return failed(
      t.id,
      triggerError('NOT_SUPPORTED', `trigger "${t.id}" neither polls nor runs on a schedule`),
    );
  }

  /** Manual fire: a schedule fires now (sourceId `schedule:<id>:manual:<ISO>`); a poller polls now. */
  async fire(triggerId: string): Promise<RunReport> {
    const found = this.#o.router.trigger(triggerId);
    if (found.isErr()) return failed(triggerId, found.error);
    const t = found.value;
    const state = this.#o.store.getPollState(t.id);
    if (state.isErr()) return failed(t.id, state.error);
    if (t.provider.schedule) return this.#runSchedule(t, state.value, true);
    if (pollsEnabled(t)) return this.#runPoll(t, { ...state.value, disabledReason: null });
    return failed(
      t.id,
      triggerError('NOT_SUPPORTED', `trigger "${t.id}" is fired by webhooks only; use trigger test`),
    );
  }

  async #runPoll(t: TriggerDefinition, state: PollState): Promise<RunReport> {
    const poller = t.provider.poll;
    const now = this.#clock.now();
    if (!poller) return failed(t.id, triggerError('NOT_SUPPORTED', 'no poller'));
    const fingerprint = configFingerprint(t);
    if (state.disabledReason !== null && state.disabledConfig === fingerprint)
      return {
        triggerId: t.id,
        outcomes: [],
        error: triggerError('UPSTREAM_AUTH', state.disabledReason),
        skipped: [],
        nextRunAt: null,
      };
    const interval = poller.intervalMs(t.config);
    let result: Result<PollOutcome, TriggerError>;
    try {
      result = await poller.poll({
        triggerId: t.id,
        config: t.config,
        state,
        fetch: this.#o.fetch ?? fetch,
        now,
        signal: this.#abort.signal,
      });
    } catch (thrown) {
      // A third-party poller that throws is reported like a bad answer, never crashes the scheduler.
      result = err(
        triggerError(
          'UPSTREAM_INVALID',
          `poller threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        ),
      );
    }
    if (result.isErr()) {
      const e = result.error;
      const failures = state.failures + 1;
      const auth = e.code === 'UPSTREAM_AUTH';
      const retryAfter = typeof e.details?.retryAfterMs === 'number' ? e.details.retryAfterMs : 0;
      const backoff = computeBackoff(failures - 1, {
        baseMs: interval,
        capMs: this.#o.maxBackoffMs ?? 3_600_000,
        jitter: 'none',
      });
      // The forge's own wait (Retry-After, rate-limit reset) is honoured even beyond the backoff cap.
      const nextRunAt = auth ? null : now + Math.max(backoff, retryAfter);
      this.#putState(t.id, {
        ...state,
        lastRunAt: now,
        lastError: e.message,
        failures,
        nextRunAt,
        disabledReason: auth ? e.message : null,
        disabledConfig: auth ? fingerprint : null,
      });
      this.#record(t.id, auth ? 'disabled' : 'poll_error', e.message);
      this.#logger.warn(
        { triggerId: t.id, code: e.code, failures },
        auth ? 'poller disabled' : 'poll failed; backing off',
      );
      return { triggerId: t.id, outcomes: [], error: e, skipped: [], nextRunAt };
    }
    const outcome = result.value;
    const outcomes: DispatchOutcome[] = [];
    let error: TriggerError | null = null;
    // One group commit for the whole page of items instead of one fsync'd transaction each.
    const dispatched = await Promise.all(
      outcome.items.map((item) => this.#o.store.batch(() => this.#o.router.dispatch(t, item))),
    );
    for (const d of dispatched) {
      if (d.isErr()) error = d.error;
      else outcomes.push(d.value);
    }
    let nextRunAt = now + interval;
    if (outcome.rateLimit && outcome.rateLimit.remaining === 0)
      nextRunAt = Math.max(nextRunAt, outcome.rateLimit.resetAt);
    this.#putState(t.id, {
      ...state,
      cursor: outcome.state.cursor,
      etags: outcome.state.etags,
      lastRunAt: now,
      lastOkAt: error === null ? now : state.lastOkAt,
      lastError: error?.message ?? null,
      failures: 0,
      nextRunAt,
      disabledReason: null,
      disabledConfig: null,
    });
    return { triggerId: t.id, outcomes, error, skipped: [], nextRunAt };
  }

  async #runSchedule(t: TriggerDefinition, state: PollState, manual: boolean): Promise<RunReport> {
    const sched = t.provider.schedule;
    if (!sched) return failed(t.id, triggerError('NOT_SUPPORTED', 'no schedule'));
    const spec = sched.spec(t.config);
    const cron = checkCron(spec.cron, spec.timezone);
    if (cron.isErr()) return failed(t.id, cron.error);
    const now = this.#clock.now();
    const lastTick = lastTickOf(state);
    const next = (from: number) => cron.value.nextRun(new Date(from))?.getTime() ?? null;
    const skipped: string[] = [];
    const outcomes: DispatchOutcome[] = [];
    const fireAt = async (
      at: number,
      isManual: boolean,
      tickState: PollState,
    ): Promise<TriggerError | null> => {
      if (await this.#overlaps(state)) {
        const why = `tick ${new Date(at).toISOString()} skipped: the previous task ${state.lastTaskId} is still unfinished`;
        skipped.push(why);
        this.#putState(t.id, tickState);
        this.#record(t.id, 'skipped', why);
        return null;
      }
      const d = this.#o.router.dispatch(
        t,
        sched.tick({ triggerId: t.id, config: t.config, at, manual: isManual }),
        { pollState: tickState },
      );
      if (d.isErr()) return d.error;
      // An enqueued tick recorded itself in the admitting transaction; an ignored or duplicate one did not,
      // so record it here, or a restart would evaluate it again.
      if (d.value.status !== 'enqueued') this.#putState(t.id, tickState);
      outcomes.push(d.value);
      return null;
    };
    if (manual) {
      const e = await fireAt(now, true, { ...state, lastRunAt: now });
      return {
        triggerId: t.id,
        outcomes,
        error: e,
        skipped,
        nextRunAt: next(Math.max(now, lastTick ?? now)),
      };
    }
    // First run ever: start from now (no history to catch up on).
    let due = lastTick === null ? null : next(lastTick);
    if (lastTick === null) {
      const first = next(now - 1);
      this.#putState(t.id, { ...state, cursor: { lastTick: now - 1 }, nextRunAt: first });
      return { triggerId: t.id, outcomes, error: null, skipped, nextRunAt: first };
    }
    let fired = 0;
    let error: TriggerError | null = null;
    while (due !== null && due <= now) {
      const late = now - due;
      const tickState: PollState = {
        ...state,
        cursor: { lastTick: due },
        lastRunAt: now,
        nextRunAt: next(due),
      };
      const latest = (next(due) ?? Number.POSITIVE_INFINITY) > now;
      // Without catchUp only the latest due tick fires, and only if it is at most misfireGraceMs late (a
      // restart across a tick still fires it once); with catchUp every missed tick fires, up to maxCatchUp.
      const fire = spec.catchUp
        ? fired < (this.#o.maxCatchUp ?? 10)
        : latest && late <= (this.#o.misfireGraceMs ?? 60_000);
      if (fire) {
        error = await fireAt(due, false, tickState);
        fired++;
        if (error) break;
      } else {
        const why = `tick ${new Date(due).toISOString()} missed while the scheduler was not running (catchUp is off)`;
        skipped.push(why);
        this.#putState(t.id, tickState);
        this.#record(t.id, 'skipped', why);
      }
      const refreshed = this.#o.store.getPollState(t.id);
      if (refreshed.isOk()) state = refreshed.value;
      due = next(due);
    }
    return { triggerId: t.id, outcomes, error, skipped, nextRunAt: due };
  }

  /** Persists poll state; a failure is logged (the next run recomputes from the last committed state). */
  #putState(triggerId: string, state: PollState): void {
    const r = this.#o.store.putPollState(triggerId, state);
    if (r.isErr())
      this.#logger.error({ triggerId, code: r.error.code }, `cannot save trigger state: ${r.error.message}`);
  }

  #record(triggerId: string, kind: TriggerEventKind, message: string): void {
    const r = this.#o.store.recordEvent(triggerId, kind, message);
    if (r.isErr())
      this.#logger.error(
        { triggerId, code: r.error.code },
        `cannot record trigger event: ${r.error.message}`,
      );
  }

  async #overlaps(state: PollState): Promise<boolean> {
    if (!this.#o.queue || state.lastTaskId === null) return false;
    const task = await this.#o.queue.get(state.lastTaskId);
    return task.isOk() && ['pending', 'leased', 'failed'].includes(task.value.state);
  }
}

/** sha256 of the trigger's resolved provider config (secrets included, so a rotated token re-enables). */
function configFingerprint(t: TriggerDefinition): string {
  return sha256Hex(JSON.stringify(t.config) ?? '');
}

/** True when the trigger's provider polls and its config asks for polling. */
export function pollsEnabled(t: TriggerDefinition): boolean {
  const poller = t.provider.poll;
  return poller !== undefined && (poller.enabled?.(t.config) ?? true);
}

function lastTickOf(state: PollState): number | null {
  const c = state.cursor;
  if (typeof c === 'object' && c !== null && 'lastTick' in c && typeof c.lastTick === 'number')
    return c.lastTick;
  return null;
}

function failed(triggerId: string, error: TriggerError): RunReport {
  return { triggerId, outcomes: [], error, skipped: [], nextRunAt: null };
}
