import { Octokit } from '@octokit/rest';
import {
  classifyUpstreamFailure,
  createGitHubConfig,
  errAsync,
  githubClientOptions,
  okAsync,
  ResultAsync,
  readUpstreamFailure,
} from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from '../errors.js';
import type {
  ChangeRequest,
  ChangeRequestInput,
  CloseChangeRequestInput,
  ClosedChangeRequest,
  ForgeClient,
  IssueComment,
  IssueCommentInput,
} from '../forge.js';

/** Settings of {@link createGitHubForge}. */
export interface GitHubForgeOptions {
  readonly owner: string;
  readonly repo: string;
  /** Token with `pull_requests: write` and `issues: write` (or classic `repo`). Never logged. */
  readonly token: string;
  /** API base URL; default `https://api.github.com` (GitHub Enterprise: `https://host/api/v3`). */
  readonly baseUrl?: string;
  /** Owner of the head branch when it lives in a fork; default `owner`. */
  readonly headOwner?: string;
  /** Custom fetch (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch;
  readonly userAgent?: string;
}

/**
 * Maps an Octokit `RequestError` onto delivery codes by contracts' one upstream classifier (401 auth, 429 or
 * a 403 with an exhausted limit or `retry-after` rate limited, 404 not found, anything else failed); only the
 * status and GitHub's message are kept.
 */
export function githubError(thrown: unknown, what: string): DeliveryError {
  const failure = readUpstreamFailure(thrown);
  const { kind, status } = classifyUpstreamFailure(failure, Date.now());
  const apiMessage = githubMessage(failure.data) ?? failure.message;
  const details = { status, githubMessage: apiMessage };
  if (kind === 'auth')
    return deliveryError('FORGE_AUTH_FAILED', `GitHub rejected the token while trying to ${what}`, details);
  if (kind === 'rate_limited')
    return deliveryError('FORGE_RATE_LIMITED', `GitHub rate limit hit while trying to ${what}`, details);
  if (kind === 'not_found')
    return deliveryError(
      'FORGE_NOT_FOUND',
      `GitHub answered 404 while trying to ${what} (missing repo or no access)`,
      details,
    );
  return deliveryError('FORGE_FAILED', `GitHub failed to ${what}: ${apiMessage}`, details);
}

function githubMessage(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const record = data as { message?: unknown; errors?: unknown };
  const nested = Array.isArray(record.errors)
    ? record.errors.flatMap((e) =>
        typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string'
          ? [(e as { message: string }).message]
          : [],
      )
    : [];
  const top = typeof record.message === 'string' ? record.message : undefined;
  return [top, ...nested].filter((m) => m !== undefined).join(': ') || undefined;
}

/** True for GitHub's 422 "A pull request already exists for owner:branch." */
export function isPullRequestAlreadyExists(thrown: unknown): boolean {
  const failure = readUpstreamFailure(thrown);
  return (
    failure.status === 422 &&
    /pull request already exists/i.test(githubMessage(failure.data) ?? failure.message)
  );
}

/**
 * GitHub delivery target over `@octokit/rest`. Pull requests are found by head branch first
 * (`GET /repos/{o}/{r}/pulls?head=owner:branch&state=all`), so a retried delivery updates instead of opening a
 * second PR; a 422 "already exists" (someone else won a race) is answered by looking it up again. A PR that
 * was closed or merged while the session ran is reported (PR_CLOSED / PR_MERGED), never reopened. Issue
 * comments are found by their hidden marker and updated.
 */
export function createGitHubForge(options: GitHubForgeOptions): ForgeClient {
  const { owner, repo } = options;
  const headOwner = options.headOwner ?? owner;
  const forge = createGitHubConfig({
    token: options.token,
    baseUrl: options.baseUrl,
    fetch: options.fetch,
    userAgent: options.userAgent ?? 'worktrain-delivery',
  });
  const octokit = new Octokit({
    ...githubClientOptions(forge),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const call = <T>(what: string, run: () => Promise<T>) =>
    ResultAsync.fromPromise(run(), (e) => githubError(e, what));

  const findPull = (branch: string) =>
    call('list pull requests', () =>
      octokit.rest.pulls.list({ owner, repo, head: `${headOwner}:${branch}`, state: 'all', per_page: 100 }),
    ).map(({ data }) => {
      const open = data.find((p) => p.state === 'open');
      return { open, closed: open === undefined ? data[0] : undefined };
    });

  const updateIfNeeded = (
    pull: { number: number; html_url: string; title: string; body: string | null },
    input: ChangeRequestInput,
  ): ResultAsync<ChangeRequest, DeliveryError> => {
    if (pull.title === input.title && (pull.body ?? '') === input.body) {
      return okAsync({ number: pull.number, url: pull.html_url, created: false, updated: false });
    }
    return call('update the pull request', () =>
      octokit.rest.pulls.update({
        owner,
        repo,
        pull_number: pull.number,
        title: input.title,
        body: input.body,
      }),
    ).map(() => ({ number: pull.number, url: pull.html_url, created: false, updated: true }));
  };

  const openOrUpdateChangeRequest = (input: ChangeRequestInput): ResultAsync<ChangeRequest, DeliveryError> =>
    findPull(input.headBranch).andThen(({ open, closed }): ResultAsync<ChangeRequest, DeliveryError> => {
      if (open !== undefined) return updateIfNeeded(open, input);
      if (closed !== undefined) {
        const merged = closed.merged_at !== null && closed.merged_at !== undefined;
        return errAsync(
          deliveryError(
            merged ? 'PR_MERGED' : 'PR_CLOSED',
            `Pull request #${closed.number} for ${input.headBranch} was ${merged ? 'merged' : 'closed'}; not reopening it`,
            { number: closed.number, url: closed.html_url },
          ),
        );
      }
      return ResultAsync.fromPromise(
        octokit.rest.pulls.create({
          owner,
          repo,
          head: headOwner === owner ? input.headBranch : `${headOwner}:${input.headBranch}`,
          base: input.baseBranch,
          title: input.title,
          body: input.body,
          draft: input.draft ?? false,
        }),
        (thrown) => thrown,
      )
        .map(
          ({ data }): ChangeRequest => ({
            number: data.number,
            url: data.html_url,
            created: true,
            updated: false,
          }),
        )
        .orElse((thrown) => {
          if (!isPullRequestAlreadyExists(thrown))
            return errAsync(githubError(thrown, 'open the pull request'));
          return findPull(input.headBranch).andThen(({ open: raced }) =>
            raced === undefined
              ? errAsync(githubError(thrown, 'open the pull request'))
              : updateIfNeeded(raced, input),
          );
        });
    });

  const upsertIssueComment = (input: IssueCommentInput): ResultAsync<IssueComment, DeliveryError> => {
    if (!input.body.includes(input.marker))
      throw new Error('upsertIssueComment: body must contain the marker');
    return call('list issue comments', () =>
      octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: input.issueNumber,
        per_page: 100,
      }),
    ).andThen((comments) => {
      const mine = comments.find((c) => (c.body ?? '').includes(input.marker));
      if (mine === undefined) {
        return call('comment on the issue', () =>
          octokit.rest.issues.createComment({
            owner,
            repo,
            issue_number: input.issueNumber,
            body: input.body,
          }),
        ).map(({ data }) => ({ id: data.id, url: data.html_url, created: true }));
      }
      if (mine.body === input.body) return okAsync({ id: mine.id, url: mine.html_url, created: false });
      return call('update the issue comment', () =>
        octokit.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body: input.body }),
      ).map(() => ({ id: mine.id, url: mine.html_url, created: false }));
    });
  };

  const closeChangeRequest = (
    input: CloseChangeRequestInput,
  ): ResultAsync<ClosedChangeRequest, DeliveryError> =>
    call('read the pull request', () =>
      octokit.rest.pulls.get({ owner, repo, pull_number: input.number }),
    ).andThen(({ data: pull }) => {
      if (pull.merged_at !== null && pull.merged_at !== undefined)
        return errAsync(
          deliveryError(
            'PR_MERGED',
            `Pull request #${pull.number} is already merged; revert it on the base branch instead`,
            {
              number: pull.number,
              url: pull.html_url,
            },
          ),
        );
      return upsertIssueComment({
        issueNumber: input.number,
        marker: input.marker,
        body: input.comment,
      }).andThen((comment) =>
        pull.state === 'closed'
          ? okAsync({ number: pull.number, url: pull.html_url, closedNow: false, commentUrl: comment.url })
          : call('close the pull request', () =>
              octokit.rest.pulls.update({ owner, repo, pull_number: input.number, state: 'closed' }),
            ).map(() => ({
              number: pull.number,
              url: pull.html_url,
              closedNow: true,
              commentUrl: comment.url,
            })),
      );
    });

  return {
    target: `github:${owner}/${repo}`,
    templateForge: 'github',
    closeChangeRequest,
    openOrUpdateChangeRequest,
    upsertIssueComment,
  };
}
