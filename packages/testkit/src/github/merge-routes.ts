import { checkRunJson, combinedStatusJson, permissionJson, statusJson } from './conversation-objects.js';
import { branchSha, mergeInOrigin } from './git-refs.js';
import { basicError, type Reply } from './http.js';
import { asJson, type Route, type RouteContext, refreshHead, str, withItem, withRepo } from './route-kit.js';
import { type FakeRepo, fakeSha } from './state.js';

// Merge with the head-SHA guard, CI state of a commit (check runs, commit statuses) and collaborator
// permission: what a merge gate reads and does.

const MERGE_DOCS = 'https://docs.github.com/rest/pulls/pulls#merge-a-pull-request';

/** A 40-hex ref is a commit sha; anything else is a branch name resolved in the repository. */
async function resolveRef(repo: FakeRepo, ref: string): Promise<string> {
  if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase();
  return (await branchSha(repo, ref)) ?? ref;
}

/** One page of `items` (`per_page` default 30, max 100; `page` from 1), for wrapped lists. */
function pageOf<T>(items: readonly T[], query: RouteContext['query']): T[] {
  const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? '30') || 30));
  const page = Math.max(1, Number(query.page ?? '1') || 1);
  return items.slice((page - 1) * perPage, page * perPage);
}

export const MERGE_ROUTES: readonly Route[] = [
  {
    // GitHub: 405 "Pull Request is not mergeable" (closed, merged, draft, conflicts), 409 "Head branch was
    // modified…" when `sha` is not the current head, 200 {sha, merged: true, message} otherwise.
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/merge',
    method: 'put',
    handle: (c) =>
      withItem(c, 'pull_number', async (repo, item): Promise<Reply> => {
        const pull = item.pull;
        if (pull === undefined) return basicError(404, 'Not Found');
        await refreshHead(repo, item);
        if (item.state !== 'open' || pull.merged)
          return basicError(405, 'Pull Request is not mergeable', MERGE_DOCS);
        const body = asJson(c.body);
        const sha = str(body.sha);
        if (sha !== undefined && sha !== pull.headSha)
          return basicError(409, 'Head branch was modified. Review and try the merge again.', MERGE_DOCS);
        if (pull.draft) return basicError(405, 'Pull Request is still a draft', MERGE_DOCS);
        if (pull.mergeable === false) return basicError(405, 'Pull Request is not mergeable', MERGE_DOCS);
        const method =
          body.merge_method === 'squash' || body.merge_method === 'rebase' ? body.merge_method : 'merge';
        const title =
          str(body.commit_title) ??
          (method === 'merge'
            ? `Merge pull request #${item.number} from ${pull.headOwner}/${pull.head}`
            : `${item.title} (#${item.number})`);
        const message = [title, str(body.commit_message)].filter((part) => part !== undefined).join('\n\n');
        let mergeSha: string;
        if (repo.originDir === undefined) {
          mergeSha = fakeSha(`${repo.owner}/${repo.name}:merge:${item.number}:${pull.headSha}`);
          repo.branches.set(pull.base, mergeSha);
        } else {
          const merged = await mergeInOrigin(repo.originDir, pull.base, pull.head, method, message);
          if (merged === 'conflict') {
            pull.mergeable = false;
            return basicError(405, 'Pull Request is not mergeable', MERGE_DOCS);
          }
          mergeSha = merged.sha;
        }
        const now = c.state.now();
        pull.merged = true;
        pull.mergedAt = now;
        pull.mergeCommitSha = mergeSha;
        pull.mergedBy = c.login;
        item.state = 'closed';
        item.closedAt = now;
        item.updatedAt = now;
        return {
          status: 200,
          body: { sha: mergeSha, merged: true, message: 'Pull Request successfully merged' },
        };
      }),
  },
  {
    // Filters: check_name, status, filter=latest (default: the newest run per name) | all.
    path: '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    method: 'get',
    handle: (c) =>
      withRepo(c, async (repo) => {
        const sha = await resolveRef(repo, c.params.ref ?? '');
        let runs = repo.checkRuns.filter(
          (run) =>
            run.headSha === sha &&
            (c.query.check_name === undefined || run.name === c.query.check_name) &&
            (c.query.status === undefined || run.status === c.query.status),
        );
        if (c.query.filter !== 'all')
          runs = runs.filter((run) => !runs.some((other) => other.name === run.name && other.id > run.id));
        const sorted = [...runs].sort((a, b) => b.id - a.id);
        return {
          status: 200,
          body: {
            total_count: sorted.length,
            check_runs: pageOf(sorted, c.query).map((run) => checkRunJson(c.base, repo, run)),
          },
        };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/commits/{ref}/status',
    method: 'get',
    handle: (c) =>
      withRepo(c, async (repo) => {
        const sha = await resolveRef(repo, c.params.ref ?? '');
        if (!/^[0-9a-f]{40}$/.test(sha)) return basicError(404, `No commit found for SHA: ${c.params.ref}`);
        const statuses = repo.statuses.filter((status) => status.sha === sha);
        return { status: 200, body: combinedStatusJson(c.base, repo, sha, statuses) };
      }),
  },
  {
    path: '/repos/{owner}/{repo}/commits/{ref}/statuses',
    method: 'get',
    handle: (c) =>
      withRepo(c, async (repo) => {
        const sha = await resolveRef(repo, c.params.ref ?? '');
        const statuses = repo.statuses.filter((status) => status.sha === sha).reverse();
        return { status: 200, list: statuses.map((status) => statusJson(c.base, repo, status)) };
      }),
  },
  {
    // A login without a role gets `read` on a public repository and `none` on a private one.
    path: '/repos/{owner}/{repo}/collaborators/{username}/permission',
    method: 'get',
    handle: (c) =>
      withRepo(c, (repo) => {
        const login = c.params.username ?? '';
        const role = repo.roles.get(login) ?? (repo.private ? 'none' : 'read');
        return { status: 200, body: permissionJson(c.base, login, role) };
      }),
  },
];
