/**
 * The trigger store's record types: a poller's or schedule's persisted state, the audit events, and what
 * admitting a candidate takes and answers. Types and constants only; the SQL lives in the stage modules.
 */
import type { EnqueueInput } from '@worktrain/queue';
import type { PollCursor } from '../provider.js';

/** Persisted state of one trigger's poller or schedule. Times are ms epoch. */
export interface PollState extends PollCursor {
  readonly lastRunAt: number | null;
  readonly lastOkAt: number | null;
  readonly lastError: string | null;
  /** Consecutive failed runs (drives the backoff). */
  readonly failures: number;
  readonly nextRunAt: number | null;
  /** Set when the source answered 401/403; the poller stays off until the config changes. */
  readonly disabledReason: string | null;
  /** Fingerprint of the trigger config in force when it was disabled; a different config re-enables it. */
  readonly disabledConfig: string | null;
  /** The task created by the last run (schedules use it for overlap detection). */
  readonly lastTaskId: string | null;
}

export const EMPTY_POLL_STATE: PollState = {
  cursor: null,
  etags: {},
  lastRunAt: null,
  lastOkAt: null,
  lastError: null,
  failures: 0,
  nextRunAt: null,
  disabledReason: null,
  disabledConfig: null,
  lastTaskId: null,
};

/** Kinds of recorded trigger events (the audit trail of what each trigger did and why). */
export type TriggerEventKind =
  | 'enqueued'
  | 'duplicate'
  | 'rejected'
  | 'skipped'
  | 'error'
  | 'poll_error'
  | 'disabled'
  | 'reloaded';

export interface TriggerEventRecord {
  readonly seq: number;
  readonly triggerId: string;
  readonly at: number;
  readonly kind: TriggerEventKind;
  readonly sourceId: string | null;
  readonly taskId: string | null;
  readonly message: string;
}

export interface AdmitInput {
  readonly triggerId: string;
  readonly sourceId: string;
  /** Webhook delivery id; a second admit with the same (trigger, delivery id) is a replay. */
  readonly deliveryId: string | null;
  /** `<workflowId>:<sourceId>` (`pipeline:<kind>:<sourceId>` for a pipeline trigger): the same item for the same workflow makes one task. */
  readonly dedupeKey: string;
  /** A key seen less than this many ms ago is a duplicate even when its task has finished. */
  readonly dedupeWindowMs: number;
  readonly enqueue: EnqueueInput;
  /** State written in the same transaction (schedules: the tick just fired). */
  readonly pollState?: PollState;
}

export type AdmitOutcome =
  | { readonly status: 'enqueued'; readonly taskId: string }
  | { readonly status: 'duplicate'; readonly taskId: string | null; readonly reason: string };
