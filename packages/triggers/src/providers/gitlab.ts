import { createHmac } from 'node:crypto';
import { Gitlab } from '@gitbeaker/rest';
import { createGitLabConfig, err, gitlabClientOptions, ok, type Result } from '@worktrain/contracts';
import * as z from 'zod';
import type { CandidateDraft } from '../candidate.js';
import { type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';
import {
  defineTriggerProvider,
  type ParsedEvent,
  type PollOutcome,
  type WebhookRequest,
} from '../provider.js';
import { header, jsonBody, labelNames, num, pick, safeEqual, str } from './shared.js';
import { abortable, upstreamError } from './upstream.js';

/** Timeout of one GitLab request (ms). */
const GITLAB_QUERY_TIMEOUT_MS = 30_000;
/** Pages of 100 read per list and poll (the newest updates come first). */
const GITLAB_MAX_PAGES = 5;

/**
 * The poll cursor: per list (`issues`, `merge_requests`) the newest `updated_at` seen, sent back as
 * `updated_after` (GitLab includes items updated at exactly that time; they dedupe). gitbeaker sends no
 * conditional requests, so this cursor is what keeps a poll of an unchanged project small.
 */
function sinceOf(cursor: unknown): Record<string, string> {
  const since = isRecord(cursor) ? cursor.since : undefined;
  if (!isRecord(since)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(since)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Standard Webhooks timestamp tolerance (seconds), as the specification recommends. */
const STANDARD_WEBHOOKS_TOLERANCE_S = 5 * 60;

/**
 * `provider: gitlab` keys: `project` (path with namespace, e.g. `group/app`; events of other projects
 * are ignored), `baseUrl` (self-managed instances, default https://gitlab.com), `webhook.token` (compared
 * with `X-Gitlab-Token`) and/or `webhook.signingToken` (`whsec_…`, the signed Standard Webhooks variant:
 * `webhook-id`, `webhook-timestamp`, `webhook-signature`), `token` and `poll` (`issues` / `mergeRequests`
 * by labels and assignee username, `intervalSeconds`).
 */
export const GitLabConfigSchema = z
  .strictObject({
    project: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'project must be a path like "group/app"')
      .optional(),
    baseUrl: z.url().default('https://gitlab.com'),
    webhook: z
      .strictObject({
        token: z.string().min(8, 'token must be at least 8 characters').optional(),
        signingToken: z
          .string()
          .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'signingToken must look like whsec_<base64>')
          .optional(),
      })
      .refine((w) => w.token !== undefined || w.signingToken !== undefined, {
        message: 'webhook needs token or signingToken',
      })
      .optional(),
    token: z.string().min(1).optional(),
    poll: z
      .strictObject({
        intervalSeconds: z.number().int().min(10).default(300),
        issues: z
          .strictObject({
            labels: z.array(z.string().min(1)).optional(),
            assignee: z.string().min(1).optional(),
          })
          .optional(),
        mergeRequests: z
          .strictObject({
            labels: z.array(z.string().min(1)).optional(),
            assignee: z.string().min(1).optional(),
            reviewer: z.string().min(1).optional(),
          })
          .optional(),
      })
      .refine((p) => p.issues || p.mergeRequests, { message: 'poll needs issues or mergeRequests' })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.poll && !c.token)
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'polling needs a token (use $GITLAB_TOKEN)' });
    if (c.poll && !c.project)
      ctx.addIssue({ code: 'custom', path: ['project'], message: 'polling needs project' });
  });
export type GitLabConfig = z.infer<typeof GitLabConfigSchema>;

