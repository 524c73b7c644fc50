import { err, ok, type Result } from '@worktrain/contracts';
import { z } from 'zod';
import { type TriggerError, triggerError } from '../errors.js';
import { defineTriggerProvider, type ParsedEvent, type PollOutcome } from '../provider.js';
import { githubWebhookDraft, issueDraft } from './github-events.js';
import { fetchJson, header, jsonBody, pick, str, verifyHexHmac } from './shared.js';

const Repo = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'repo must be "owner/name"');

/**
 * `provider: github` keys: `repo` (owner/name; webhook events of other repositories are ignored),
 * `webhook.secret` (X-Hub-Signature-256), `apiBaseUrl` (GitHub Enterprise: `https://host/api/v3`),
 * `token` (polling), `poll` (what to poll: `issues` by labels/assignee, `search` query, `pulls` with
 * review requested from a login; `intervalSeconds`, default 300).
 */
export const GitHubConfigSchema = z
  .strictObject({
    repo: Repo.optional(),
    webhook: z.strictObject({ secret: z.string().min(8, 'secret must be at least 8 characters') }).optional(),
    apiBaseUrl: z.url().default('https://api.github.com'),
    token: z.string().min(1).optional(),
    poll: z
      .strictObject({
        intervalSeconds: z.number().int().min(10).default(300),
        issues: z
          .strictObject({
            labels: z.array(z.string().min(1)).optional(),
            assignee: z.string().min(1).optional(),
            state: z.enum(['open', 'closed', 'all']).default('open'),
          })
          .optional(),
        search: z.string().min(1).optional(),
        pulls: z
          .strictObject({
            reviewRequested: z.string().min(1).optional(),
            state: z.enum(['open', 'closed', 'all']).default('open'),
          })
          .optional(),
      })
      .refine((p) => p.issues || p.search || p.pulls, {
        message: 'poll needs at least one of issues, search, pulls',
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.poll && !c.token)
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'polling needs a token (use $GITHUB_TOKEN)' });
    if (c.poll && (c.poll.issues || c.poll.pulls) && !c.repo)
      ctx.addIssue({ code: 'custom', path: ['repo'], message: 'polling issues or pulls needs repo' });
  });
export type GitHubConfig = z.infer<typeof GitHubConfigSchema>;

interface Query {
  readonly key: string;
  readonly url: string;
  readonly kind: 'issues' | 'search' | 'pulls';
}

/** The REST requests one poll makes (operations: issues/list-for-repo, search/issues-and-pull-requests, pulls/list). */
export function githubPollQueries(c: GitHubConfig): Query[] {
  const base = c.apiBaseUrl.replace(/\/+$/, '');
  const out: Query[] = [];
  const p = c.poll;
  if (!p) return out;
  if (p.issues && c.repo) {
    const q = new URLSearchParams({
      state: p.issues.state,
      sort: 'updated',
      direction: 'desc',
      per_page: '100',
    });
    if (p.issues.labels) q.set('labels', p.issues.labels.join(','));
    if (p.issues.assignee) q.set('assignee', p.issues.assignee);
    out.push({ key: 'issues', kind: 'issues', url: `${base}/repos/${c.repo}/issues?${q}` });
  }
  if (p.search) {
    const q = new URLSearchParams({ q: p.search, sort: 'updated', order: 'desc', per_page: '100' });
    out.push({ key: 'search', kind: 'search', url: `${base}/search/issues?${q}` });
  }
  if (p.pulls && c.repo) {
    const q = new URLSearchParams({
      state: p.pulls.state,
      sort: 'updated',
      direction: 'desc',
      per_page: '100',
    });
    out.push({ key: 'pulls', kind: 'pulls', url: `${base}/repos/${c.repo}/pulls?${q}` });
  }
  return out;
}

function repoOf(item: unknown, fallback: string | undefined): string | undefined {
  const fromUrl = str(pick(item, 'repository_url'))?.match(/\/repos\/([^/]+\/[^/]+)$/)?.[1];
  return str(pick(item, 'repository', 'full_name')) ?? fromUrl ?? fallback;
}

