import { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { TRIGGER_ERROR_HTTP_STATUS } from '@worktrain/triggers';
import type { Context } from 'hono';
import type { Operations } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { errorBody } from './app.js';

/**
 * The most a webhook body may be before the route stops reading it (25 MiB, GitHub's maximum payload); each
 * trigger's own, usually smaller, limit applies inside the router.
 */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

const TOO_LARGE = Symbol('too large');

/** The request as the router takes it: lower-cased headers and the raw body bytes. */
interface RawWebhook {
  readonly headers: Record<string, string>;
  readonly rawBody: Uint8Array;
}

/**
 * Reads a webhook straight from Node's request (the path the daemon serves): no web `Request`, stream and
 * abort signal are built for it, which at 1 000 webhooks/s cost more CPU than the router's own work.
 * Stops reading past {@link MAX_WEBHOOK_BODY_BYTES} (or a larger Content-Length) and answers 413.
 */
async function readIncoming(incoming: IncomingMessage): Promise<RawWebhook | typeof TOO_LARGE> {
  const declared = Number(incoming.headers['content-length'] ?? Number.NaN);
  if (declared > MAX_WEBHOOK_BODY_BYTES) {
    incoming.resume();
    return TOO_LARGE;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // destroyOnReturn: false keeps the socket open when reading stops early, so the 413 can still be sent.
  for await (const chunk of incoming.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_WEBHOOK_BODY_BYTES) {
      incoming.resume(); // discard the rest
      return TOO_LARGE;
    }
    chunks.push(chunk);
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(incoming.headers)) {
    // Node lower-cases names and joins repeated ones with ', ' (as fetch's Headers does); set-cookie stays
    // an array there, joined the same way here.
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  return { headers, rawBody: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) };
}

/** The same from a web `Request` (the app served by `app.fetch`/`app.request` without Node's server). */
async function readWebRequest(request: Request): Promise<RawWebhook | typeof TOO_LARGE> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > MAX_WEBHOOK_BODY_BYTES) return TOO_LARGE;
  const rawBody = new Uint8Array(await request.arrayBuffer());
  if (rawBody.byteLength > MAX_WEBHOOK_BODY_BYTES) return TOO_LARGE;
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  return { headers, rawBody };
}

/**
 * `POST /webhooks/:triggerId`: hands the raw body and lower-cased headers to the trigger router, which
 * checks (in order) the trigger, the body size, the signature (`X-Hub-Signature-256` for github), the JSON
 * and the dispatch rules, then enqueues. 404 unknown trigger, 413 too large, 401 bad or missing signature,
 * 400 not JSON; 422 when the trigger cannot run (its workflow does not load or its workspace is not a
 * usable repository: `details.issues` says why; nothing is enqueued); 202 when a task was enqueued, 200 for
 * a duplicate or an event the trigger ignores; 503 when the database failed (nothing acknowledged, the
 * sender retries).
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
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  const read =
    incoming instanceof IncomingMessage ? await readIncoming(incoming) : await readWebRequest(c.req.raw);
  if (read === TOO_LARGE) {
    ops.webhooks.count(parts.router.trigger(triggerId).isOk() ? triggerId : '(unknown)', 413);
    return c.json(
      errorBody('PAYLOAD_TOO_LARGE', `body over ${MAX_WEBHOOK_BODY_BYTES} bytes`, {
        limit: MAX_WEBHOOK_BODY_BYTES,
      }),
      413,
    );
  }
  const { headers, rawBody } = read;
  // Whether the id names a trigger, decided with the definitions the call starts with (hot reload may swap
  // them while the group commit runs).
  const known = parts.router.trigger(triggerId).isOk();
  const outcome = await parts.router.receiveWebhookAsync(triggerId, {
    headers,
    rawBody,
    receivedAt: parts.clock.now(),
  });
  if (outcome.isErr()) {
    // One table for every webhook responder (the triggers package's own listener uses it too).
    const status = TRIGGER_ERROR_HTTP_STATUS[outcome.error.code];
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
