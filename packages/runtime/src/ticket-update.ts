/**
 * The Jira return path's calls as recorded delivery stages: one call per session and change-request event
 * (`opened`, `merged`), with `delivery_attempted`/`delivery_recorded` in the session's log, so a retry or a
 * restart never moves, links or comments twice.
 */
import {
  errAsync,
  type JsonObject,
  makeError,
  okAsync,
  ResultAsync,
  type WorkTrainError,
} from '@worktrain/contracts';
import type { DeliveryError, JiraReturnPath, TicketUpdate } from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';
import type { DeliverRequest } from './delivery.js';
import { appendAtHead, readAll } from './session-log.js';

/** The delivery stage a ticket update is recorded as, per change-request event. */
export const TICKET_STAGE = { opened: 'ticket_update', merged: 'ticket_merged' } as const;

/**
 * Runs one Jira return-path call once per session and event (`opened`: stage `ticket_update`, `merged`:
 * stage `ticket_merged`), recording `delivery_attempted`/`delivery_recorded` in the session's log.
 */
export function updateTicket(
  store: SessionStore,
  jira: JiraReturnPath | null,
  request: Pick<DeliverRequest, 'sessionId'>,
  issueKey: string,
  changeRequest: {
    readonly target: string;
    readonly number: number;
    readonly url: string;
    readonly title?: string;
  },
  event: 'opened' | 'merged' = 'opened',
): ResultAsync<TicketUpdate | null, WorkTrainError<string>> {
  const sessionId = request.sessionId;
  const stage = TICKET_STAGE[event];
  const append = (events: Parameters<typeof appendAtHead>[2]) =>
    ResultAsync.fromSafePromise(appendAtHead(store, sessionId, events)).andThen((r) =>
      r.isOk()
        ? okAsync(undefined)
        : errAsync(makeError('STORE_FAILED', `Cannot record the ticket update: ${r.error.message}`)),
    );
  return ResultAsync.fromSafePromise(readAll(store, sessionId)).andThen((all) => {
    const events = all.isOk() ? all.value : [];
    const ticketEvents = events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === stage);
    if (ticketEvents.some((e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded'))
      return okAsync(null);
    const attempt = ticketEvents.length + 1;
    const target = `jira:${issueKey}`;
    if (jira === null)
      return append([
        { kind: 'delivery_attempted', data: { stage, target, attempt } },
        {
          kind: 'delivery_recorded',
          data: {
            stage,
            outcome: 'skipped',
            details: { issueKey, reason: 'config.yaml has no jira section' },
          },
        },
      ]).map(() => null);
    const summary = ResultAsync.fromSafePromise(store.getSummary(sessionId)).map((s) =>
      s.isOk() ? (s.value.title ?? s.value.goal ?? null) : null,
    );
    return append([{ kind: 'delivery_attempted', data: { stage, target, attempt } }])
      .andThen(() => summary)
      .andThen((title) => {
        const input = {
          issueKey,
          sessionId,
          changeRequest: {
            ...changeRequest,
            title: changeRequest.title ?? title ?? `Change request ${changeRequest.number}`,
          },
        };
        return (
          event === 'opened' ? jira.onChangeRequestOpened(input) : jira.onChangeRequestMerged(input)
        ).orElse((e: DeliveryError) =>
          append([
            {
              kind: 'delivery_recorded',
              data: {
                stage,
                outcome: 'failed',
                details: toJson({ code: e.code, message: e.message, ...(e.details ?? {}) }),
              },
            },
          ]).andThen(() => errAsync<TicketUpdate, WorkTrainError<string>>(e)),
        );
      })
      .andThen((update) =>
        append([
          {
            kind: 'delivery_recorded',
            data: {
              stage,
              outcome: 'succeeded',
              url: changeRequest.url,
              details: toJson({ ...update }),
            },
          },
        ]).map(() => update),
      );
  });
}

function toJson(value: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
