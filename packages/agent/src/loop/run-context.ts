/**
 * What every stage of one agent run shares: the caller's options, the clock and budget in force, the run's
 * cancellation and wall clock, the event recorder and the action gate as the run asks it. Built once by
 * `runSession` ({@link createRunContext}); stages never build their own.
 */
import type { Clock } from '@worktrain/contracts';
import { systemClock } from '@worktrain/contracts';
import type { RunSessionOptions } from '../session-types.js';
import type { ActionGateDecision, ActionGateRequest } from './action-gate.js';
import { askActionGate } from './ask-gate.js';
import { type Budget, DEFAULT_BUDGET } from './budget.js';
import { eventRecorder, type RecordEvents, RunControl } from './run-control.js';

export interface RunContext {
  readonly options: RunSessionOptions;
  readonly clock: Clock;
  /** The options' budget over {@link DEFAULT_BUDGET}. */
  readonly budget: Budget;
  readonly control: RunControl;
  /** Appends to the session log; throws `Stop` (STORE_ERROR) when the store fails. */
  readonly record: RecordEvents;
  /** tool_use ids whose gate wait was cut by a stop: their completion is not recorded (asked again on resume). */
  readonly abandoned: Set<string>;
  /** Asks the options' action gate (see `askActionGate`); allows everything when there is none. */
  readonly askGate: (request: ActionGateRequest) => Promise<ActionGateDecision>;
}

/** The context of a run starting now (its wall clock starts here; dispose `control` when it ends). */
export function createRunContext(options: RunSessionOptions): RunContext {
  const clock = options.clock ?? systemClock;
  const budget: Budget = { ...DEFAULT_BUDGET, ...options.budget };
  const control = new RunControl(clock, budget, options.signal);
  const record = eventRecorder(options.store, options.sessionId);
  const abandoned = new Set<string>();
  const gateContext = {
    gate: options.actionGate,
    sessionId: options.sessionId,
    store: options.store,
    clock,
    control,
    record,
    abandoned,
  };
  return {
    options,
    clock,
    budget,
    control,
    record,
    abandoned,
    askGate: (request) => askActionGate(gateContext, request),
  };
}
