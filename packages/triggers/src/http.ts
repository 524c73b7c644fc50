import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Result } from '@worktrain/contracts';
import { systemClock } from '@worktrain/contracts';
import type { TriggerError } from './errors.js';
import type { DispatchOutcome, TriggerRouter } from './router/router.js';

/**
 * HTTP status for a webhook outcome: enqueued 202; duplicate or ignored 200 (senders must not retry);
 * SIGNATURE_INVALID 401; TRIGGER_NOT_FOUND / NOT_SUPPORTED 404; PAYLOAD_TOO_LARGE 413; PAYLOAD_INVALID
 * 400; STORE_IO and anything else 503 (the sender retries later; nothing was acknowledged).
 */
export function webhookHttpStatus(result: Result<DispatchOutcome, TriggerError>): number {
  if (result.isOk()) return result.value.status === 'enqueued' ? 202 : 200;
  switch (result.error.code) {
    case 'SIGNATURE_INVALID':
      return 401;
    case 'TRIGGER_NOT_FOUND':
    case 'NOT_SUPPORTED':
      return 404;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'PAYLOAD_INVALID':
      return 400;
    case 'TRIGGER_NOT_RUNNABLE':
      return 422;
    default:
      return 503;
  }
}

export interface WebhookListenerOptions {
  readonly router: TriggerRouter;
  /** Hard cap on any body read, bytes (per-trigger limits apply after). Default 25 MiB. */
  readonly maxBodyBytes?: number;
  readonly clock?: Clock;
}

/**
 * A Node `http` request listener for `POST /webhooks/:triggerId` (DESIGN §10), for embedders without a
 * framework (the daemon mounts the same router on hono). Reads the raw body up to the cap (413 beyond,
 * without buffering the rest), dispatches with group commit, and answers JSON
 * `{status, taskId, reason}` or `{code, message}` with {@link webhookHttpStatus}. Never echoes secrets.
 */
export function createWebhookListener(
  options: WebhookListenerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const cap = options.maxBodyBytes ?? 25 * 1024 * 1024;
  const clock = options.clock ?? systemClock;
  return (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const m = /^\/webhooks\/([^/?]+)$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (req.method !== 'POST' || !m)
      return send(404, { code: 'NOT_FOUND', message: 'POST /webhooks/:triggerId' });
    const triggerId = decodeURIComponent(m[1] ?? '');
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        tooLarge = true;
        req.pause();
        send(413, { code: 'PAYLOAD_TOO_LARGE', message: `body exceeds ${cap} bytes` });
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? (v[0] ?? '') : v;
      void options.router
        .receiveWebhookAsync(triggerId, { headers, rawBody: Buffer.concat(chunks), receivedAt: clock.now() })
        .then((result) =>
          send(
            webhookHttpStatus(result),
            result.isOk()
              ? { status: result.value.status, taskId: result.value.taskId, reason: result.value.reason }
              : { code: result.error.code, message: result.error.message },
          ),
        );
    });
  };
}
