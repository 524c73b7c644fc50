import { gitlabRenderer, positionJson } from './objects.js';
import type { FakeGitLabMergeRequest, FakeGitLabNote, FakeGitLabProject, FakeGitLabState } from './state.js';

// The Note Hook payload for a note on a merge request, built from the fake GitLab's state and shaped like
// GitLab's delivery (checked against fixtures/gitlab/webhook_note_merge_request.json, go-gitlab testdata).

type Json = Record<string, unknown>;

/** What the builder needs from a started fake GitLab: its URL (instance base) and its state. */
export interface GitLabEventSource {
  readonly url: string;
  readonly state: FakeGitLabState;
}

/** Hook timestamps: `2015-05-17 18:21:36 UTC`. */
const hookTime = (iso: string): string => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

/**
 * A `Note Hook` payload (`object_kind: note`) for `note` on merge request `mr` of `project`: the author as
 * `user`, the note as `object_attributes` (with `discussion_id`, `type` and `position` for a diff note) and
 * the merge request with its source/target projects and `last_commit`. Send it with `sendGitLabWebhook(url,
 * 'Note Hook', payload, token)`. Throws when the note is not on that merge request.
 */
export function gitlabNoteHookEvent(
  source: GitLabEventSource,
  project: FakeGitLabProject,
  mr: FakeGitLabMergeRequest,
  note: FakeGitLabNote,
): Json {
  if (!mr.notes.includes(note)) throw new Error(`fake-gitlab: note ${note.id} is not on !${mr.iid}`);
  const render = gitlabRenderer(source.state, source.url);
  const author = render.userJson(note.authorId);
  const rendered = render.note(project, note, { id: mr.id, iid: mr.iid, type: 'MergeRequest' });
  const restProject = render.project(project);
  const webUrl = String(restProject.web_url);
  const hookProject = {
    id: project.id,
    name: restProject.name,
    description: restProject.description,
    web_url: webUrl,
    avatar_url: null,
    git_ssh_url: restProject.ssh_url_to_repo,
    git_http_url: restProject.http_url_to_repo,
    namespace: restProject.namespace.name,
    visibility_level: 0,
    path_with_namespace: project.pathWithNamespace,
    default_branch: project.defaultBranch,
    ci_config_path: null,
    homepage: webUrl,
    url: restProject.http_url_to_repo,
    ssh_url: restProject.ssh_url_to_repo,
    http_url: restProject.http_url_to_repo,
  };
  const assignee = (mr.assignees ?? [])[0];
  const assigneeUser =
    assignee === undefined ? undefined : source.state.users.find((u) => u.username === assignee);
  const sha = mr.sha ?? '0'.repeat(40);
  return {
    object_kind: 'note',
    event_type: 'note',
    user: { ...author, email: '[REDACTED]' },
    project_id: project.id,
    project: hookProject,
    repository: {
      name: restProject.name,
      url: restProject.http_url_to_repo,
      description: restProject.description,
      homepage: webUrl,
    },
    object_attributes: {
      id: note.id,
      note: note.body,
      noteable_type: 'MergeRequest',
      author_id: note.authorId,
      created_at: hookTime(note.createdAt),
      updated_at: hookTime(note.updatedAt),
      project_id: project.id,
      attachment: null,
      line_code: null,
      commit_id: '',
      noteable_id: mr.id,
      system: false,
      st_diff: null,
      discussion_id: note.discussionId ?? null,
      type: rendered.type,
      position: note.position === undefined ? null : positionJson(note.position),
      description: note.body,
      url: `${webUrl}/-/merge_requests/${mr.iid}#note_${note.id}`,
    },
    merge_request: {
      id: mr.id,
      target_branch: mr.targetBranch,
      source_branch: mr.sourceBranch,
      source_project_id: project.id,
      author_id: mr.authorId,
      assignee_id: assigneeUser?.id ?? null,
      title: mr.title,
      created_at: hookTime(mr.createdAt),
      updated_at: hookTime(mr.updatedAt),
      milestone_id: null,
      state: mr.state,
      merge_status: mr.mergeable === false ? 'cannot_be_merged' : 'can_be_merged',
      target_project_id: project.id,
      iid: mr.iid,
      description: mr.description,
      position: 0,
      labels: mr.labels.map((title, index) => ({
        id: index + 1,
        title,
        color: '#428bca',
        project_id: project.id,
        created_at: project.createdAt,
        updated_at: project.createdAt,
        template: false,
        description: null,
        type: 'ProjectLabel',
        group_id: null,
      })),
      source: hookProject,
      target: hookProject,
      last_commit: {
        id: sha,
        message: `${mr.title}\n`,
        title: mr.title,
        timestamp: mr.updatedAt,
        url: `${webUrl}/-/commit/${sha}`,
        author: { name: 'WorkTrain', email: 'worktrain@example.invalid' },
      },
      work_in_progress: /^(draft:|\[draft\]|\(draft\))/i.test(mr.title),
      assignee:
        assigneeUser === undefined
          ? null
          : { name: assigneeUser.name, username: assigneeUser.username, avatar_url: null },
      detailed_merge_status:
        mr.state !== 'opened' ? 'not_open' : mr.mergeable === false ? 'conflict' : 'mergeable',
    },
  };
}
