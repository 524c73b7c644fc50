import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, Result } from '@worktrain/contracts';
import { systemClock } from '@worktrain/contracts';
import type { TriggerError, TriggerErrorCode } from './errors.js';
import type { DispatchOutcome, TriggerRouter } from './router/router.js';

/**
 * The one HTTP status of every trigger error code, used by every webhook responder (this package's
 * {@link createWebhookListener} and the daemon's `POST /webhooks/:triggerId`). The rule: 4xx when the request
 * itself is at fault and resending it unchanged cannot help (401 bad signature, 404 unknown trigger, 413 too
 * large, 400 not JSON, 422 a well-formed payload whose content the trigger cannot use: a `goalTemplate` field
 * it lacks, a trigger that cannot run); 503 when a retry later may succeed (store, upstream); 500/502 for a
 * broken configuration or forge on our side. DUPLICATE_DELIVERY is 200: the sender must stop resending.
 */
export const TRIGGER_ERROR_HTTP_STATUS = {
  CONFIG_YAML: 500,
  CONFIG_INVALID: 500,
  CONFIG_NOT_FOUND: 500,
  UNKNOWN_PROVIDER: 500,
  PROVIDER_LOAD_FAILED: 500,
  CRON_INVALID: 500,
  TRIGGER_NOT_FOUND: 404,
  NOT_SUPPORTED: 404,
  SIGNATURE_INVALID: 401,
  PAYLOAD_TOO_LARGE: 413,
  PAYLOAD_INVALID: 400,
  DUPLICATE_DELIVERY: 200,
  TEMPLATE_FIELD_MISSING: 422,
  TRIGGER_NOT_RUNNABLE: 422,
  UPSTREAM_AUTH: 502,
  UPSTREAM_INVALID: 502,
  UPSTREAM_UNAVAILABLE: 503,
  STORE_IO: 503,
} as const satisfies Record<TriggerErrorCode, number>;

/**
 * HTTP status for a webhook outcome: enqueued 202; duplicate or ignored 200 (senders must not retry); an
 * error by {@link TRIGGER_ERROR_HTTP_STATUS}.
 */
export function webhookHttpStatus(result: Result<DispatchOutcome, TriggerError>): number {
  if (result.isOk()) return result.value.status === 'enqueued' ? 202 : 200;
  return TRIGGER_ERROR_HTTP_STATUS[result.error.code];
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
