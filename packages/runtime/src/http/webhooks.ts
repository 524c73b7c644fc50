import type { TriggerErrorCode } from '@worktrain/triggers';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Operations } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { errorBody } from './app.js';

const STATUS: Partial<Record<TriggerErrorCode, ContentfulStatusCode>> = {
  TRIGGER_NOT_FOUND: 404,
  NOT_SUPPORTED: 404,
  SIGNATURE_INVALID: 401,
  PAYLOAD_TOO_LARGE: 413,
  PAYLOAD_INVALID: 400,
  DUPLICATE_DELIVERY: 200,
  TEMPLATE_FIELD_MISSING: 422,
  STORE_IO: 503,
};

/**
 * `POST /webhooks/:triggerId`: hands the raw body and lower-cased headers to the trigger router, which
 * checks (in order) the trigger, the body size, the signature (`X-Hub-Signature-256` for github), the JSON
 * and the dispatch rules, then enqueues. 404 unknown trigger, 413 too large, 401 bad or missing signature,
 * 400 not JSON; 202 when a task was enqueued, 200 for a duplicate or an event the trigger ignores; 503 when
 * the database failed (nothing acknowledged, the sender retries).
 * The admit joins the trigger store's group commit (`receiveWebhookAsync`): concurrent webhooks share one
 * fsync'd transaction, and the answer is sent only once that transaction is durable (DESIGN §3). Workers are
 * woken after the commit (the router's `onEnqueued`), never for a batch that rolled back.
 */
export async function handleWebhook(
  c: Context,
  parts: Pick<RuntimeParts, 'router' | 'clock' | 'events'>,
  ops: Pick<Operations, 'webhooks'>,
): Promise<Response> {
  const triggerId = c.req.param('triggerId') ?? '';
  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  // Whether the id names a trigger, decided with the definitions the call starts with (hot reload may swap
  // them while the group commit runs).
  const known = parts.router.trigger(triggerId).isOk();
  const outcome = await parts.router.receiveWebhookAsync(triggerId, {
    headers,
    rawBody,
    receivedAt: parts.clock.now(),
  });
  if (outcome.isErr()) {
    const status = STATUS[outcome.error.code] ?? 400;
    ops.webhooks.count(known ? triggerId : '(unknown)', status);
    return c.json(errorBody(outcome.error.code, outcome.error.message, outcome.error.details ?? {}), status);
  }
  const o = outcome.value;
  const status = o.status === 'enqueued' ? 202 : 200;
  ops.webhooks.count(triggerId, status);
  parts.events.emit({
    type: 'webhook_received',
    ...(o.taskId !== null ? { taskId: o.taskId } : {}),
    data: { triggerId, event: o.event, status: o.status },
  });
  if (o.status === 'enqueued' && o.taskId !== null)
    parts.events.emit({ type: 'task_enqueued', taskId: o.taskId, data: { triggerId } });
  return c.json({ status: o.status, taskId: o.taskId, event: o.event, reason: o.reason }, status);
}
