import { locateLine } from '../github/pr-diff.js';
import { fakeSha } from '../github/state.js';
import type { GitLabRouteKit } from './merge-routes.js';
import { errorReply, type Json, message, type Reply, type RouteRegistrar } from './route-types.js';
import {
  discussionBody,
  gitlabDiscussionNoteSchema,
  gitlabDiscussionSchema,
  noteBody,
  pageQuery,
} from './schemas.js';
import type {
  FakeGitLabMergeRequest,
  FakeGitLabNote,
  FakeGitLabPosition,
  FakeGitLabProject,
} from './state.js';

/** `position[base_sha]=…` form fields → `{position: {base_sha: …}}` (GitLab accepts both encodings). */
function nestBrackets(body: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(body)) {
    const match = /^(\w+)\[(\w+)\]$/.exec(key);
    if (match?.[1] === undefined || match[2] === undefined) {
      out[key] = value;
      continue;
    }
    const inner = (out[match[1]] ?? {}) as Json;
    inner[match[2]] = value;
    out[match[1]] = inner;
  }
  return out;
}

/** GitLab's answer for a diff position the MR's diff does not show. */
const badPosition = (): Reply =>
  message(400, '400 Bad request - Note {:line_code=>["can\'t be blank", "must be a valid line code"]}');

/** The note's discussion id: its thread's, or one derived from the note for an individual note. */
const discussionIdOf = (note: FakeGitLabNote): string => note.discussionId ?? fakeSha(`note:${note.id}`);

/**
 * Discussions on merge requests: threads (optionally on a diff line through `position`), replies to a
 * thread, and the list (individual notes from the notes API appear as `individual_note` discussions).
 */
export function registerDiscussionRoutes(route: RouteRegistrar, kit: GitLabRouteKit): void {
  const { state, render } = kit;
  const mrOf = (project: FakeGitLabProject, iid: string | undefined) =>
    project.mergeRequests.find((m) => String(m.iid) === iid);
  const target = (mr: FakeGitLabMergeRequest) => ({ id: mr.id, iid: mr.iid, type: 'MergeRequest' as const });
  const discussionJson = (project: FakeGitLabProject, mr: FakeGitLabMergeRequest, id: string) => {
    const notes = mr.notes.filter((n) => discussionIdOf(n) === id);
    return {
      id,
      individual_note: notes.every((n) => n.discussionId === undefined),
      notes: notes.map((n) => render().note(project, n, target(mr))),
    };
  };

  route(
    'GET',
    '/merge_requests/:iid/discussions',
    'listMergeRequestDiscussions',
    ({ project, params }) => {
      const mr = mrOf(project, params.iid);
      if (mr === undefined) return message(404, '404 Not found');
      const ids = [...new Set(mr.notes.map(discussionIdOf))];
      const list = ids.map((id) => discussionJson(project, mr, id));
      return { status: 200, body: list, list, schema: gitlabDiscussionSchema };
    },
    pageQuery,
  );

  // A `position` must name the MR's current shas and a line its diff shows (new_line: added or context,
  // old_line: removed or context), else 400 like GitLab.
  route('POST', '/merge_requests/:iid/discussions', 'createMergeRequestDiscussion', (input) => {
    const { project, params, userId } = input;
    const mr = mrOf(project, params.iid);
    if (mr === undefined) return message(404, '404 Not found');
    const body = nestBrackets(input.body);
    const bad = kit.requestProblem(discussionBody, body, 'createMergeRequestDiscussion');
    if (bad !== undefined) return bad;
    let position: FakeGitLabPosition | undefined;
    if (body.position !== undefined) {
      const raw = body.position as Record<string, string | number | undefined>;
      const newLine = raw.new_line === undefined ? null : Number(raw.new_line);
      const oldLine = raw.old_line === undefined ? null : Number(raw.old_line);
      const newPath = String(raw.new_path ?? raw.old_path ?? '');
      const patch = mr.files?.[newPath];
      if (newLine === null && oldLine === null) return errorReply(400, 'position is invalid');
      if (raw.head_sha !== mr.sha || patch === undefined) return badPosition();
      const found =
        newLine !== null ? locateLine(patch, newLine, 'RIGHT') : locateLine(patch, oldLine ?? 0, 'LEFT');
      if (found === undefined) return badPosition();
      position = {
        baseSha: String(raw.base_sha),
        startSha: String(raw.start_sha),
        headSha: String(raw.head_sha),
        oldPath: String(raw.old_path ?? newPath),
        newPath,
        oldLine,
        newLine,
      };
    }
    const now = state.now();
    const note: FakeGitLabNote = {
      id: state.id(),
      body: String(body.body),
      authorId: userId,
      createdAt: now,
      updatedAt: now,
      discussionId: fakeSha(`discussion:${mr.id}:${state.id()}`),
      ...(position === undefined ? {} : { position }),
    };
    mr.notes.push(note);
    mr.updatedAt = now;
    return {
      status: 201,
      body: discussionJson(project, mr, discussionIdOf(note)),
      schema: gitlabDiscussionSchema,
    };
  });

  route(
    'POST',
    '/merge_requests/:iid/discussions/:discussionId/notes',
    'createMergeRequestDiscussionNote',
    ({ project, params, body, userId }) => {
      const mr = mrOf(project, params.iid);
      if (mr === undefined) return message(404, '404 Not found');
      const thread = mr.notes.find((n) => discussionIdOf(n) === params.discussionId);
      if (thread === undefined) return message(404, '404 Discussion Not Found');
      const bad = kit.requestProblem(noteBody, body, 'createMergeRequestDiscussionNote');
      if (bad !== undefined) return bad;
      const now = state.now();
      const note: FakeGitLabNote = {
        id: state.id(),
        body: String(body.body),
        authorId: userId,
        createdAt: now,
        updatedAt: now,
        discussionId: discussionIdOf(thread),
        ...(thread.position === undefined ? {} : { position: thread.position }),
      };
      mr.notes.push(note);
      mr.updatedAt = now;
      return {
        status: 201,
        body: render().note(project, note, target(mr)),
        schema: gitlabDiscussionNoteSchema,
      };
    },
  );
}