function itemsOf(q: Query, body: unknown, c: GitHubConfig): Result<ParsedEvent[], TriggerError> {
  const list = q.kind === 'search' ? pick(body, 'items') : body;
  if (!Array.isArray(list))
    return err(triggerError('UPSTREAM_INVALID', `GitHub ${q.kind} response is not a list`));
  const events: ParsedEvent[] = [];
  for (const item of list) {
    const isPull = q.kind === 'pulls' || pick(item, 'pull_request') !== undefined;
    if (q.kind === 'issues' && isPull) continue; // the issues endpoint also lists PRs
    if (q.kind === 'pulls' && c.poll?.pulls?.reviewRequested) {
      const want = c.poll.pulls.reviewRequested.toLowerCase();
      const reviewers = pick(item, 'requested_reviewers');
      if (!Array.isArray(reviewers) || !reviewers.some((r) => str(pick(r, 'login'))?.toLowerCase() === want))
        continue;
    }
    const repo = repoOf(item, c.repo);
    if (repo === undefined) continue;
    const draft = issueDraft(repo, item, isPull ? 'pull' : 'issue');
    if (draft === null) continue;
    const payload = isPull
      ? { action: 'polled', pull_request: item, issue: item, repository: { full_name: repo } }
      : { action: 'polled', issue: item, repository: { full_name: repo } };
    events.push({ event: isPull ? 'pull_request.polled' : 'issues.polled', payload, draft });
  }
  return ok(events);
}

/** GitHub: webhooks (X-Hub-Signature-256, X-GitHub-Delivery) and REST polling with ETags. */
export const githubProvider = defineTriggerProvider<GitHubConfig>({
  kind: 'github',
  configSchema: GitHubConfigSchema,
  webhook: {
    verify(req, c) {
      if (!c.webhook)
        return err(
          triggerError('SIGNATURE_INVALID', 'this trigger has no webhook.secret; it accepts no webhooks'),
        );
      return verifyHexHmac(req, c.webhook.secret, 'x-hub-signature-256', 'sha256=');
    },
    deliveryId: (req) => header(req, 'x-github-delivery') ?? null,
    eventHeaders: (event) => ({ 'x-github-event': event.split('.')[0] ?? event }),
    parse(req, c) {
      const name = header(req, 'x-github-event');
      if (!name) return err(triggerError('PAYLOAD_INVALID', 'missing X-GitHub-Event header'));
      const body = jsonBody(req);
      if (body.isErr()) return err(body.error);
      const payload = body.value;
      const action = str(payload.action);
      const event = action ? `${name}.${action}` : name;
      if (name === 'ping') return ok({ event, payload, draft: null, reason: 'ping: the webhook is set up' });
      const repo = str(pick(payload, 'repository', 'full_name'));
      if (c.repo && repo && repo.toLowerCase() !== c.repo.toLowerCase())
        return ok({ event, payload, draft: null, reason: `repository ${repo} is not ${c.repo}` });
      const d = githubWebhookDraft(name, payload);
      return ok(
        'draft' in d ? { event, payload, draft: d.draft } : { event, payload, draft: null, reason: d.reason },
      );
    },
  },
  poll: {
    intervalMs: (c) => (c.poll?.intervalSeconds ?? 300) * 1000,
    enabled: (c) => c.poll !== undefined,
    async poll(ctx): Promise<Result<PollOutcome, TriggerError>> {
      const c = ctx.config;
      const etags: Record<string, string> = { ...ctx.state.etags };
      const items: ParsedEvent[] = [];
      let rateLimit: PollOutcome['rateLimit'];
      for (const q of githubPollQueries(c)) {
        const res = await fetchJson(ctx.fetch, q.url, {
          headers: {
            accept: 'application/vnd.github+json',
            'x-github-api-version': '2022-11-28',
            'user-agent': 'worktrain-triggers',
            ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
          },
          ...(etags[q.key] ? { etag: etags[q.key] } : {}),
          signal: ctx.signal,
        });
        if (res.isErr()) return err(res.error);
        const remaining = Number(res.value.headers.get('x-ratelimit-remaining'));
        const reset = Number(res.value.headers.get('x-ratelimit-reset'));
        if (
          Number.isFinite(remaining) &&
          Number.isFinite(reset) &&
          res.value.headers.has('x-ratelimit-remaining')
        )
          rateLimit = { remaining, resetAt: reset * 1000 };
        if (res.value.kind === 'not_modified') continue;
        const etag = res.value.headers.get('etag');
        if (etag) etags[q.key] = etag;
        const found = itemsOf(q, res.value.body, c);
        if (found.isErr()) return err(found.error);
        items.push(...found.value);
      }
      return ok({
        items,
        state: { cursor: { lastPolledAt: new Date(ctx.now).toISOString() }, etags },
        ...(rateLimit ? { rateLimit } : {}),
      });
    },
  },
});
