import { type GitHubWebhookRequestOptions, githubWebhookRequest } from '../webhooks/github-webhook.js';
import { reviewCommentJson, reviewJson } from './conversation-objects.js';
import { commentJson, issueJson, pullJson, repoJson, userJson } from './objects.js';
import { conversationOf, type FakeGitHubState, type FakeIssue, type FakeRepo } from './state.js';

// Webhook payloads built from the fake's state, shaped like GitHub's deliveries (checked against the
// @octokit/webhooks-examples payloads in fixtures/github-webhooks), and a sender that signs and POSTs them.

type Json = Record<string, unknown>;

/** Where a payload's pull request or issue lives. */
export interface GitHubItemRef {
  readonly owner: string;
  readonly repo: string;
  /** Issue or pull request number. */
  readonly number: number;
}

/** What the payload builders need from a started fake: its URL (API root) and its state. */
export interface GitHubEventSource {
  readonly url: string;
  readonly state: FakeGitHubState;
}

function lookup(source: GitHubEventSource, ref: GitHubItemRef): { repo: FakeRepo; item: FakeIssue } {
  const repo = source.state.repo(ref.owner, ref.repo);
  const item = repo?.items[ref.number - 1];
  if (repo === undefined || item === undefined)
    throw new Error(`fake-github: no issue or pull request ${ref.owner}/${ref.repo}#${ref.number}`);
  return { repo, item };
}

/** The webhook `repository` object: the REST repository plus the timestamps hooks carry. */
function hookRepository(base: string, repo: FakeRepo): Json {
  return { ...repoJson(base, repo, false), pushed_at: repo.createdAt };
}

function hookPull(base: string, repo: FakeRepo, item: FakeIssue): Json {
  // The base sha is not read from git here (the payload is built synchronously); GitHub sends it, so
  // the fake sends the branch table's value or zeros.
  const baseSha = repo.branches.get(item.pull?.base ?? repo.defaultBranch) ?? '0'.repeat(40);
  return pullJson(base, repo, item, baseSha);
}

/**
 * A `pull_request_review` payload for review `reviewId` of pull request `ref` (action `submitted` by
 * default; also `edited`, `dismissed`). Throws when the review does not exist. `review.state` is lower case,
 * as in deliveries (`approved`, `changes_requested`, `commented`).
 */
export function githubReviewEvent(
  source: GitHubEventSource,
  ref: GitHubItemRef,
  reviewId: number,
  action: 'submitted' | 'edited' | 'dismissed' = 'submitted',
): Json {
  const { repo, item } = lookup(source, ref);
  const review =
    item.pull === undefined ? undefined : conversationOf(item.pull).reviews.find((r) => r.id === reviewId);
  if (review === undefined) throw new Error(`fake-github: no review ${reviewId} on #${ref.number}`);
  const json = reviewJson(source.url, repo, item, review);
  return {
    action,
    review: {
      ...json,
      body: review.body === '' ? null : review.body,
      state: review.state.toLowerCase(),
      submitted_at: review.submittedAt,
    },
    pull_request: hookPull(source.url, repo, item),
    repository: hookRepository(source.url, repo),
    sender: userJson(source.url, review.author),
  };
}

/** A `pull_request_review_comment` payload (action `created` by default) for review comment `commentId`. */
export function githubReviewCommentEvent(
  source: GitHubEventSource,
  ref: GitHubItemRef,
  commentId: number,
  action: 'created' | 'edited' | 'deleted' = 'created',
): Json {
  const { repo, item } = lookup(source, ref);
  const comment =
    item.pull === undefined ? undefined : conversationOf(item.pull).comments.find((c) => c.id === commentId);
  if (comment === undefined) throw new Error(`fake-github: no review comment ${commentId} on #${ref.number}`);
  return {
    action,
    comment: reviewCommentJson(source.url, repo, item, comment),
    pull_request: hookPull(source.url, repo, item),
    repository: hookRepository(source.url, repo),
    sender: userJson(source.url, comment.author),
  };
}

/**
 * An `issue_comment` payload (action `created` by default) for comment `commentId` on issue or pull request
 * `ref` (on a pull request, `issue.pull_request` is set, which is how receivers tell the two apart).
 */
export function githubIssueCommentEvent(
  source: GitHubEventSource,
  ref: GitHubItemRef,
  commentId: number,
  action: 'created' | 'edited' | 'deleted' = 'created',
): Json {
  const { repo, item } = lookup(source, ref);
  const comment = item.comments.find((c) => c.id === commentId);
  if (comment === undefined) throw new Error(`fake-github: no comment ${commentId} on #${ref.number}`);
  return {
    action,
    issue: issueJson(source.url, repo, item),
    comment: commentJson(source.url, repo, item, comment),
    repository: hookRepository(source.url, repo),
    sender: userJson(source.url, comment.author),
  };
}

/**
 * Delivers `payload` as GitHub does: `POST url` with the JSON body, `X-GitHub-Event: event`, a fresh
 * `X-GitHub-Delivery` (or `options.deliveryId`) and `X-Hub-Signature-256` over the exact body with `secret`.
 * Resolves with the receiver's response; rejects only when the request cannot be sent.
 */
export function sendGitHubWebhook(
  url: string,
  event: 'pull_request_review' | 'pull_request_review_comment' | 'issue_comment' | (string & {}),
  payload: unknown,
  secret: string,
  options: GitHubWebhookRequestOptions = {},
): Promise<Response> {
  return fetch(url, githubWebhookRequest(event, payload, secret, options));
}
