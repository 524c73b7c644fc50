import type * as z from 'zod';
import { commitStatusJson, type gitlabRenderer } from './objects.js';
import { type Json, message, type Reply, type RouteRegistrar } from './route-types.js';
import {
  gitlabCommitStatusSchema,
  gitlabMemberSchema,
  gitlabMergeRequestDetailSchema,
  gitlabPipelineSchema,
  listCommitStatusesQuery,
  listPipelinesQuery,
  mergeBody,
  pageQuery,
} from './schemas.js';
import {
  type FakeGitLabPipeline,
  type FakeGitLabProject,
  type FakeGitLabState,
  headShaFor,
} from './state.js';

/** What the route modules need from the server: the state, the renderer and the request body check. */
export interface GitLabRouteKit {
  readonly state: FakeGitLabState;
  readonly render: () => ReturnType<typeof gitlabRenderer>;
  /** The 400 GitLab answers for a body that breaks `schema` (recorded as a violation), or undefined. */
  readonly requestProblem: (schema: z.ZodType, body: Json, name: string) => Reply | undefined;
}

const isDraft = (title: string): boolean => /^(draft:|\[draft\]|\(draft\))/i.test(title);
const isTrue = (value: unknown): boolean => value === true || value === 'true';

/**
 * Merge with the `sha` guard (and `squash`), pipelines of a commit or a merge request, the statuses of a
 * commit, and a member's access level: what a merge gate reads and does on GitLab.
 */
export function registerMergeRoutes(route: RouteRegistrar, kit: GitLabRouteKit): void {
  const { state, render } = kit;
  const pipelineJson = (project: FakeGitLabProject, pipeline: FakeGitLabPipeline) => ({
    id: pipeline.id,
    iid: pipeline.iid,
    project_id: project.id,
    sha: pipeline.sha,
    ref: pipeline.ref,
    status: pipeline.status,
    source: pipeline.source,
    created_at: pipeline.createdAt,
    updated_at: pipeline.updatedAt,
    web_url: `${render().project(project).web_url}/-/pipelines/${pipeline.id}`,
  });

  // GitLab: 405 "405 Method Not Allowed" when the MR is not open or is a draft; 406 "Branch cannot be
  // merged" when it cannot be merged (conflicts; GitLab 16+ answers 422 for some of these); 409 "SHA does not
  // match HEAD of source branch: <head>" when `sha` is not the head; 200 with the merged MR otherwise.
  route('PUT', '/merge_requests/:iid/merge', 'mergeMergeRequest', ({ project, params, body, userId }) => {
    const mr = project.mergeRequests.find((m) => String(m.iid) === params.iid);
    if (mr === undefined) return message(404, '404 Not found');
    const bad = kit.requestProblem(mergeBody, body, 'mergeMergeRequest');
    if (bad !== undefined) return bad;
    if (mr.state !== 'opened' || isDraft(mr.title)) return message(405, '405 Method Not Allowed');
    if (mr.mergeable === false) return message(406, 'Branch cannot be merged');
    const head = mr.sha ?? headShaFor(project, mr.sourceBranch, 0);
    if (typeof body.sha === 'string' && body.sha !== head)
      return message(409, `SHA does not match HEAD of source branch: ${head}`);
    const now = state.now();
    // GitLab squashes the source commits into one commit first, then merges it (merge commit method).
    if (isTrue(body.squash)) {
      mr.squash = true;
      mr.squashCommitSha = headShaFor(project, `${mr.sourceBranch}:squash`, state.id());
    }
    mr.state = 'merged';
    mr.mergedAt = now;
    mr.mergedById = userId;
    mr.mergeCommitSha = headShaFor(project, mr.targetBranch, state.id());
    mr.updatedAt = now;
    return {
      status: 200,
      body: render().mergeRequest(project, mr, true),
      schema: gitlabMergeRequestDetailSchema,
    };
  });

  route(
    'GET',
    '/pipelines',
    'listProjectPipelines',
    ({ project, query }) => {
      const list = project.pipelines
        .filter(
          (p) =>
            (query.sha === undefined || p.sha === query.sha) &&
            (query.ref === undefined || p.ref === query.ref) &&
            (query.status === undefined || p.status === query.status) &&
            (query.source === undefined || p.source === query.source),
        )
        .sort((a, b) => (query.sort === 'asc' ? a.id - b.id : b.id - a.id))
        .map((p) => pipelineJson(project, p));
      return { status: 200, body: list, list, schema: gitlabPipelineSchema };
    },
    listPipelinesQuery,
  );

  // Pipelines of the MR's source branch and its merge request pipelines (`refs/merge-requests/<iid>/head`),
  // newest first.
  route(
    'GET',
    '/merge_requests/:iid/pipelines',
    'listMergeRequestPipelines',
    ({ project, params }) => {
      const mr = project.mergeRequests.find((m) => String(m.iid) === params.iid);
      if (mr === undefined) return message(404, '404 Not found');
      const list = project.pipelines
        .filter((p) => p.ref === mr.sourceBranch || p.ref === `refs/merge-requests/${mr.iid}/head`)
        .sort((a, b) => b.id - a.id)
        .map((p) => pipelineJson(project, p));
      return { status: 200, body: list, list, schema: gitlabPipelineSchema };
    },
    pageQuery,
  );

  // The statuses of a commit, oldest first by default (`order_by` id or pipeline_id, `sort`). Real GitLab
  // also lists the jobs of the commit's pipelines here; the fake's pipelines have no jobs, so only the
  // statuses set with `state.setCommitStatus` appear. The fake has no git either: an unknown sha lists none
  // where GitLab answers 404 "404 Commit Not Found".
  route(
    'GET',
    '/repository/commits/:sha/statuses',
    'listCommitStatuses',
    ({ project, params, query }) => {
      const key = query.order_by === 'pipeline_id' ? 'pipelineId' : 'id';
      const sign = query.sort === 'desc' ? -1 : 1;
      const list = project.commitStatuses
        .filter(
          (s) =>
            s.sha === params.sha &&
            (query.ref === undefined || s.ref === query.ref) &&
            (query.name === undefined || s.name === query.name) &&
            (query.pipeline_id === undefined || String(s.pipelineId) === query.pipeline_id),
        )
        .sort((a, b) => sign * (a[key] - b[key] || a.id - b.id))
        .map((s) => commitStatusJson(s, render().userJson(s.authorId)));
      return { status: 200, body: list, list, schema: gitlabCommitStatusSchema };
    },
    listCommitStatusesQuery,
  );

  route('GET', '/members/all/:userId', 'getProjectMemberAll', ({ project, params }) => {
    const user = state.users.find((u) => String(u.id) === params.userId);
    const level = user === undefined ? undefined : project.members.get(user.id);
    if (user === undefined || level === undefined) return message(404, '404 Not found');
    const json = {
      ...render().userJson(user.id),
      access_level: level,
      created_at: project.createdAt,
      created_by: null,
      expires_at: null,
      membership_state: 'active',
    };
    return { status: 200, body: json, schema: gitlabMemberSchema };
  });
}
