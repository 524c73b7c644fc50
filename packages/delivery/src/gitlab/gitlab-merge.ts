/**
 * What a merge gate asks GitLab (issue #15), the twin of `github/github-merge.ts` behind {@link MergeClient}.
 * Sources (docs.gitlab.com/api): "Get single MR" and "Merge a merge request" (merge_requests), "List project
 * pipelines" (pipelines), "List the statuses of a commit" (commits), "Rebase a merge request".
 *
 * - State: `GET /projects/:id/merge_requests/:iid`. `opened` and `locked` (a merge under way) read open.
 *   Mergeable from `detailed_merge_status` (GitLab 15.6+; `merge_status` before): `mergeable` → true;
 *   `checking`, `unchecked`, `preparing`, `approvals_syncing` → null (not computed yet); any other status
 *   (`conflict`, `draft_status`, `not_approved`, `ci_must_pass`, `ci_still_running`, `not_open`, …) → false.
 *   GitLab folds CI and approvals into it, so read CI first. The merge commit is `merge_commit_sha`, else
 *   `squash_commit_sha`, else (fast-forward merge) the head.
 * - CI: the newest pipeline for the SHA (`GET /projects/:id/pipelines?sha=…&order_by=id&sort=desc`) —
 *   GitLab's own "pipelines must succeed" check reads the MR's newest pipeline for its head — plus the
 *   commit's statuses (`GET /projects/:id/repository/commits/:sha/statuses`), combined by {@link combineCi}.
 *   Pipelines of source `external` only hold posted commit statuses, which the statuses list reports one by
 *   one, so they are not "the pipeline". Pipeline status: success → success; failed, canceled (and unknown
 *   ones, e.g. `canceling`) → failure; created, waiting_for_resource, preparing, pending, running,
 *   scheduled, manual → pending; **skipped → failure**: GitLab documents a skipped pipeline as blocking a
 *   "pipelines must succeed" merge unless the project opts in ("Skipped pipelines are considered
 *   successful", `allow_merge_on_skipped_pipeline`, default off), and it is no evidence that anything ran.
 *   A status with `allow_failure` never blocks (GitLab's pipeline passes with it failed) and a `skipped`
 *   status is neutral; statuses of an older, non-external pipeline for the same SHA (`pipeline_id`, GitLab
 *   17+) are superseded by the newest run. No pipeline and no status → `none`.
 * - Merge: `PUT /projects/:id/merge_requests/:iid/merge` with `sha` (GitLab answers 409 "SHA does not match
 *   HEAD of source branch: <head>" when the branch moved → MERGE_HEAD_MOVED) and `squash: true` for
 *   `squash`; 405 (not open, draft, required pipeline not green), 406 / 422 "Branch cannot be merged"
 *   (conflicts; 422 on newer GitLab) → MERGE_NOT_ALLOWED. GitLab has no per-request rebase merge: its
 *   rebase endpoint (`PUT …/rebase`, asynchronous) rewrites the head, which the head-SHA guard exists to
 *   refuse, and fast-forward merging is a project setting — so `rebase` is INVALID_INPUT with no request made.
 */
import type { Gitlab } from '@gitbeaker/rest';
import { errAsync, okAsync, ResultAsync, readUpstreamFailure } from '@worktrain/contracts';
import * as z from 'zod';
import { type DeliveryError, deliveryError } from '../errors.js';
import {
  type ChangeRequestMerge,
  type ChangeRequestState,
  type CiCheck,
  combineCi,
  type MergeChangeRequestInput,
  type MergeClient,
  withSummary,
} from '../merge.js';
import { createGitLabApi, type GitLabForgeOptions, gitlabCall, gitlabError } from './gitlab-forge.js';

/** The merge-gate calls for one GitLab project (see the module comment). */
export type GitLabMergeClient = MergeClient;

