import type {
  FakeGitLabCommitStatus,
  FakeGitLabIssue,
  FakeGitLabMergeRequest,
  FakeGitLabNote,
  FakeGitLabPosition,
  FakeGitLabProject,
  FakeGitLabState,
} from './state.js';

/** A diff note's `position` as GitLab renders it. */
export function positionJson(position: FakeGitLabPosition) {
  return {
    base_sha: position.baseSha,
    start_sha: position.startSha,
    head_sha: position.headSha,
    old_path: position.oldPath,
    new_path: position.newPath,
    position_type: 'text',
    old_line: position.oldLine,
    new_line: position.newLine,
    line_range: null,
  };
}

const isDraft = (title: string): boolean => /^(draft:|\[draft\]|\(draft\))/i.test(title);

/**
 * GitLab's `detailed_merge_status`, first failing check first as `DetailedMergeStatusService` orders them:
 * `checking` while mergeability is computed, then `not_open`, `draft_status`, `conflict`, else `mergeable`.
 */
function detailedMergeStatus(mr: FakeGitLabMergeRequest): string {
  if (mr.mergeable === null) return 'checking';
  if (mr.state !== 'opened') return 'not_open';
  if (isDraft(mr.title)) return 'draft_status';
  return mr.mergeable === false ? 'conflict' : 'mergeable';
}

/** A commit status as `GET /projects/:id/repository/commits/:sha/statuses` lists it. */
export function commitStatusJson(status: FakeGitLabCommitStatus, author: Record<string, unknown>) {
  return {
    id: status.id,
    sha: status.sha,
    ref: status.ref,
    status: status.status,
    name: status.name,
    target_url: status.targetUrl,
    description: status.description,
    created_at: status.createdAt,
    started_at: null,
    finished_at: null,
    allow_failure: status.allowFailure,
    coverage: null,
    pipeline_id: status.pipelineId,
    author,
  };
}

