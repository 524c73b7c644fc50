/**
 * The control state of one agent run: its abort signal (kill switch, daemon stop, wall clock), the wall
 * clock that stops while a person decides at the action gate, and the `Stop` unwinding used when an event
 * cannot be recorded. Every other stage of the loop reads time and cancellation from here.
 */
import type { Clock, NewSessionEvent } from '@worktrain/contracts';
import { makeError } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import type { SessionEnding } from '../session-types.js';
import type { Budget } from './budget.js';
import { appendAtHead } from './session-events.js';

/** Internal: unwinds the loop with an ending (never escapes `runSession`). */
export class Stop extends Error {
  constructor(readonly ending: SessionEnding) {
    super(ending.kind);
  }
}

/** Appends events to the session log; a store failure throws {@link Stop} with a STORE_ERROR failure. */
export type RecordEvents = (events: readonly NewSessionEvent[], idempotencyKey?: string) => Promise<void>;

/** The {@link RecordEvents} of one session (appends at the head, retrying sequence conflicts). */
export function eventRecorder(store: SessionStore, sessionId: string): RecordEvents {
  return async (events, idempotencyKey) => {
    const appended = await appendAtHead(store, sessionId, events, idempotencyKey);
    if (appended.isErr())
      throw new Stop({
        kind: 'failed',
        error: makeError('STORE_ERROR', `Cannot record session events: ${appended.error.message}`, {
          storeCode: appended.error.code,
        }),
      });
  };
}

/** Why the run's signal fired: the kill switch (or another process's kill) or the wall-clock budget. */
export type AbortReason = 'cancelled' | 'wall_clock';

/**
 * Cancellation and the wall clock of one run. The wall clock (`budget.maxWallClockMs` of *active* time,
 * ms by `clock`) fires the run's signal with reason `wall_clock`; an external `signal` or {@link cancel}
 * fires it with `cancelled` (the first reason wins). {@link dispose} must be called when the run ends.
 */
export class RunControl {
  /** Clock time the run started, ms epoch. */
  readonly startedAt: number;
  private readonly run = new AbortController();
  private reason: AbortReason | undefined;
  /** Time the wall clock was stopped (gate waits), ms. */
  private pausedMs = 0;
  private wallTimer: NodeJS.Timeout | undefined;
  private readonly onExternalAbort = (): void => this.cancel();

  constructor(
    private readonly clock: Clock,
    private readonly budget: Budget,
    private readonly external?: AbortSignal,
  ) {
    this.startedAt = clock.now();
    if (external?.aborted === true) this.cancel();
    external?.addEventListener('abort', this.onExternalAbort, { once: true });
    this.armWall();
  }

  /** Fires when the run must stop (tools and the model stream listen to it). */
  get signal(): AbortSignal {
    return this.run.signal;
  }

  get aborted(): boolean {
    return this.run.signal.aborted;
  }

  get abortReason(): AbortReason | undefined {
    return this.reason;
  }

  /** Wall-clock time of the run that counts against the budget (gate waits excluded), ms. */
  activeMs(): number {
    return this.clock.now() - this.startedAt - this.pausedMs;
  }

  /** Stops the run as cancelled (kill switch; a kill recorded by another process). */
  cancel(): void {
    this.reason ??= 'cancelled';
    this.run.abort();
  }

  /** Stops the wall clock (a gate started waiting for a person). */
  pauseWall(): void {
    clearTimeout(this.wallTimer);
  }

  /** Restarts the wall clock after a wait of `waitedMs` that does not count against the budget. */
  resumeWall(waitedMs: number): void {
    this.pausedMs += waitedMs;
    if (!this.aborted) this.armWall();
  }

  /** The ending of a run whose signal fired: the wall-clock budget, else a cancellation. */
  abortEnding(): SessionEnding {
    if (this.reason === 'wall_clock') {
      const observed = this.activeMs();
      return {
        kind: 'budget_exceeded',
        budget: 'wall_clock',
        limit: this.budget.maxWallClockMs,
        observed: Math.max(observed, this.budget.maxWallClockMs),
      };
    }
    return { kind: 'cancelled', reason: 'The session was cancelled (kill switch).' };
  }

  /** Clears the timer, detaches from the external signal and aborts whatever still runs. */
  dispose(): void {
    clearTimeout(this.wallTimer);
    this.external?.removeEventListener('abort', this.onExternalAbort);
    this.run.abort(); // stop anything still running (bash children of an unfinished call)
  }

  private armWall(): void {
    clearTimeout(this.wallTimer);
    this.wallTimer = setTimeout(
      () => {
        this.reason ??= 'wall_clock';
        this.run.abort();
      },
      Math.max(0, this.budget.maxWallClockMs - this.activeMs()),
    );
  }
}
