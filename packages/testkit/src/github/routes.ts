import { branchSha, commitsBetween } from './git-refs.js';
import { basicError, validationFailed } from './http.js';
import { commentJson, issueJson, labelJson, repoJson } from './objects.js';
import {
  asJson,
  type Json,
  pullReply,
  type Route,
  refreshHead,
  str,
  withItem,
  withRepo,
} from './route-kit.js';
import type { FakeGitHubState, FakeIssue, FakeRepo } from './state.js';

function sortItems(items: FakeIssue[], query: Readonly<Record<string, string>>): FakeIssue[] {
  const field = query.sort === 'updated' ? 'updatedAt' : 'createdAt';
  const sign = query.direction === 'asc' ? 1 : -1;
  // Stable on number so equal timestamps keep a deterministic order.
  return [...items].sort((a, b) => sign * (a[field].localeCompare(b[field]) || a.number - b.number));
}

function labelNames(value: unknown): string[] {
  return Array.isArray(value)
    ? value.flatMap((label) => (typeof label === 'string' ? [label] : (str(asJson(label).name) ?? [])))
    : [];
}

function applyIssueEdits(state: FakeGitHubState, repo: FakeRepo, item: FakeIssue, body: Json): void {
  if (typeof body.title === 'string') item.title = body.title;
  if (body.body !== undefined) item.body = str(body.body) ?? null;
  if (body.state === 'closed' && item.state === 'open') {
    item.state = 'closed';
    item.closedAt = state.now();
    item.stateReason = body.state_reason === 'not_planned' ? 'not_planned' : 'completed';
  } else if (body.state === 'open' && item.state === 'closed') {
    item.state = 'open';
    item.closedAt = null;
    item.stateReason = 'reopened';
  }
  if (Array.isArray(body.labels)) {
    item.labels = [];
    for (const name of labelNames(body.labels)) state.attachLabel(repo, item, name);
  }
  if (Array.isArray(body.assignees))
    item.assignees = body.assignees.filter((login): login is string => typeof login === 'string');
  item.updatedAt = state.now();
}