/** Verifies a Standard Webhooks signature (https://www.standardwebhooks.com): v1 = HMAC-SHA256(id.ts.body). */
export function verifyStandardWebhook(
  req: WebhookRequest,
  signingToken: string,
  nowMs: number,
): Result<void, TriggerError> {
  const id = header(req, 'webhook-id');
  const ts = header(req, 'webhook-timestamp');
  const sigs = header(req, 'webhook-signature');
  if (!id || !ts || !sigs)
    return err(
      triggerError('SIGNATURE_INVALID', 'missing webhook-id, webhook-timestamp or webhook-signature'),
    );
  const seconds = Number(ts);
  if (!Number.isInteger(seconds) || Math.abs(nowMs / 1000 - seconds) > STANDARD_WEBHOOKS_TOLERANCE_S)
    return err(
      triggerError('SIGNATURE_INVALID', 'webhook-timestamp is outside the 5-minute tolerance (replay?)'),
    );
  const key = Buffer.from(signingToken.replace(/^whsec_/, ''), 'base64');
  const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.from(req.rawBody)]);
  const expected = createHmac('sha256', key).update(signed).digest('base64');
  const match = sigs.split(' ').some((s) => {
    const [version, value] = s.split(',', 2);
    return version === 'v1' && value !== undefined && safeEqual(value, expected);
  });
  return match ? ok(undefined) : err(triggerError('SIGNATURE_INVALID', 'webhook-signature does not match'));
}

function itemDraft(
  project: string,
  kind: 'issue' | 'merge_request',
  item: unknown,
  extraLabels?: unknown,
  user?: unknown,
): CandidateDraft | null {
  const iid = num(pick(item, 'iid'));
  const title = str(pick(item, 'title'));
  if (iid === undefined || title === undefined) return null;
  const labels = labelNames(pick(item, 'labels'));
  return {
    sourceId: `gitlab:${project}#${kind}/${iid}`,
    title,
    body: str(pick(item, 'description')) ?? '',
    url: str(pick(item, 'url')) ?? str(pick(item, 'web_url')) ?? null,
    labels: labels.length > 0 ? labels : labelNames(extraLabels),
    author: str(pick(user, 'username')) ?? str(pick(item, 'author', 'username')) ?? null,
    metadata: {
      project,
      iid,
      kind,
      state: str(pick(item, 'state')) ?? null,
      sourceBranch: str(pick(item, 'source_branch')) ?? null,
      targetBranch: str(pick(item, 'target_branch')) ?? null,
    },
  };
}

/**
 * The event a poll makes of one REST item: `issue.polled` / `merge_request.polled`, with the payload shaped
 * like a webhook's (`$.object_attributes`, `$.project.path_with_namespace`).
 */
function polledEvent(project: string, kind: 'issue' | 'merge_request', item: unknown): ParsedEvent {
  const payload = {
    object_kind: kind,
    object_attributes: { ...(isRecord(item) ? item : {}), action: 'polled' },
    project: { path_with_namespace: project },
  };
  const draft = itemDraft(project, kind, item);
  return draft === null
    ? { event: `${kind}.polled`, payload, draft: null, reason: 'the item lacks iid or title' }
    : { event: `${kind}.polled`, payload, draft };
}

