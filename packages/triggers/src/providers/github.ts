import { Octokit, type RestEndpointMethodTypes } from '@octokit/rest';
import {
  createGitHubConfig,
  err,
  githubClientOptions,
  ok,
  type Result,
  readUpstreamFailure,
} from '@worktrain/contracts';
import * as z from 'zod';
import { type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';
import { defineTriggerProvider, type ParsedEvent, type PollOutcome } from '../provider.js';
import { githubWebhookDraft, issueDraft } from './github-events.js';
import { header, jsonBody, pick, str, verifyHexHmac } from './shared.js';
import { upstreamError, upstreamStatus } from './upstream.js';

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

type Params = RestEndpointMethodTypes;
/** One request of a poll, with its Octokit parameters (operation ids as in GitHub's OpenAPI description). */
type Query =
  | {
      readonly key: 'issues';
      readonly operation: 'issues/list-for-repo';
      readonly params: Params['issues']['listForRepo']['parameters'];
    }
  | {
      readonly key: 'search';
      readonly operation: 'search/issues-and-pull-requests';
      readonly params: Params['search']['issuesAndPullRequests']['parameters'];
    }
  | {
      readonly key: 'pulls';
      readonly operation: 'pulls/list';
      readonly params: Params['pulls']['list']['parameters'];
    };

/**
 * The REST requests one poll makes, as Octokit parameters: issues/list-for-repo (by labels / assignee),
 * search/issues-and-pull-requests (the `search` query), pulls/list; newest updates first, 100 per page.
 */
export function githubPollQueries(c: GitHubConfig): Query[] {
  const out: Query[] = [];
  const p = c.poll;
  if (!p) return out;
  const [owner = '', repo = ''] = (c.repo ?? '').split('/');
  if (p.issues && c.repo)
    out.push({
      key: 'issues',
      operation: 'issues/list-for-repo',
      params: {
        owner,
        repo,
        state: p.issues.state,
        sort: 'updated',
        direction: 'desc',
        per_page: 100,
        ...(p.issues.labels ? { labels: p.issues.labels.join(',') } : {}),
        ...(p.issues.assignee ? { assignee: p.issues.assignee } : {}),
      },
    });
  if (p.search)
    out.push({
      key: 'search',
      operation: 'search/issues-and-pull-requests',
      params: { q: p.search, sort: 'updated', order: 'desc', per_page: 100 },
    });
  if (p.pulls && c.repo)
    out.push({
      key: 'pulls',
      operation: 'pulls/list',
      params: { owner, repo, state: p.pulls.state, sort: 'updated', direction: 'desc', per_page: 100 },
    });
  return out;
}

/** Sends one poll query through Octokit with `If-None-Match`; 304 → `not_modified`. */
async function runQuery(
  octokit: Octokit,
  q: Query,
  etag: string | undefined,
): Promise<{ data: unknown; headers: Record<string, string | number | undefined>; notModified: boolean }> {
  const headers = etag ? { 'if-none-match': etag } : {};
  try {
    const res =
      q.key === 'issues'
        ? await octokit.rest.issues.listForRepo({ ...q.params, headers })
        : q.key === 'search'
          ? await octokit.rest.search.issuesAndPullRequests({ ...q.params, headers })
          : await octokit.rest.pulls.list({ ...q.params, headers });
    return { data: res.data, headers: res.headers, notModified: false };
  } catch (thrown) {
    // Octokit throws a RequestError for 304 Not Modified: the conditional request hit.
    if (upstreamStatus(thrown) === 304)
      return { data: null, headers: readUpstreamFailure(thrown).headers, notModified: true };
    throw thrown;
  }
}

function repoOf(item: unknown, fallback: string | undefined): string | undefined {
  const fromUrl = str(pick(item, 'repository_url'))?.match(/\/repos\/([^/]+\/[^/]+)$/)?.[1];
  return str(pick(item, 'repository', 'full_name')) ?? fromUrl ?? fallback;
}

function itemsOf(q: Query, body: unknown, c: GitHubConfig): Result<ParsedEvent[], TriggerError> {
  const list = q.key === 'search' ? pick(body, 'items') : body;
  if (!Array.isArray(list))
    return err(
      triggerError('UPSTREAM_INVALID', `GitHub ${q.operation} answered something that is not a list`),
    );
  const events: ParsedEvent[] = [];
  for (const item of list) {
    const isPull = q.key === 'pulls' || pick(item, 'pull_request') !== undefined;
    if (q.key === 'issues' && isPull) continue; // the issues endpoint also lists PRs
    if (q.key === 'pulls' && c.poll?.pulls?.reviewRequested) {
      const want = c.poll.pulls.reviewRequested.toLowerCase();
      const reviewers = pick(item, 'requested_reviewers');
      if (!Array.isArray(reviewers) || !reviewers.some((r) => str(pick(r, 'login'))?.toLowerCase() === want))
        continue;
    }
    const event = polledEvent(item, isPull, c);
    if (event.draft !== null) events.push(event);
  }
  return ok(events);
}

/**
 * The event a poll makes of one REST item: `issues.polled` / `pull_request.polled`, with the payload shaped
 * like a webhook's (`$.issue`, `$.pull_request`, `$.repository.full_name`) so one dispatchCondition serves both.
 */
function polledEvent(item: unknown, isPull: boolean, c: GitHubConfig): ParsedEvent {
  const event = isPull ? 'pull_request.polled' : 'issues.polled';
  const repo = repoOf(item, c.repo);
  const payload = isPull
    ? { action: 'polled', pull_request: item, issue: item, repository: { full_name: repo } }
    : { action: 'polled', issue: item, repository: { full_name: repo } };
  if (repo === undefined)
    return {
      event,
      payload,
      draft: null,
      reason: 'the item names no repository and the trigger has no repo',
    };
  const draft = issueDraft(repo, item, isPull ? 'pull' : 'issue');
  return draft === null
    ? { event, payload, draft: null, reason: 'the item lacks number, title or html_url' }
    : { event, payload, draft };
}

/**
 * GitHub: webhooks (X-Hub-Signature-256, X-GitHub-Delivery) and REST polling through `@octokit/rest`:
 * conditional requests (`If-None-Match` with the ETag of the previous answer; a 304 costs no rate limit),
 * the `x-ratelimit-*` headers of each answer (an exhausted budget delays the next run until the reset).
 */
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
    parseItem(item, c, event) {
      if (!isRecord(item))
        return err(
          triggerError('PAYLOAD_INVALID', 'a polled GitHub item is an issue or pull request object (REST)'),
        );
      const isPull =
        event.startsWith('pull_request') || item.pull_request !== undefined || item.head !== undefined;
      return ok(polledEvent(item, isPull, c));
    },
    async poll(ctx): Promise<Result<PollOutcome, TriggerError>> {
      const c = ctx.config;
      const forge = createGitHubConfig({
        token: c.token,
        baseUrl: c.apiBaseUrl,
        fetch: ctx.fetch,
        userAgent: 'worktrain-triggers',
      });
      const octokit = new Octokit({
        ...githubClientOptions(forge),
        log: { debug() {}, info() {}, warn() {}, error() {} },
        request: { fetch: ctx.fetch, signal: ctx.signal },
      });
      const etags: Record<string, string> = { ...ctx.state.etags };
      const items: ParsedEvent[] = [];
      let rateLimit: PollOutcome['rateLimit'];
      for (const q of githubPollQueries(c)) {
        let res: Awaited<ReturnType<typeof runQuery>>;
        try {
          res = await runQuery(octokit, q, etags[q.key]);
        } catch (thrown) {
          return err(upstreamError(thrown, `GitHub ${q.operation}`, ctx.now));
        }
        const remaining = Number(res.headers['x-ratelimit-remaining']);
        const reset = Number(res.headers['x-ratelimit-reset']);
        if (
          res.headers['x-ratelimit-remaining'] !== undefined &&
          Number.isFinite(remaining) &&
          Number.isFinite(reset)
        )
          rateLimit = { remaining, resetAt: reset * 1000 };
        if (res.notModified) continue;
        const etag = res.headers.etag;
        if (typeof etag === 'string') etags[q.key] = etag;
        const found = itemsOf(q, res.data, c);
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