/** Renders state objects as GitLab REST v4 JSON (field names and types as in fixtures/gitlab). */
export function gitlabRenderer(state: FakeGitLabState, webBase: string) {
  const user = (id: number) => {
    const u = state.users.find((x) => x.id === id) ?? { id, username: `user${id}`, name: `User ${id}` };
    return {
      id: u.id,
      name: u.name,
      username: u.username,
      state: 'active',
      avatar_url: null,
      web_url: `${webBase}/${u.username}`,
    };
  };
  const byName = (username: string) => {
    const u = state.users.find((x) => x.username === username);
    return user(u?.id ?? 0);
  };
  const people = (usernames: readonly string[] | undefined) => (usernames ?? []).map(byName);
  const projectUrl = (p: FakeGitLabProject) => `${webBase}/${p.pathWithNamespace}`;
  const name = (p: FakeGitLabProject) => p.pathWithNamespace.split('/').at(-1) ?? p.pathWithNamespace;
  const namespace = (p: FakeGitLabProject) => p.pathWithNamespace.split('/').slice(0, -1).join('/');

  const project = (p: FakeGitLabProject) => ({
    id: p.id,
    description: null,
    name: name(p),
    name_with_namespace: p.pathWithNamespace.split('/').join(' / '),
    path: name(p),
    path_with_namespace: p.pathWithNamespace,
    created_at: p.createdAt,
    default_branch: p.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@fake-gitlab.invalid:${p.pathWithNamespace}.git`,
    http_url_to_repo: `${projectUrl(p)}.git`,
    web_url: projectUrl(p),
    readme_url: null,
    avatar_url: null,
    forks_count: 0,
    star_count: 0,
    last_activity_at: p.createdAt,
    visibility: 'private',
    namespace: {
      id: p.id + 1_000_000,
      name: namespace(p),
      path: namespace(p),
      kind: 'group',
      full_path: namespace(p),
    },
  });

  const mergeRequest = (p: FakeGitLabProject, mr: FakeGitLabMergeRequest, detail: boolean) => {
    const author = user(mr.authorId);
    const base = {
      id: mr.id,
      iid: mr.iid,
      project_id: p.id,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      created_at: mr.createdAt,
      updated_at: mr.updatedAt,
      merged_by: mr.mergedAt === null ? null : user(mr.mergedById ?? mr.authorId),
      merged_at: mr.mergedAt,
      closed_by: mr.closedAt === null ? null : author,
      closed_at: mr.closedAt,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      user_notes_count: mr.notes.length,
      upvotes: 0,
      downvotes: 0,
      assignee: people(mr.assignees)[0] ?? null,
      author,
      assignees: people(mr.assignees),
      reviewers: people(mr.reviewers),
      source_project_id: p.id,
      target_project_id: p.id,
      labels: [...mr.labels],
      work_in_progress: isDraft(mr.title),
      milestone: null,
      merge_when_pipeline_succeeds: false,
      merge_status:
        mr.mergeable === null ? 'checking' : mr.mergeable === false ? 'cannot_be_merged' : 'can_be_merged',
      detailed_merge_status: detailedMergeStatus(mr),
      sha: mr.sha ?? null,
      merge_commit_sha: mr.mergeCommitSha ?? null,
      squash_commit_sha: mr.squashCommitSha ?? null,
      discussion_locked: null,
      should_remove_source_branch: null,
      force_remove_source_branch: true,
      reference: `!${mr.iid}`,
      references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${p.pathWithNamespace}!${mr.iid}` },
      web_url: `${projectUrl(p)}/-/merge_requests/${mr.iid}`,
      time_stats: {
        time_estimate: 0,
        total_time_spent: 0,
        human_time_estimate: null,
        human_total_time_spent: null,
      },
      squash: mr.squash ?? false,
      task_completion_status: { count: 0, completed_count: 0 },
      draft: isDraft(mr.title),
      has_conflicts: mr.mergeable === false,
    };
    if (!detail) return base;
    return {
      ...base,
      subscribed: true,
      changes_count: null,
      diff_refs:
        mr.sha === undefined
          ? null
          : { base_sha: mr.baseSha ?? mr.sha, head_sha: mr.sha, start_sha: mr.baseSha ?? mr.sha },
      merge_error: null,
      user: { can_merge: true },
      first_contribution: false,
    };
  };

  const issue = (p: FakeGitLabProject, i: FakeGitLabIssue) => ({
    id: i.id,
    iid: i.iid,
    project_id: p.id,
    title: i.title,
    description: i.description,
    state: i.state,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    closed_at: i.closedAt,
    closed_by: null,
    labels: [...i.labels],
    milestone: null,
    author: user(state.users[0]?.id ?? 1),
    assignees: people(i.assignees),
    assignee: people(i.assignees)[0] ?? null,
    type: 'ISSUE',
    user_notes_count: i.notes.length,
    upvotes: 0,
    downvotes: 0,
    confidential: false,
    discussion_locked: null,
    web_url: `${projectUrl(p)}/-/issues/${i.iid}`,
    references: { short: `#${i.iid}`, relative: `#${i.iid}`, full: `${p.pathWithNamespace}#${i.iid}` },
  });

  const note = (
    p: FakeGitLabProject,
    n: FakeGitLabNote,
    noteable: { id: number; iid: number; type: 'Issue' | 'MergeRequest' },
  ) => ({
    id: n.id,
    type: n.position !== undefined ? 'DiffNote' : n.discussionId !== undefined ? 'DiscussionNote' : null,
    body: n.body,
    attachment: null,
    author: user(n.authorId),
    created_at: n.createdAt,
    updated_at: n.updatedAt,
    system: false,
    noteable_id: noteable.id,
    noteable_type: noteable.type,
    noteable_iid: noteable.iid,
    project_id: p.id,
    resolvable: n.discussionId !== undefined && noteable.type === 'MergeRequest',
    ...(n.discussionId !== undefined && noteable.type === 'MergeRequest'
      ? { resolved: false, resolved_by: null, resolved_at: null }
      : {}),
    ...(n.position === undefined ? {} : { position: positionJson(n.position) }),
    confidential: false,
    internal: false,
  });

  return { project, mergeRequest, issue, note, userJson: user };
}