/** Draft for a GitLab webhook payload (issue, merge_request, note, pipeline), or why there is none. */
export function gitlabWebhookDraft(
  payload: Record<string, unknown>,
): { draft: CandidateDraft } | { reason: string } {
  const kind = str(payload.object_kind) ?? str(payload.event_name) ?? 'unknown';
  const project = str(pick(payload, 'project', 'path_with_namespace'));
  if (project === undefined) return { reason: `${kind} payload has no project.path_with_namespace` };
  const attrs = payload.object_attributes;
  const lacks = (what: string) => ({ reason: `${kind} payload lacks ${what}` });
  switch (kind) {
    case 'issue':
    case 'work_item': {
      const d = itemDraft(project, 'issue', attrs, payload.labels, payload.user);
      return d ? { draft: d } : lacks('object_attributes.iid/title');
    }
    case 'merge_request': {
      const d = itemDraft(project, 'merge_request', attrs, payload.labels, payload.user);
      return d ? { draft: d } : lacks('object_attributes.iid/title');
    }
    case 'note': {
      const type = str(pick(attrs, 'noteable_type'));
      const target =
        type === 'Issue' ? payload.issue : type === 'MergeRequest' ? payload.merge_request : undefined;
      if (target === undefined)
        return {
          reason: `notes on ${type ?? 'unknown'} are not a task source (only Issue and MergeRequest)`,
        };
      const d = itemDraft(
        project,
        type === 'Issue' ? 'issue' : 'merge_request',
        target,
        undefined,
        payload.user,
      );
      if (!d) return lacks(`${type === 'Issue' ? 'issue' : 'merge_request'}.iid/title`);
      return {
        draft: {
          ...d,
          metadata: {
            ...d.metadata,
            note: str(pick(attrs, 'note')) ?? null,
            noteUrl: str(pick(attrs, 'url')) ?? null,
          },
        },
      };
    }
    case 'pipeline': {
      const id = num(pick(attrs, 'id'));
      if (id === undefined) return lacks('object_attributes.id');
      const status = str(pick(attrs, 'status')) ?? 'unknown';
      const ref = str(pick(attrs, 'ref')) ?? 'unknown ref';
      return {
        draft: {
          sourceId: `gitlab:${project}#pipeline/${id}`,
          title: `pipeline ${status} on ${ref}`,
          body: str(pick(payload, 'commit', 'message')) ?? '',
          url: str(pick(attrs, 'url')) ?? null,
          author: str(pick(payload, 'user', 'username')) ?? null,
          metadata: {
            project,
            pipelineId: id,
            status,
            ref,
            sha: str(pick(attrs, 'sha')) ?? null,
            mergeRequestIid: num(pick(payload, 'merge_request', 'iid')) ?? null,
          },
        },
      };
    }
    default:
      return {
        reason: `${kind} events are not a task source (supported: issue, merge_request, note, pipeline)`,
      };
  }
}

/**
 * GitLab (gitlab.com or self-managed `baseUrl`, path prefix included): webhooks (X-Gitlab-Token or
 * Standard Webhooks) and REST v4 polling of open issues / merge requests through `@gitbeaker/rest`, newest
 * updates first, with an `updated_after` cursor per list.
 */