/** Parses `q` of GET /search/issues: qualifiers repo:, is:, state:, label:, author:, assignee:, rest = text. */
function searchFilter(q: string): (repo: FakeRepo, item: FakeIssue) => boolean {
  const tokens = q.match(/(?:[^\s"]+:"[^"]*"|"[^"]*"|\S+)/g) ?? [];
  const checks: Array<(repo: FakeRepo, item: FakeIssue) => boolean> = [];
  for (const token of tokens) {
    const match = /^(-?)(repo|is|state|label|author|assignee|type|in):(.+)$/.exec(token);
    const value = (match?.[3] ?? token).replace(/^"|"$/g, '');
    const negate = match?.[1] === '-';
    let check: (repo: FakeRepo, item: FakeIssue) => boolean;
    switch (match?.[2]) {
      case 'repo':
        check = (repo) => `${repo.owner}/${repo.name}`.toLowerCase() === value.toLowerCase();
        break;
      case 'is':
      case 'type':
      case 'state':
        check = (_repo, item) =>
          value === 'issue'
            ? item.pull === undefined
            : value === 'pr'
              ? item.pull !== undefined
              : value === item.state;
        break;
      case 'label':
        check = (_repo, item) => item.labels.includes(value);
        break;
      case 'author':
        check = (_repo, item) => item.author === value;
        break;
      case 'assignee':
        check = (_repo, item) => item.assignees.includes(value);
        break;
      case 'in':
        continue;
      default:
        check = (_repo, item) =>
          `${item.title}\n${item.body ?? ''}`.toLowerCase().includes(value.toLowerCase());
    }
    checks.push(negate ? (repo, item) => !check(repo, item) : check);
  }
  return (repo, item) => checks.every((check) => check(repo, item));
}

const PR_DOCS = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';

export const ROUTES: readonly Route[] = [
  {
    path: '/repos/{owner}/{repo}',
    method: 'get',
    handle: (c) => withRepo(c, (repo) => ({ status: 200, body: repoJson(c.base, repo, true) })),
  },
  {
    path: '/repos/{owner}/{repo}/issues',
    method: 'get',
    handle: (c) =>
      withRepo(c, (repo) => {
        const state = c.query.state ?? 'open';
        const labels = (c.query.labels ?? '').split(',').filter((label) => label !== '');
        const items = repo.items.filter(
          (item) =>
            (state === 'all' || item.state === state) &&
            labels.every((label) => item.labels.includes(label)) &&
            (c.query.assignee === undefined || c.query.assignee === '*'
              ? true
              : item.assignees.includes(c.query.assignee)) &&
            (c.query.creator === undefined || item.author === c.query.creator) &&
            (c.query.since === undefined || item.updatedAt >= c.query.since),
        );
        return { status: 200, list: sortItems(items, c.query).map((item) => issueJson(c.base, repo, item)) };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/issues',
    method: 'post',
    handle: (c) =>
      withRepo(c, (repo) => {
        const body = asJson(c.body);
        const item = c.state.addIssue(repo.owner, repo.name, {
          title: String(body.title),
          body: str(body.body) ?? null,
          author: c.login,
          labels: labelNames(body.labels),
          assignees: Array.isArray(body.assignees)
            ? body.assignees.filter((a): a is string => typeof a === 'string')
            : [],
        });
        const json = issueJson(c.base, repo, item);
        return { status: 201, body: json, headers: { Location: String(json.url) } };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/issues/{issue_number}',
    method: 'get',
    handle: (c) =>
      withItem(c, 'issue_number', (repo, item) => ({ status: 200, body: issueJson(c.base, repo, item) })),
  },
  {
    path: '/repos/{owner}/{repo}/issues/{issue_number}',
    method: 'patch',
    handle: (c) =>
      withItem(c, 'issue_number', (repo, item) => {
        applyIssueEdits(c.state, repo, item, asJson(c.body));
        return { status: 200, body: issueJson(c.base, repo, item) };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    method: 'get',
    handle: (c) =>
      withItem(c, 'issue_number', (repo, item) => ({
        status: 200,
        list: item.comments.map((comment) => commentJson(c.base, repo, item, comment)),
      })),
  },
  {
    path: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    method: 'post',
    handle: (c) =>
      withItem(c, 'issue_number', (repo, item) => {
        const now = c.state.now();
        const comment = {
          id: c.state.newId(),
          body: String(asJson(c.body).body),
          author: c.login,
          createdAt: now,
          updatedAt: now,
        };
        item.comments.push(comment);
        item.updatedAt = now;
        const json = commentJson(c.base, repo, item, comment);
        return { status: 201, body: json, headers: { Location: String(json.url) } };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    method: 'post',
    handle: (c) =>
      withItem(c, 'issue_number', (repo, item) => {
        const names = Array.isArray(c.body) ? labelNames(c.body) : labelNames(asJson(c.body).labels);
        for (const name of names) c.state.attachLabel(repo, item, name);
        item.updatedAt = c.state.now();
        return { status: 200, body: item.labels.map((name) => labelJson(c.base, repo, name)) };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    method: 'delete',
    handle: (c) =>
      withItem(c, 'issue_number', (repo, item) => {
        const name = c.params.name ?? '';
        if (!item.labels.includes(name))
          return basicError(
            404,
            'Label does not exist',
            'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue',
          );
        item.labels = item.labels.filter((label) => label !== name);
        item.updatedAt = c.state.now();
        return { status: 200, body: item.labels.map((label) => labelJson(c.base, repo, label)) };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/pulls',
    method: 'get',
    handle: (c) =>
      withRepo(c, async (repo) => {
        const state = c.query.state ?? 'open';
        // `head` is documented as `owner:branch`; without the owner prefix the fake matches the branch name only.
        const [headOwner, headBranch] =
          c.query.head?.includes(':') === true ? c.query.head.split(/:(.*)/s) : [undefined, c.query.head];
        const items = repo.items.filter(
          (item) =>
            item.pull !== undefined &&
            (state === 'all' || item.state === state) &&
            (headBranch === undefined ||
              (item.pull.head === headBranch &&
                (headOwner === undefined || item.pull.headOwner === headOwner))) &&
            (c.query.base === undefined || item.pull.base === c.query.base),
        );
        const list: unknown[] = [];
        for (const item of sortItems(items, c.query)) {
          const reply = await pullReply(c, repo, item);
          if ('body' in reply) list.push(reply.body);
        }
        return { status: 200, list };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/pulls',
    method: 'post',
    handle: (c) =>
      withRepo(c, async (repo) => {
        const body = asJson(c.body);
        const headText = String(body.head);
        const [headOwner, head] = headText.includes(':')
          ? (headText.split(/:(.*)/s) as [string, string])
          : [repo.owner, headText];
        const base = String(body.base);
        if (typeof body.title !== 'string')
          return validationFailed(
            [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }],
            PR_DOCS,
          );
        const existing = repo.items.find(
          (item) =>
            item.state === 'open' &&
            item.pull?.head === head &&
            item.pull.headOwner === headOwner &&
            item.pull.base === base,
        );
        if (existing !== undefined) {
          const message = `A pull request already exists for ${headOwner}:${head}.`;
          return validationFailed([{ resource: 'PullRequest', code: 'custom', message }], PR_DOCS);
        }
        if ((await branchSha(repo, base)) === undefined)
          return validationFailed([{ resource: 'PullRequest', field: 'base', code: 'invalid' }], PR_DOCS);
        const headSha = await branchSha(repo, head);
        if (headSha === undefined)
          return validationFailed([{ resource: 'PullRequest', field: 'head', code: 'invalid' }], PR_DOCS);
        if ((await commitsBetween(repo, base, head)) === 0) {
          return validationFailed(
            [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }],
            PR_DOCS,
          );
        }
        const item = c.state.addPull(repo, {
          title: body.title,
          body: str(body.body) ?? null,
          state: 'open',
          assignees: [],
          author: c.login,
          pull: { head, headOwner, base, draft: body.draft === true, merged: false, headSha },
        });
        const reply = await pullReply(c, repo, item, 201);
        return 'body' in reply ? { ...reply, headers: { Location: String(asJson(reply.body).url) } } : reply;
      }),
  },
  {
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    method: 'get',
    handle: (c) =>
      withItem(c, 'pull_number', async (repo, item) => {
        await refreshHead(repo, item);
        return pullReply(c, repo, item);
      }),
  },
  {
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    method: 'patch',
    handle: (c) =>
      withItem(c, 'pull_number', async (repo, item) => {
        const body = asJson(c.body);
        if (typeof body.base === 'string' && item.pull !== undefined) item.pull.base = body.base;
        applyIssueEdits(c.state, repo, item, { title: body.title, body: body.body, state: body.state });
        return pullReply(c, repo, item);
      }),
  },
  {
    path: '/search/issues',
    method: 'get',
    handle: (c) => {
      const filter = searchFilter(c.query.q ?? '');
      const items: unknown[] = [];
      for (const repo of c.state.repos.values()) {
        for (const item of sortItems(
          repo.items.filter((candidate) => filter(repo, candidate)),
          c.query,
        )) {
          // The description types a search item's `body` as a non-nullable optional string: omit a null body.
          const { body, ...rest } = issueJson(c.base, repo, item);
          items.push(body === null ? { ...rest, score: 1 } : { ...rest, body, score: 1 });
        }
      }
      return { status: 200, search: items };
    },
  },
];
