import { createJiraConfig, err, jiraAuth, jiraClientOptions, ok, type Result } from '@worktrain/contracts';
import { Version3Client } from 'jira.js';
import * as z from 'zod';
import type { CandidateDraft } from '../candidate.js';
import { type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';
import { defineTriggerProvider, type ParsedEvent, type PollOutcome } from '../provider.js';
import { header, jsonBody, labelNames, pick, str, verifyHexHmac } from './shared.js';
import { upstreamError } from './upstream.js';

/** Timeout of one Jira request (ms). */
const JIRA_TIMEOUT_MS = 30_000;
/** Pages of `maxResults` issues read per poll. */
const JIRA_MAX_PAGES = 5;
/** Fields a poll asks for: what {@link jiraIssueDraft} and dispatch conditions use. */
const JIRA_FIELDS = [
  'summary',
  'description',
  'labels',
  'status',
  'assignee',
  'reporter',
  'creator',
  'issuetype',
  'project',
  'updated',
] as const;

const OneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * `provider: jira` keys: `baseUrl` (site, e.g. https://acme.atlassian.net), `email` + `token` (Cloud API
 * token, basic auth) or `token` alone (Data Center personal access token, bearer), `jql` or structured
 * filters `project` / `status` / `assignee` (combined with AND), `poll.intervalSeconds`, and
 * `webhook.secret` (Cloud admin webhooks sign with `X-Hub-Signature: sha256=<hex>`).
 */
export const JiraConfigSchema = z
  .strictObject({
    baseUrl: z.url().optional(),
    email: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
    jql: z.string().min(1).optional(),
    project: z.string().min(1).optional(),
    status: OneOrMany.optional(),
    assignee: z.string().min(1).optional(),
    maxResults: z.number().int().min(1).max(100).default(50),
    poll: z.strictObject({ intervalSeconds: z.number().int().min(10).default(300) }).optional(),
    webhook: z.strictObject({ secret: z.string().min(8, 'secret must be at least 8 characters') }).optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.poll) return;
    if (!c.baseUrl) ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: 'polling needs baseUrl' });
    if (!c.token)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'polling needs a token (use $JIRA_API_TOKEN)',
      });
    if (!c.jql && !c.project && !c.status && !c.assignee)
      ctx.addIssue({
        code: 'custom',
        path: ['jql'],
        message: 'polling needs jql or at least one of project, status, assignee',
      });
  });
export type JiraConfig = z.infer<typeof JiraConfigSchema>;

/** Quotes a JQL value ("…" with backslash escapes); `currentUser()` and other functions pass through. */
function jqlValue(v: string): string {
  return /^[A-Za-z]+\(\)$/.test(v) ? v : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The JQL a poll runs: `jql` as written, else the AND of the structured filters, newest first. */
export function buildJql(c: JiraConfig): string {
  if (c.jql) return c.jql;
  const parts: string[] = [];
  if (c.project) parts.push(`project = ${jqlValue(c.project)}`);
  if (c.status) {
    const list = typeof c.status === 'string' ? [c.status] : c.status;
    parts.push(
      list.length === 1
        ? `status = ${jqlValue(list[0] ?? '')}`
        : `status in (${list.map(jqlValue).join(', ')})`,
    );
  }
  if (c.assignee) parts.push(`assignee = ${jqlValue(c.assignee)}`);
  return `${parts.join(' AND ')} ORDER BY updated DESC`;
}

/** Plain text of an Atlassian Document Format node (Cloud v3 descriptions), or the string itself (DC). */
export function adfToText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return '';
  if (value.type === 'text' && typeof value.text === 'string') return value.text;
  if (value.type === 'hardBreak') return '\n';
  const children = Array.isArray(value.content) ? value.content.map(adfToText).join('') : '';
  const block = ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote', 'rule'].includes(
    String(value.type),
  );
  return block ? `${children}\n` : children;
}

/** The event a poll makes of one issue: `jira:issue_polled`, payload shaped like a webhook's (`$.issue`). */
function polledEvent(issue: unknown, site: string | undefined): ParsedEvent {
  const payload = { webhookEvent: 'jira:issue_polled', issue };
  const draft = jiraIssueDraft(issue, site);
  return draft === null
    ? { event: 'jira:issue_polled', payload, draft: null, reason: 'the issue lacks key or fields.summary' }
    : { event: 'jira:issue_polled', payload, draft };
}