export const gitlabProvider = defineTriggerProvider<GitLabConfig>({
  kind: 'gitlab',
  configSchema: GitLabConfigSchema,
  webhook: {
    verify(req, c) {
      const w = c.webhook;
      if (!w)
        return err(
          triggerError('SIGNATURE_INVALID', 'this trigger has no webhook token; it accepts no webhooks'),
        );
      if (w.signingToken && header(req, 'webhook-signature') !== undefined)
        return verifyStandardWebhook(req, w.signingToken, req.receivedAt);
      if (w.token) {
        const got = header(req, 'x-gitlab-token');
        if (got === undefined) return err(triggerError('SIGNATURE_INVALID', 'missing X-Gitlab-Token header'));
        return safeEqual(got, w.token)
          ? ok(undefined)
          : err(triggerError('SIGNATURE_INVALID', 'X-Gitlab-Token does not match'));
      }
      return err(
        triggerError('SIGNATURE_INVALID', 'missing webhook-signature header (signed webhooks are required)'),
      );
    },
    deliveryId: (req) => header(req, 'x-gitlab-event-uuid') ?? header(req, 'webhook-id') ?? null,
    eventHeaders: (event) => ({ 'x-gitlab-event': event }),
    parse(req, c) {
      const body = jsonBody(req);
      if (body.isErr()) return err(body.error);
      const payload = body.value;
      const kind =
        str(payload.object_kind) ?? str(payload.event_name) ?? header(req, 'x-gitlab-event') ?? 'unknown';
      const action = str(pick(payload, 'object_attributes', 'action'));
      const event = action ? `${kind}.${action}` : kind;
      const project = str(pick(payload, 'project', 'path_with_namespace'));
      if (c.project && project && project.toLowerCase() !== c.project.toLowerCase())
        return ok({ event, payload, draft: null, reason: `project ${project} is not ${c.project}` });
      const d = gitlabWebhookDraft(payload);
      return ok(
        'draft' in d ? { event, payload, draft: d.draft } : { event, payload, draft: null, reason: d.reason },
      );
    },
  },
  poll: {
    intervalMs: (c) => (c.poll?.intervalSeconds ?? 300) * 1000,
    enabled: (c) => c.poll !== undefined,
    parseItem(item, c, event) {
      if (!isRecord(item))
        return err(
          triggerError(
            'PAYLOAD_INVALID',
            'a polled GitLab item is an issue or merge request object (REST v4)',
          ),
        );
      const kind =
        event.startsWith('merge_request') || item.source_branch !== undefined ? 'merge_request' : 'issue';
      const fromUrl = str(item.web_url)?.match(/^https?:\/\/[^/]+\/(.+?)\/-\//)?.[1];
      return ok(polledEvent(c.project ?? fromUrl ?? 'unknown', kind, item));
    },
    async poll(ctx): Promise<Result<PollOutcome, TriggerError>> {
      const c = ctx.config;
      const project = c.project ?? '';
      const api = new Gitlab(
        gitlabClientOptions(
          createGitLabConfig({ baseUrl: c.baseUrl, token: c.token, timeoutMs: GITLAB_QUERY_TIMEOUT_MS }),
        ),
      );
      const since = sinceOf(ctx.state.cursor);
      const nextSince: Record<string, string> = { ...since };
      const items: ParsedEvent[] = [];
      const queries: Array<{ key: 'issues' | 'merge_requests'; kind: 'issue' | 'merge_request' }> = [];
      if (c.poll?.issues) queries.push({ key: 'issues', kind: 'issue' });
      if (c.poll?.mergeRequests) queries.push({ key: 'merge_requests', kind: 'merge_request' });
      for (const q of queries) {
        const common = {
          projectId: project,
          state: 'opened' as const,
          orderBy: 'updated_at' as const,
          sort: 'desc' as const,
          perPage: 100,
          maxPages: GITLAB_MAX_PAGES,
          ...(since[q.key] ? { updatedAfter: since[q.key] } : {}),
        };
        let list: unknown;
        try {
          if (q.key === 'issues') {
            const f = c.poll?.issues;
            list = await abortable(
              api.Issues.all({
                ...common,
                ...(f?.labels ? { labels: f.labels.join(',') } : {}),
                ...(f?.assignee ? { assigneeUsername: [f.assignee] } : {}),
              }),
              ctx.signal,
            );
          } else {
            const f = c.poll?.mergeRequests;
            list = await abortable(
              api.MergeRequests.all({
                ...common,
                ...(f?.labels ? { labels: f.labels.join(',') } : {}),
                ...(f?.assignee ? { assigneeUsername: f.assignee } : {}),
                ...(f?.reviewer ? { reviewerUsername: f.reviewer } : {}),
              }),
              ctx.signal,
            );
          }
        } catch (thrown) {
          return err(upstreamError(thrown, `GitLab list project ${q.key}`, ctx.now));
        }
        if (!Array.isArray(list))
          return err(triggerError('UPSTREAM_INVALID', `GitLab ${q.key} response is not a list`));
        for (const item of list) {
          const updated = str(pick(item, 'updated_at'));
          if (updated && (nextSince[q.key] === undefined || updated > (nextSince[q.key] ?? '')))
            nextSince[q.key] = updated;
          const event = polledEvent(project, q.kind, item);
          if (event.draft !== null) items.push(event);
        }
      }
      return ok({
        items,
        state: { cursor: { lastPolledAt: new Date(ctx.now).toISOString(), since: nextSince }, etags: {} },
      });
    },
  },
});