const mergeRequestSchema = z.looseObject({
  iid: z.number().int(),
  web_url: z.string(),
  state: z.string(),
  sha: z.string().nullable(),
  detailed_merge_status: z.string().optional(),
  merge_status: z.string().optional(),
  merge_commit_sha: z.string().nullable().optional(),
  squash_commit_sha: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
});
type MergeRequest = z.infer<typeof mergeRequestSchema>;
const pipelineSchema = z.looseObject({
  id: z.number().int(),
  status: z.string(),
  ref: z.string().nullable().optional(),
  source: z.string().nullable().optional(),
  web_url: z.string().nullable().optional(),
});
const commitStatusSchema = z.looseObject({
  name: z.string(),
  status: z.string(),
  target_url: z.string().nullable().optional(),
  allow_failure: z.boolean().optional(),
  pipeline_id: z.number().int().nullable().optional(),
});

const NOT_COMPUTED = new Set(['checking', 'unchecked', 'preparing', 'approvals_syncing']);
const LEGACY_NOT_COMPUTED = new Set(['unchecked', 'checking', 'cannot_be_merged_rechecking', 'preparing']);
const RUNNING = new Set([
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'scheduled',
  'manual',
]);

/** Mergeability from `detailed_merge_status`, or `merge_status` on GitLab before 15.6. */
function mergeableOf(mr: MergeRequest): boolean | null {
  const detailed = mr.detailed_merge_status;
  if (detailed !== undefined)
    return detailed === 'mergeable' ? true : NOT_COMPUTED.has(detailed) ? null : false;
  if (mr.merge_status === undefined || LEGACY_NOT_COMPUTED.has(mr.merge_status)) return null;
  return mr.merge_status === 'can_be_merged';
}

/** A pipeline's or job's status as a CI state (see the module comment); null for a neutral one. */
function gitlabCiState(status: string, kind: 'pipeline' | 'status'): CiCheck['state'] | null {
  if (status === 'success') return 'success';
  if (status === 'skipped') return kind === 'pipeline' ? 'failure' : null;
  return RUNNING.has(status) ? 'pending' : 'failure';
}

/**
 * The merge-gate client for one GitLab project (`project`: numeric id or full path) over `@gitbeaker/rest`,
 * with the forge adapter's connection settings and error mapping. See the module comment for what each call
 * reads and how GitLab's answers map. Errors: FORGE_* from every call (FORGE_FAILED also for an MR without
 * a head commit); `merge` adds MERGE_HEAD_MOVED (details: status, number, sha, head), MERGE_NOT_ALLOWED
 * (details: status, number, gitlabMessage) and INVALID_INPUT for `method: 'rebase'`. A merge GitLab accepted
 * but has not finished (the MR answers `locked`) returns `merged: false` with the head as `sha`; read the
 * state again for the merge commit.
 */