/** Draft of a Jira issue (REST or webhook shape): sourceId `jira:<site>/<KEY>`, URL `<site>/browse/<KEY>`. */
export function jiraIssueDraft(issue: unknown, fallbackSite?: string): CandidateDraft | null {
  const key = str(pick(issue, 'key'));
  const summary = str(pick(issue, 'fields', 'summary'));
  if (key === undefined || summary === undefined) return null;
  const self = str(pick(issue, 'self'));
  const site = self?.includes('/rest/')
    ? self.slice(0, self.indexOf('/rest/'))
    : fallbackSite?.replace(/\/+$/, '');
  const siteId = site?.replace(/^https?:\/\//, '') ?? 'jira';
  const fields = pick(issue, 'fields');
  const person = (k: string) => str(pick(fields, k, 'displayName')) ?? str(pick(fields, k, 'name')) ?? null;
  return {
    sourceId: `jira:${siteId}/${key}`,
    title: `${key}: ${summary}`,
    body: adfToText(pick(fields, 'description')).trim(),
    url: site ? `${site}/browse/${key}` : null,
    labels: labelNames(pick(fields, 'labels')),
    author: person('reporter') ?? person('creator'),
    metadata: {
      key,
      status: str(pick(fields, 'status', 'name')) ?? null,
      assignee: person('assignee'),
      issueType: str(pick(fields, 'issuetype', 'name')) ?? null,
      project: str(pick(fields, 'project', 'key')) ?? null,
    },
  };
}

/**
 * Jira: JQL polling through jira.js (`Version3Client.issueSearch.searchForIssuesUsingJqlEnhancedSearch`,
 * Cloud's `GET /rest/api/3/search/jql` with `nextPageToken` paging) and issue webhooks (Cloud admin
 * webhooks signed with `X-Hub-Signature`, Data Center payloads).
 */
export const jiraProvider = defineTriggerProvider<JiraConfig>({
  kind: 'jira',
  configSchema: JiraConfigSchema,
  webhook: {
    verify(req, c) {
      if (!c.webhook)
        return err(
          triggerError('SIGNATURE_INVALID', 'this trigger has no webhook.secret; it accepts no webhooks'),
        );
      return verifyHexHmac(req, c.webhook.secret, 'x-hub-signature', 'sha256=');
    },
    deliveryId: (req) => header(req, 'x-atlassian-webhook-identifier') ?? null,
    parse(req, c) {
      const body = jsonBody(req);
      if (body.isErr()) return err(body.error);
      const payload = body.value;
      const name = str(payload.webhookEvent) ?? 'jira:unknown';
      const type = str(payload.issue_event_type_name);
      const event = type ? `${name}.${type}` : name;
      if (payload.issue === undefined)
        return ok({
          event,
          payload,
          draft: null,
          reason: `${name} carries no issue (only issue events are a task source)`,
        });
      if (name === 'jira:issue_deleted')
        return ok({ event, payload, draft: null, reason: 'the issue was deleted' });
      const draft = jiraIssueDraft(payload.issue, c.baseUrl);
      return ok(
        draft
          ? { event, payload, draft }
          : { event, payload, draft: null, reason: `${name} payload lacks issue.key or fields.summary` },
      );
    },
  },
  poll: {
    intervalMs: (c) => (c.poll?.intervalSeconds ?? 300) * 1000,
    enabled: (c) => c.poll !== undefined,
    parseItem: (item, c) =>
      isRecord(item)
        ? ok(polledEvent(item, c.baseUrl))
        : err(triggerError('PAYLOAD_INVALID', 'a polled Jira item is an issue object (REST v3 search/jql)')),
    async poll(ctx): Promise<Result<PollOutcome, TriggerError>> {
      const c = ctx.config;
      // Cloud API token: basic auth with the account's email; a token alone is a bearer token (DC PAT, OAuth).
      const options = jiraClientOptions(
        createJiraConfig({
          baseUrl: c.baseUrl ?? '',
          auth: jiraAuth(c.email, c.token ?? ''),
          timeoutMs: JIRA_TIMEOUT_MS,
        }),
      );
      const client = new Version3Client({
        ...options,
        baseRequestConfig: { ...options.baseRequestConfig, signal: ctx.signal },
      });
      const items: ParsedEvent[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < JIRA_MAX_PAGES; page++) {
        let body: unknown;
        try {
          body = await client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
            jql: buildJql(c),
            fields: [...JIRA_FIELDS],
            maxResults: c.maxResults,
            ...(pageToken ? { nextPageToken: pageToken } : {}),
          });
        } catch (thrown) {
          return err(upstreamError(thrown, 'Jira search/jql', ctx.now));
        }
        const issues = pick(body, 'issues');
        if (!Array.isArray(issues))
          return err(triggerError('UPSTREAM_INVALID', 'Jira search/jql answered no issues list'));
        for (const issue of issues) {
          const event = polledEvent(issue, options.host);
          if (event.draft !== null) items.push(event);
        }
        pageToken = str(pick(body, 'nextPageToken'));
        if (pick(body, 'isLast') !== false || !pageToken) break;
      }
      return ok({ items, state: { cursor: { lastPolledAt: new Date(ctx.now).toISOString() }, etags: {} } });
    },
  },
});
