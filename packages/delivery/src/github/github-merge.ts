/**
 * What a merge gate asks GitHub (issue #15): a pull request's head SHA and state, the CI result for a SHA
 * (check runs and commit statuses, combined), and the merge itself with the head-SHA guard — GitHub's
 * `sha` parameter makes it answer 409 when the branch moved after the gates looked at it.
 * Sources: GitHub REST docs "Merge a pull request" (405 not mergeable, 409 head modified), "List check
 * runs for a Git reference", "Get the combined status for a specific reference".
 */
import { Octokit } from '@octokit/rest';
import {
  createGitHubConfig,
  githubClientOptions,
  okAsync,
  ResultAsync,
  readUpstreamFailure,
} from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from '../errors.js';
import { type CiCheck, combineCi, type MergeClient, withSummary } from '../merge.js';
import { type GitHubForgeOptions, githubError } from './github-forge.js';

/** Check-run conclusions that fail CI (GitHub: `action_required`, `cancelled`, `failure`, `startup_failure`, `timed_out`, `stale`). */
const FAILING_CONCLUSIONS = new Set([
  'action_required',
  'cancelled',
  'failure',
  'startup_failure',
  'timed_out',
  'stale',
]);

/**
 * The merge-gate calls for one GitHub repository (see the module comment): the forge-neutral
 * {@link MergeClient}. `merge` errors: MERGE_HEAD_MOVED (409), MERGE_NOT_ALLOWED (405/422: conflicts, branch
 * protection), FORGE_*.
 */
export type GitHubMergeClient = MergeClient;

export function createGitHubMergeClient(options: GitHubForgeOptions): GitHubMergeClient {
  const { owner, repo } = options;
  const octokit = new Octokit({
    ...githubClientOptions(
      createGitHubConfig({
        token: options.token,
        baseUrl: options.baseUrl,
        fetch: options.fetch,
        userAgent: options.userAgent ?? 'worktrain-delivery',
      }),
    ),
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const call = <T>(what: string, run: () => Promise<T>) =>
    ResultAsync.fromPromise(run(), (e) => githubError(e, what));
  return {
    changeRequestState: (number) =>
      call(`read pull request #${number}`, () =>
        octokit.rest.pulls.get({ owner, repo, pull_number: number }),
      ).map(({ data }) => ({
        number,
        url: data.html_url,
        headSha: data.head.sha,
        state: data.merged ? 'merged' : data.state === 'open' ? 'open' : 'closed',
        mergeable: data.mergeable ?? null,
        mergeCommitSha: data.merged ? (data.merge_commit_sha ?? null) : null,
      })),
    ciStatus: (sha) =>
      call(`read check runs of ${sha}`, () =>
        octokit.rest.checks.listForRef({ owner, repo, ref: sha, per_page: 100 }),
      ).andThen(({ data: runs }) =>
        call(`read the combined status of ${sha}`, () =>
          octokit.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha, per_page: 100 }),
        ).map(({ data: combined }) => {
          const checks: CiCheck[] = [
            ...runs.check_runs.map((r) => ({
              name: r.name,
              state:
                r.status !== 'completed'
                  ? ('pending' as const)
                  : FAILING_CONCLUSIONS.has(r.conclusion ?? '')
                    ? ('failure' as const)
                    : ('success' as const),
              url: r.details_url ?? r.html_url ?? null,
            })),
            ...combined.statuses.map((s) => ({
              name: s.context,
              state:
                s.state === 'success'
                  ? ('success' as const)
                  : s.state === 'pending'
                    ? ('pending' as const)
                    : ('failure' as const),
              url: s.target_url ?? null,
            })),
          ];
          return { sha, state: combineCi(checks), checks };
        }),
      ),
    merge: (input) =>
      ResultAsync.fromPromise(
        octokit.rest.pulls.merge({
          owner,
          repo,
          pull_number: input.number,
          sha: input.sha,
          merge_method: input.method,
          ...(input.title === undefined ? {} : { commit_title: input.title }),
        }),
        (e): DeliveryError => {
          const { status } = readUpstreamFailure(e);
          if (status === 409)
            return deliveryError(
              'MERGE_HEAD_MOVED',
              `Pull request #${input.number} moved past ${input.sha}; not merged.`,
              {
                status,
                number: input.number,
                sha: input.sha,
              },
            );
          if (status === 405 || status === 422)
            return deliveryError(
              'MERGE_NOT_ALLOWED',
              `GitHub refused to merge pull request #${input.number}.`,
              {
                status,
                number: input.number,
                githubMessage: readUpstreamFailure(e).message,
              },
            );
          return githubError(e, `merge pull request #${input.number}`);
        },
      ).map(({ data }) => ({ number: input.number, sha: data.sha, merged: data.merged })),
    publishSummary: (number, markdown) =>
      call(`read pull request #${number}`, () =>
        octokit.rest.pulls.get({ owner, repo, pull_number: number }),
      ).andThen(({ data }) => {
        const body = withSummary(data.body ?? null, markdown);
        return body === data.body
          ? okAsync(undefined)
          : call(`update the description of pull request #${number}`, () =>
              octokit.rest.pulls.update({ owner, repo, pull_number: number, body }),
            ).map(() => undefined);
      }),
  };
}
