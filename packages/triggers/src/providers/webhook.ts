import { createHash } from 'node:crypto';
import { err, ok } from '@worktrain/contracts';
import * as z from 'zod';
import { triggerError } from '../errors.js';
import { compilePath, queryPath } from '../jsonpath.js';
import { defineTriggerProvider } from '../provider.js';
import { header, jsonBody, verifyHexHmac } from './shared.js';

const Path = z.string().superRefine((v, ctx) => {
  const c = compilePath(v);
  if (c.isErr()) ctx.addIssue({ code: 'custom', message: c.error });
});

/**
 * `provider: webhook` keys. `webhook.secret` signs the raw body with HMAC-SHA256, sent hex-encoded with
 * `signaturePrefix` (default `sha256=`) in `signatureHeader` (default `x-signature-256`); `deliveryHeader`
 * (default `x-delivery-id`) names the replay-detection id. `eventHeader` or `eventPath` names the event;
 * `sourceIdPath` / `titlePath` / `bodyPath` / `urlPath` pick the item (sourceId defaults to the body's
 * sha256, title to the event). `contextMapping` (common key) copies more fields into metadata.
 */
export const GenericWebhookConfigSchema = z.strictObject({
  webhook: z.strictObject({
    secret: z.string().min(8, 'secret must be at least 8 characters'),
    signatureHeader: z.string().min(1).default('x-signature-256'),
    signaturePrefix: z.string().default('sha256='),
    deliveryHeader: z.string().min(1).default('x-delivery-id'),
  }),
  eventHeader: z.string().min(1).optional(),
  eventPath: Path.optional(),
  sourceIdPath: Path.optional(),
  titlePath: Path.optional(),
  bodyPath: Path.optional(),
  urlPath: Path.optional(),
});
export type GenericWebhookConfig = z.infer<typeof GenericWebhookConfigSchema>;

function first(path: string | undefined, payload: unknown): string | undefined {
  if (path === undefined) return undefined;
  const c = compilePath(path);
  if (c.isErr()) return undefined;
  const v = queryPath(c.value, payload)[0];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Generic HMAC-SHA256 webhooks from any system that can sign a POST. */
export const genericWebhookProvider = defineTriggerProvider<GenericWebhookConfig>({
  kind: 'webhook',
  configSchema: GenericWebhookConfigSchema,
  webhook: {
    verify: (req, c) =>
      verifyHexHmac(
        req,
        c.webhook.secret,
        c.webhook.signatureHeader.toLowerCase(),
        c.webhook.signaturePrefix,
      ),
    eventHeaders: (event, c): Record<string, string> =>
      c.eventHeader ? { [c.eventHeader.toLowerCase()]: event } : {},
    deliveryId: (req, c) => header(req, c.webhook.deliveryHeader.toLowerCase()) ?? null,
    parse(req, c) {
      const body = jsonBody(req);
      if (body.isErr()) return err(body.error);
      const payload = body.value;
      const event =
        (c.eventHeader ? header(req, c.eventHeader.toLowerCase()) : undefined) ??
        first(c.eventPath, payload) ??
        'webhook';
      const id = first(c.sourceIdPath, payload);
      if (c.sourceIdPath !== undefined && id === undefined)
        return ok({
          event,
          payload,
          draft: null,
          reason: `sourceIdPath ${c.sourceIdPath} selects nothing in the payload`,
        });
      const sourceId = `webhook:${id ?? createHash('sha256').update(req.rawBody).digest('hex')}`;
      if (sourceId.length > 512)
        return err(triggerError('PAYLOAD_INVALID', 'source id longer than 512 characters'));
      return ok({
        event,
        payload,
        draft: {
          sourceId,
          title: first(c.titlePath, payload) ?? event,
          body: first(c.bodyPath, payload) ?? '',
          url: first(c.urlPath, payload) ?? null,
        },
      });
    },
  },
});
