import * as z from 'zod';

// Shapes of GitLab REST v4 answers the fake serves. The merge request schema lists every key of the real
// gitlab.com answers in fixtures/gitlab/get_merge_request(s).json (go-gitlab testdata) with its JSON type;
// project, issue and note follow docs.gitlab.com/api (see fixtures/gitlab/SOURCE.txt). Objects are loose
// (GitLab adds keys over time) but every listed key must be present with the right type.

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);

export const gitlabUserSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  username: z.string(),
  state: z.string(),
  avatar_url: z.string().nullable(),
  web_url: z.string(),
});

const timeStats = z.looseObject({
  time_estimate: z.number(),
  total_time_spent: z.number(),
  human_time_estimate: z.string().nullable(),
  human_total_time_spent: z.string().nullable(),
});

/** `GET /projects/:id/merge_requests/:iid` (and list items, which omit the detail-only keys). */
export const gitlabMergeRequestSchema = z.looseObject({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  state: z.enum(['opened', 'closed', 'locked', 'merged']),
  created_at: isoDate,
  updated_at: isoDate,
  merged_by: gitlabUserSchema.nullable(),
  merged_at: isoDate.nullable(),
  closed_by: gitlabUserSchema.nullable(),
  closed_at: isoDate.nullable(),
  target_branch: z.string(),
  source_branch: z.string(),
  user_notes_count: z.number().int(),
  upvotes: z.number().int(),
  downvotes: z.number().int(),
  assignee: gitlabUserSchema.nullable(),
  author: gitlabUserSchema,
  assignees: z.array(gitlabUserSchema),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
  labels: z.array(z.string()),
  work_in_progress: z.boolean(),
  milestone: z.looseObject({ id: z.number(), title: z.string() }).nullable(),
  merge_when_pipeline_succeeds: z.boolean(),
  detailed_merge_status: z.string(),
  sha: z.string().nullable(),
  merge_commit_sha: z.string().nullable(),
  // Newer GitLab answers carry it (null until a squash merge); the go-gitlab fixtures predate it.
  squash_commit_sha: z.string().nullable().optional(),
  discussion_locked: z.boolean().nullable(),
  should_remove_source_branch: z.boolean().nullable(),
  force_remove_source_branch: z.boolean().nullable(),
  reference: z.string(),
  web_url: z.string(),
  time_stats: timeStats,
  squash: z.boolean(),
  task_completion_status: z.looseObject({ count: z.number(), completed_count: z.number() }),
});

/** Detail-only keys of a single merge request (present in get_merge_request.json, not in list items). */
export const gitlabMergeRequestDetailSchema = gitlabMergeRequestSchema.extend({
  reviewers: z.array(gitlabUserSchema),
  merge_status: z.string(),
  subscribed: z.boolean(),
  changes_count: z.string().nullable(),
  diff_refs: z.looseObject({ base_sha: z.string(), head_sha: z.string(), start_sha: z.string() }).nullable(),
  merge_error: z.string().nullable(),
  user: z.looseObject({ can_merge: z.boolean() }),
  has_conflicts: z.boolean(),
  draft: z.boolean(),
});

export const gitlabProjectSchema = z.looseObject({
  id: z.number().int(),
  description: z.string().nullable(),
  name: z.string(),
  name_with_namespace: z.string(),
  path: z.string(),
  path_with_namespace: z.string(),
  created_at: isoDate,
  default_branch: z.string().nullable(),
  ssh_url_to_repo: z.string(),
  http_url_to_repo: z.string(),
  web_url: z.string(),
  visibility: z.enum(['private', 'internal', 'public']),
  namespace: z.looseObject({ id: z.number(), name: z.string(), path: z.string(), kind: z.string() }),
});

export const gitlabIssueSchema = z.looseObject({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  title: z.string(),
  description: z.string().nullable(),
  state: z.enum(['opened', 'closed']),
  created_at: isoDate,
  updated_at: isoDate,
  closed_at: isoDate.nullable(),
  labels: z.array(z.string()),
  author: gitlabUserSchema,
  assignees: z.array(gitlabUserSchema),
  user_notes_count: z.number().int(),
  web_url: z.string(),
  references: z.looseObject({ short: z.string(), relative: z.string(), full: z.string() }),
});

export const gitlabNoteSchema = z.looseObject({
  id: z.number().int(),
  type: z.string().nullable(),
  body: z.string(),
  attachment: z.string().nullable(),
  author: gitlabUserSchema,
  created_at: isoDate,
  updated_at: isoDate,
  system: z.boolean(),
  noteable_id: z.number().int(),
  noteable_type: z.enum(['Issue', 'MergeRequest']),
  noteable_iid: z.number().int(),
  project_id: z.number().int(),
  resolvable: z.boolean(),
  confidential: z.boolean(),
  internal: z.boolean(),
});

/** Request bodies the fake accepts (GitLab answers 400 `{"error": "…"}` for a missing required one). */
export const createMergeRequestBody = z.looseObject({
  source_branch: z.string().min(1),
  target_branch: z.string().min(1),
  title: z.string().min(1),
  description: z.string().optional(),
  labels: z.union([z.string(), z.array(z.string())]).optional(),
  remove_source_branch: z.boolean().optional(),
  squash: z.boolean().optional(),
});
export const updateMergeRequestBody = z.looseObject({
  title: z.string().optional(),
  description: z.string().optional(),
  target_branch: z.string().optional(),
  labels: z.union([z.string(), z.array(z.string())]).optional(),
  add_labels: z.union([z.string(), z.array(z.string())]).optional(),
  remove_labels: z.union([z.string(), z.array(z.string())]).optional(),
  state_event: z.enum(['close', 'reopen']).optional(),
});
export const updateIssueBody = z.looseObject({
  title: z.string().optional(),
  description: z.string().optional(),
  labels: z.union([z.string(), z.array(z.string())]).optional(),
  add_labels: z.union([z.string(), z.array(z.string())]).optional(),
  remove_labels: z.union([z.string(), z.array(z.string())]).optional(),
  state_event: z.enum(['close', 'reopen']).optional(),
});
export const noteBody = z.looseObject({ body: z.string().min(1) });

