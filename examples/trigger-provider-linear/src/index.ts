/**
 * Example third-party trigger provider: Linear issues, by webhook (`Linear-Signature`: hex HMAC-SHA256 of
 * the raw body, `Linear-Delivery` id) and by polling Linear's GraphQL API for issues of a team in a given
 * workflow state. It uses only the public API of `@worktrain/triggers`, exactly like the built-in providers.
 *
 * triggers.yaml:
 *   - id: linear-ready
 *     provider: "@acme/worktrain-trigger-linear"
 *     workflowId: wr.coding-task
 *     workspace: /src/app
 *     team: ENG
 *     state: Ready
 *     apiKey: $LINEAR_API_KEY
 *     webhook: { secret: $LINEAR_WEBHOOK_SECRET }
 *     poll: { intervalSeconds: 300 }
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  defineTriggerProvider,
  type ParsedEvent,
  triggerError,
  type WebhookRequest,
} from '@worktrain/triggers';
import { err, ok } from 'neverthrow';
import { z } from 'zod';

export const LinearConfigSchema = z.strictObject({
  team: z.string().min(1).optional(),
  state: z.string().min(1).optional(),
  apiUrl: z.url().default('https://api.linear.app/graphql'),
  apiKey: z.string().min(1).optional(),
  webhook: z.strictObject({ secret: z.string().min(8) }).optional(),
  poll: z.strictObject({ intervalSeconds: z.number().int().min(30).default(300) }).optional(),
});
export type LinearConfig = z.infer<typeof LinearConfigSchema>;

const LinearIssueSchema = z.object({
  id: z.string(),
  identifier: z.string(),
  title: z.string(),
  description: z.string().nullish(),
  url: z.string().nullish(),
  labels: z.object({ nodes: z.array(z.object({ name: z.string() })) }).nullish(),
  creator: z.object({ name: z.string() }).nullish(),
  state: z.object({ name: z.string() }).nullish(),
});
type LinearIssue = z.infer<typeof LinearIssueSchema>;

const WebhookSchema = z.object({
  action: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
});

const ISSUES_QUERY = `query Issues($team: String, $state: String) {
  issues(first: 50, filter: { team: { key: { eq: $team } }, state: { name: { eq: $state } } }) {
    nodes { id identifier title description url labels { nodes { name } } creator { name } state { name } }
  }
}`;

function draftOf(issue: LinearIssue) {
  return {
    sourceId: `linear:${issue.identifier}`,
    title: `${issue.identifier}: ${issue.title}`,
    body: issue.description ?? '',
    url: issue.url ?? null,
    labels: issue.labels?.nodes.map((l) => l.name) ?? [],
    author: issue.creator?.name ?? null,
    metadata: { linearId: issue.id, state: issue.state?.name ?? null },
  };
}

function signatureOk(req: WebhookRequest, secret: string): boolean {
  const got = req.headers['linear-signature'] ?? '';
  const expected = createHmac('sha256', secret).update(req.rawBody).digest('hex');
  return got.length === expected.length && timingSafeEqual(Buffer.from(got), Buffer.from(expected));
}

const provider = defineTriggerProvider<LinearConfig>({
  kind: '@acme/worktrain-trigger-linear',
  configSchema: LinearConfigSchema,
  webhook: {
    verify: (req, c) =>
      c.webhook && signatureOk(req, c.webhook.secret)
        ? ok(undefined)
        : err(triggerError('SIGNATURE_INVALID', 'Linear-Signature does not match the payload')),
    deliveryId: (req) => req.headers['linear-delivery'] ?? null,
    parse(req) {
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(req.rawBody).toString('utf8'));
      } catch {
        return err(triggerError('PAYLOAD_INVALID', 'body is not JSON'));
      }
      const hook = WebhookSchema.safeParse(json);
      if (!hook.success)
        return err(triggerError('PAYLOAD_INVALID', 'not a Linear webhook payload (action, type, data)'));
      const event = `${hook.data.type}.${hook.data.action}`;
      if (hook.data.type !== 'Issue')
        return ok({
          event,
          payload: json,
          draft: null,
          reason: `${hook.data.type} events are not a task source`,
        });
      const issue = LinearIssueSchema.safeParse(hook.data.data);
      if (!issue.success)
        return ok({ event, payload: json, draft: null, reason: 'Issue payload lacks id/identifier/title' });
      return ok({ event, payload: json, draft: draftOf(issue.data) });
    },
  },
  poll: {
    intervalMs: (c) => (c.poll?.intervalSeconds ?? 300) * 1000,
    enabled: (c) => c.poll !== undefined,
    // Lets `worktrain trigger test <id> --event Issue.polled --payload issue.json` dry-run a polled issue.
    parseItem(item) {
      const issue = LinearIssueSchema.safeParse(item);
      if (!issue.success)
        return err(triggerError('PAYLOAD_INVALID', 'not a Linear issue (id, identifier, title)'));
      return ok({
        event: 'Issue.polled',
        payload: { type: 'Issue', action: 'polled', data: issue.data },
        draft: draftOf(issue.data),
      });
    },
    async poll(ctx) {
      const c = ctx.config;
      let res: Response;
      try {
        res = await ctx.fetch(c.apiUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: c.apiKey ?? '' },
          body: JSON.stringify({
            query: ISSUES_QUERY,
            variables: { team: c.team ?? null, state: c.state ?? null },
          }),
          signal: ctx.signal,
        });
      } catch (thrown) {
        return err(triggerError('UPSTREAM_UNAVAILABLE', `Linear unreachable: ${String(thrown)}`));
      }
      if (res.status === 401 || res.status === 403)
        return err(triggerError('UPSTREAM_AUTH', `Linear answered ${res.status}: check apiKey`));
      if (res.status >= 500 || res.status === 429)
        return err(triggerError('UPSTREAM_UNAVAILABLE', `Linear answered ${res.status}`));
      const body = z
        .object({ data: z.object({ issues: z.object({ nodes: z.array(LinearIssueSchema) }) }) })
        .safeParse(await res.json().catch(() => null));
      if (!body.success) return err(triggerError('UPSTREAM_INVALID', 'unexpected Linear GraphQL response'));
      const items: ParsedEvent[] = body.data.data.issues.nodes.map((issue) => ({
        event: 'Issue.polled',
        payload: { type: 'Issue', action: 'polled', data: issue },
        draft: draftOf(issue),
      }));
      return ok({ items, state: { cursor: null, etags: {} } });
    },
  },
});

export default provider;
