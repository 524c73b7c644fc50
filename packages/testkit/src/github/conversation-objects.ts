import type {
  FakeCheckRun,
  FakeCommitStatus,
  FakeReview,
  FakeReviewComment,
  RepoRole,
} from './conversation-state.js';
import { permissionOfRole } from './conversation-state.js';
import { hashId, repoJson, userJson } from './objects.js';
import type { FakeIssue, FakeRepo } from './state.js';

// Builders of GitHub REST representations for check runs, commit statuses, reviews, review comments and
// collaborator permissions, with every field GitHub's OpenAPI description marks required.

type Json = Record<string, unknown>;

const api = (base: string, repo: FakeRepo): string => `${base}/repos/${repo.owner}/${repo.name}`;
const html = (base: string, repo: FakeRepo): string => `${base}/${repo.owner}/${repo.name}`;
const association = (repo: FakeRepo, login: string): string =>
  login === repo.owner ? 'OWNER' : repo.roles.has(login) ? 'COLLABORATOR' : 'NONE';

/** The GitHub App that owns the fake's check runs (`app` of a check run). */
function appJson(base: string, createdAt: string): Json {
  return {
    id: 1,
    slug: 'fake-ci',
    node_id: 'A_fake_ci',
    owner: userJson(base, 'fake-ci-owner'),
    name: 'Fake CI',
    description: null,
    external_url: `${base}/apps/fake-ci`,
    html_url: `${base}/apps/fake-ci`,
    created_at: createdAt,
    updated_at: createdAt,
    permissions: { checks: 'write', metadata: 'read' },
    events: ['check_run'],
  };
}

export function checkRunJson(base: string, repo: FakeRepo, run: FakeCheckRun): Json {
  const url = `${api(base, repo)}/check-runs/${run.id}`;
  return {
    id: run.id,
    node_id: `CR_${run.id}`,
    head_sha: run.headSha,
    external_id: String(run.id),
    url,
    html_url: `${html(base, repo)}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${html(base, repo)}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.title,
      summary: run.summary,
      text: null,
      annotations_count: 0,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: hashId(`suite:${run.headSha}`) },
    app: appJson(base, repo.createdAt),
    pull_requests: [],
  };
}

/** A status as listed by `GET /commits/{ref}/statuses` (schema `status`). */
export function statusJson(base: string, repo: FakeRepo, status: FakeCommitStatus): Json {
  const creator = userJson(base, status.creator);
  return {
    url: `${api(base, repo)}/statuses/${status.sha}`,
    avatar_url: creator.avatar_url,
    id: status.id,
    node_id: `SC_${status.id}`,
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.createdAt,
    creator,
  };
}

/**
 * `GET /commits/{ref}/status`: the latest status per context, and a combined `state` by GitHub's rule —
 * `failure` if any is `error` or `failure`, `pending` if there is none or any is `pending`, else `success`.
 */
export function combinedStatusJson(
  base: string,
  repo: FakeRepo,
  sha: string,
  statuses: readonly FakeCommitStatus[],
): Json {
  const latest = new Map<string, FakeCommitStatus>();
  for (const status of statuses) latest.set(status.context, status);
  const list = [...latest.values()];
  const state = list.some((s) => s.state === 'error' || s.state === 'failure')
    ? 'failure'
    : list.length === 0 || list.some((s) => s.state === 'pending')
      ? 'pending'
      : 'success';
  return {
    state,
    sha,
    total_count: list.length,
    statuses: list.map((status) => {
      const { creator: _creator, ...simple } = statusJson(base, repo, status);
      return { ...simple, required: false };
    }),
    repository: repoJson(base, repo, false),
    commit_url: `${api(base, repo)}/commits/${sha}`,
    url: `${api(base, repo)}/commits/${sha}/status`,
  };
}

export function reviewJson(base: string, repo: FakeRepo, item: FakeIssue, review: FakeReview): Json {
  const htmlUrl = `${html(base, repo)}/pull/${item.number}#pullrequestreview-${review.id}`;
  const pullUrl = `${api(base, repo)}/pulls/${item.number}`;
  const json: Json = {
    id: review.id,
    node_id: `PRR_${review.id}`,
    user: userJson(base, review.author),
    body: review.body,
    state: review.state,
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    _links: { html: { href: htmlUrl }, pull_request: { href: pullUrl } },
    commit_id: review.commitId,
    author_association: association(repo, review.author),
  };
  if (review.submittedAt !== null) json.submitted_at = review.submittedAt;
  return json;
}

export function reviewCommentJson(
  base: string,
  repo: FakeRepo,
  item: FakeIssue,
  comment: FakeReviewComment,
): Json {
  const url = `${api(base, repo)}/pulls/comments/${comment.id}`;
  const htmlUrl = `${html(base, repo)}/pull/${item.number}#discussion_r${comment.id}`;
  const pullUrl = `${api(base, repo)}/pulls/${item.number}`;
  const json: Json = {
    url,
    pull_request_review_id: comment.reviewId,
    id: comment.id,
    node_id: `PRRC_${comment.id}`,
    diff_hunk: comment.diffHunk,
    path: comment.path,
    position: comment.position,
    original_position: comment.position,
    commit_id: comment.commitId,
    original_commit_id: comment.commitId,
    user: userJson(base, comment.author),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    html_url: htmlUrl,
    pull_request_url: pullUrl,
    author_association: association(repo, comment.author),
    _links: { self: { href: url }, html: { href: htmlUrl }, pull_request: { href: pullUrl } },
    start_line: null,
    original_start_line: null,
    start_side: null,
    line: comment.line,
    original_line: comment.line,
    side: comment.side,
    subject_type: 'line',
  };
  if (comment.inReplyTo !== undefined) json.in_reply_to_id = comment.inReplyTo;
  return json;
}

/** `GET /collaborators/{username}/permission`: coarse `permission` plus the exact `role_name`. */
export function permissionJson(base: string, login: string, role: RepoRole | 'none'): Json {
  const permission = permissionOfRole(role);
  return {
    permission,
    role_name: role,
    user: {
      ...userJson(base, login),
      permissions: {
        admin: role === 'admin',
        maintain: role === 'admin' || role === 'maintain',
        push: permission === 'admin' || permission === 'write',
        triage: role !== 'read' && role !== 'none',
        pull: role !== 'none',
      },
      role_name: role,
    },
  };
}