// Merge, pipelines, members and discussions. Fields follow docs.gitlab.com/api/merge_requests ("Merge a
// merge request"), /api/pipelines ("List project pipelines"), /api/merge_requests ("List merge request
// pipelines"), /api/members ("Get a member of a group or project, including inherited and invited
// members") and /api/discussions ("Merge requests"); the note hook follows fixtures/gitlab/
// webhook_note_merge_request.json (go-gitlab testdata, see SOURCE.txt).

const pipelineStatus = z.enum([
  'created',
  'waiting_for_resource',
  'preparing',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
  'manual',
  'scheduled',
]);

/** An item of `GET /projects/:id/pipelines` and `GET /projects/:id/merge_requests/:iid/pipelines`. */
export const gitlabPipelineSchema = z.looseObject({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  ref: z.string(),
  status: pipelineStatus,
  source: z.string(),
  created_at: isoDate,
  updated_at: isoDate,
  web_url: z.string(),
});

/**
 * An item of `GET /projects/:id/repository/commits/:sha/statuses` (docs.gitlab.com/api/commits, "List the
 * statuses of a commit"; keys as GitLab's `API::Entities::CommitStatus` exposes them).
 */
export const gitlabCommitStatusSchema = z.looseObject({
  id: z.number().int(),
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  ref: z.string().nullable(),
  status: z.enum(['created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'manual']),
  name: z.string(),
  target_url: z.string().nullable(),
  description: z.string().nullable(),
  created_at: isoDate,
  started_at: isoDate.nullable(),
  finished_at: isoDate.nullable(),
  allow_failure: z.boolean(),
  coverage: z.number().nullable(),
  pipeline_id: z.number().int().nullable(),
  author: gitlabUserSchema,
});

/** `GET /projects/:id/members/all/:user_id`. */
export const gitlabMemberSchema = gitlabUserSchema.extend({
  access_level: z.number().int(),
  created_at: isoDate,
  expires_at: z.string().nullable(),
});

/** A diff note's `position` (`position_type: text`). */
export const gitlabPositionSchema = z.looseObject({
  base_sha: z.string(),
  start_sha: z.string(),
  head_sha: z.string(),
  old_path: z.string(),
  new_path: z.string(),
  position_type: z.literal('text'),
  old_line: z.number().int().nullable(),
  new_line: z.number().int().nullable(),
});

/** A note inside a discussion: a note plus `resolvable` and, for diff notes, `position`. */
export const gitlabDiscussionNoteSchema = gitlabNoteSchema.extend({
  type: z.enum(['DiscussionNote', 'DiffNote']).nullable(),
  position: gitlabPositionSchema.optional(),
});

/** An item of `GET /projects/:id/merge_requests/:iid/discussions` (and the answer of POST). */
export const gitlabDiscussionSchema = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{40}$/),
  individual_note: z.boolean(),
  notes: z.array(gitlabDiscussionNoteSchema).min(1),
});

export const mergeBody = z.looseObject({
  sha: z.string().optional(),
  squash: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  merge_commit_message: z.string().optional(),
  squash_commit_message: z.string().optional(),
  should_remove_source_branch: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  merge_when_pipeline_succeeds: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  auto_merge: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});
const lineNumber = z.union([z.number().int().positive(), z.string().regex(/^[1-9]\d*$/)]);
export const discussionBody = z.looseObject({
  body: z.string().min(1),
  position: z
    .looseObject({
      base_sha: z.string().min(1),
      start_sha: z.string().min(1),
      head_sha: z.string().min(1),
      position_type: z.literal('text'),
      new_path: z.string().optional(),
      old_path: z.string().optional(),
      new_line: lineNumber.optional(),
      old_line: lineNumber.optional(),
    })
    .optional(),
});

/** Query parameters documented for `GET /projects/:id/pipelines` (a subset: the filters the fake applies). */
export const listPipelinesQuery = z.strictObject({
  page: z
    .string()
    .regex(/^[1-9]\d*$/)
    .optional(),
  per_page: z
    .string()
    .regex(/^[1-9]\d*$/)
    .optional(),
  sha: z.string().optional(),
  ref: z.string().optional(),
  status: pipelineStatus.optional(),
  source: z.string().optional(),
  scope: z.enum(['running', 'pending', 'finished', 'branches', 'tags']).optional(),
  order_by: z.enum(['id', 'status', 'ref', 'updated_at', 'user_id']).optional(),
  sort: z.enum(['asc', 'desc']).optional(),
  updated_after: z.string().optional(),
  updated_before: z.string().optional(),
});
export const pageQuery = z.strictObject({
  page: z
    .string()
    .regex(/^[1-9]\d*$/)
    .optional(),
  per_page: z
    .string()
    .regex(/^[1-9]\d*$/)
    .optional(),
});
/** Query parameters documented for `GET /projects/:id/repository/commits/:sha/statuses`. */
export const listCommitStatusesQuery = pageQuery.extend({
  ref: z.string().optional(),
  stage: z.string().optional(),
  name: z.string().optional(),
  pipeline_id: z
    .string()
    .regex(/^[1-9]\d*$/)
    .optional(),
  all: z.enum(['true', 'false']).optional(),
  order_by: z.enum(['id', 'pipeline_id']).optional(),
  sort: z.enum(['asc', 'desc']).optional(),
});
