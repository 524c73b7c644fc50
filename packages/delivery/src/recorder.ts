import {
  errAsync,
  type JsonObject,
  okAsync,
  ResultAsync as RA,
  type ResultAsync,
  type SessionEvent,
} from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import { type DeliveryError, deliveryError } from './errors.js';

/** Delivery stages in order; each records `delivery_attempted` then `delivery_recorded`. */
export const DELIVERY_STAGES = [
  'handoff',
  'validate',
  'commit',
  'push',
  'pull_request',
  'issue_comment',
  'delivery',
] as const;
/**
 * A stage name: the {@link DELIVERY_STAGES} of every delivery, plus `checks` (only when checks are
 * configured, between validate and commit), `dry_run` (the plan of a dry run) and `rollback`.
 */
export type DeliveryStage = (typeof DELIVERY_STAGES)[number] | 'checks' | 'dry_run' | 'rollback';

/** What a finished stage recorded (the `delivery_recorded` data). */
export interface StageRecord {
  readonly outcome: 'succeeded' | 'failed' | 'skipped' | 'awaiting_approval';
  readonly url?: string;
  readonly commitSha?: string;
  readonly details: JsonObject;
}

/** Idempotency key of one stage event: `delivery:<deliveryId>:<stage>:<attempt>:<attempted|recorded>`. */
export function stageKey(
  deliveryId: string,
  stage: DeliveryStage,
  attempt: number,
  what: 'attempted' | 'recorded',
): string {
  return `delivery:${deliveryId}:${stage}:${attempt}:${what}`;
}

/**
 * Writes delivery events to a session's log with idempotency keys, so a retried delivery never records a
 * stage twice: attempt N of a stage is `1 + the number of recorded outcomes of that stage`; its attempted and
 * recorded events carry keys with N, so replaying after a crash between the two is a no-op for the first and
 * completes the second. Appends re-read the log's last seq and retry on SEQ_CONFLICT (other writers).
 */
export interface StageRecorder {
  /** The last recorded outcome of a stage in this delivery, if any. */
  lastRecord(stage: DeliveryStage): ResultAsync<StageRecord | undefined, DeliveryError>;
  attempted(stage: DeliveryStage): ResultAsync<number, DeliveryError>;
  recorded(stage: DeliveryStage, attempt: number, record: StageRecord): ResultAsync<void, DeliveryError>;
  /** All events of the session (fresh read). */
  events(): ResultAsync<readonly SessionEvent[], DeliveryError>;
}

export function createStageRecorder(
  store: SessionStore,
  sessionId: string,
  deliveryId: string,
  target: string,
): StageRecorder {
  const storeError = (e: { code: string; message: string }) =>
    deliveryError('STORE_FAILED', `Session log: ${e.message}`, { cause: e.code });
  const events = () => store.readEvents(sessionId).mapErr(storeError);
  const prefix = (stage: DeliveryStage) => `delivery:${deliveryId}:${stage}:`;
  const recordsOf = (all: readonly SessionEvent[], stage: DeliveryStage) =>
    all.filter(
      (e): e is SessionEvent & { kind: 'delivery_recorded' } =>
        e.kind === 'delivery_recorded' && (e.idempotencyKey?.startsWith(prefix(stage)) ?? false),
    );

  const append = (
    key: string,
    event: Parameters<SessionStore['append']>[0]['events'][number],
    tries = 5,
  ): ResultAsync<void, DeliveryError> =>
    events().andThen((all) => {
      const last = all.at(-1)?.seq ?? 0;
      return RA.fromSafePromise(
        store.append({ sessionId, expectedSeq: last, idempotencyKey: key, events: [event] }),
      ).andThen((result) => {
        if (result.isOk()) return okAsync(undefined);
        if (result.error.code === 'SEQ_CONFLICT' && tries > 1) return append(key, event, tries - 1);
        return errAsync(storeError(result.error));
      });
    });

  return {
    events,
    lastRecord: (stage) =>
      events().map((all) => {
        const last = recordsOf(all, stage).at(-1);
        if (last === undefined) return undefined;
        return {
          outcome: last.data.outcome,
          details: last.data.details ?? {},
          ...(last.data.url === undefined ? {} : { url: last.data.url }),
          ...(last.data.commitSha === undefined ? {} : { commitSha: last.data.commitSha }),
        };
      }),
    attempted: (stage) =>
      events().andThen((all) => {
        const attempt = recordsOf(all, stage).length + 1;
        return append(stageKey(deliveryId, stage, attempt, 'attempted'), {
          kind: 'delivery_attempted',
          data: { stage, target, attempt },
        }).map(() => attempt);
      }),
    recorded: (stage, attempt, record) =>
      append(stageKey(deliveryId, stage, attempt, 'recorded'), {
        kind: 'delivery_recorded',
        data: {
          stage,
          outcome: record.outcome,
          details: { deliveryId, ...record.details },
          ...(record.url === undefined ? {} : { url: record.url }),
          ...(record.commitSha === undefined ? {} : { commitSha: record.commitSha }),
        },
      }),
  };
}