export function createGitLabMergeClient(
  options: Pick<GitLabForgeOptions, 'project' | 'token' | 'tokenType' | 'baseUrl' | 'timeoutMs'>,
): GitLabMergeClient {
  const { project } = options;
  const api: InstanceType<typeof Gitlab> = createGitLabApi(options);
  const call = gitlabCall(project);

  const toState = (mr: MergeRequest): ResultAsync<ChangeRequestState, DeliveryError> => {
    if (mr.sha === null)
      return errAsync(
        deliveryError('FORGE_FAILED', `Merge request !${mr.iid} has no head commit`, { number: mr.iid }),
      );
    const merged = mr.state === 'merged';
    return okAsync({
      number: mr.iid,
      url: mr.web_url,
      headSha: mr.sha,
      state: merged ? 'merged' : mr.state === 'opened' || mr.state === 'locked' ? 'open' : 'closed',
      mergeable: mergeableOf(mr),
      mergeCommitSha: merged ? (mr.merge_commit_sha ?? mr.squash_commit_sha ?? mr.sha) : null,
    });
  };

  const ciStatus: MergeClient['ciStatus'] = (sha) =>
    call(`list the pipelines of ${sha}`, z.array(pipelineSchema), () =>
      api.Pipelines.all(project, { sha, orderBy: 'id', sort: 'desc', perPage: 100, maxPages: 1 }),
    ).andThen((pipelines) =>
      call(`list the statuses of ${sha}`, z.array(commitStatusSchema), () =>
        api.Commits.allStatuses(project, sha),
      ).map((statuses) => {
        const runs = pipelines.filter((p) => p.source !== 'external');
        const newest = runs[0];
        const superseded = new Set(runs.slice(1).map((p) => p.id));
        const checks: CiCheck[] = [];
        if (newest !== undefined)
          checks.push({
            name: `pipeline #${newest.id}${newest.ref ? ` (${newest.ref})` : ''}`,
            state: gitlabCiState(newest.status, 'pipeline') ?? 'failure',
            url: newest.web_url ?? null,
          });
        for (const s of statuses) {
          if (s.allow_failure === true || (s.pipeline_id != null && superseded.has(s.pipeline_id))) continue;
          const state = gitlabCiState(s.status, 'status');
          if (state !== null) checks.push({ name: s.name, state, url: s.target_url ?? null });
        }
        return { sha, state: combineCi(checks), checks };
      }),
    );

  const mergeError = (thrown: unknown, input: MergeChangeRequestInput): DeliveryError => {
    const { status, message } = readUpstreamFailure(thrown);
    if (status === 409)
      return deliveryError(
        'MERGE_HEAD_MOVED',
        `Merge request !${input.number} moved past ${input.sha}; not merged.`,
        {
          status,
          number: input.number,
          sha: input.sha,
          head: /\b([0-9a-f]{40})\b/.exec(message)?.[1] ?? null,
        },
      );
    if (status === 405 || status === 406 || status === 422)
      return deliveryError('MERGE_NOT_ALLOWED', `GitLab refused to merge merge request !${input.number}.`, {
        status,
        number: input.number,
        gitlabMessage: message,
      });
    return gitlabError(thrown, `merge merge request !${input.number}`, project);
  };

  const merge: MergeClient['merge'] = (input) => {
    if (input.method === 'rebase')
      return errAsync(
        deliveryError(
          'INVALID_INPUT',
          "GitLab has no per-request rebase merge; use 'merge' or 'squash' (set the project's merge method to fast-forward for a linear history)",
          { method: input.method, supported: ['merge', 'squash'] },
        ),
      );
    const squash = input.method === 'squash';
    const message =
      input.title === undefined
        ? {}
        : squash
          ? { squashCommitMessage: input.title }
          : { mergeCommitMessage: input.title };
    return ResultAsync.fromPromise(
      api.MergeRequests.merge(project, input.number, { sha: input.sha, squash, ...message }),
      (thrown) => mergeError(thrown, input),
    ).andThen((raw): ResultAsync<ChangeRequestMerge, DeliveryError> => {
      const parsed = mergeRequestSchema.safeParse(raw);
      if (!parsed.success)
        return errAsync(deliveryError('FORGE_FAILED', 'GitLab answered an unexpected merge request shape'));
      const mr = parsed.data;
      const merged = mr.state === 'merged';
      return okAsync({
        number: input.number,
        sha: (merged ? (mr.merge_commit_sha ?? mr.squash_commit_sha) : null) ?? mr.sha ?? input.sha,
        merged,
      });
    });
  };

  return {
    changeRequestState: (number) =>
      call(`read merge request !${number}`, mergeRequestSchema, () =>
        api.MergeRequests.show(project, number),
      ).andThen(toState),
    ciStatus,
    merge,
    publishSummary: (number, markdown) =>
      call(`read merge request !${number}`, mergeRequestSchema, () =>
        api.MergeRequests.show(project, number),
      ).andThen((mr) => {
        const description = withSummary(mr.description ?? null, markdown);
        return description === mr.description
          ? okAsync(undefined)
          : call(`update the description of merge request !${number}`, mergeRequestSchema, () =>
              api.MergeRequests.edit(project, number, { description }),
            ).map(() => undefined);
      }),
  };
}
