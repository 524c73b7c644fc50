// Over 400 lines on purpose (scripts/size-allowlist.json): the GitLab double's route table, one route per
// official endpoint; merge and discussion routes already live in their own modules.
import type { Context } from 'hono';
import { Hono } from 'hono';
import * as z from 'zod';
import { weakEtag } from '../github/http.js';
import { listen, type NodeEnv } from '../http-server.js';
import { registerDiscussionRoutes } from './discussion-routes.js';
import { registerMergeRoutes } from './merge-routes.js';
import { gitlabRenderer } from './objects.js';
import { errorReply, type Json, message, type Reply, type RouteRegistrar } from './route-types.js';
import {
  createMergeRequestBody,
  gitlabIssueSchema,
  gitlabMergeRequestDetailSchema,
  gitlabMergeRequestSchema,
  gitlabNoteSchema,
  gitlabProjectSchema,
  noteBody,
  updateIssueBody,
  updateMergeRequestBody,
} from './schemas.js';
import {
  type FakeGitLabNote,
  type FakeGitLabProject,
  FakeGitLabState,
  headShaFor,
  type RecordedGitLabRequest,
} from './state.js';

export interface FakeGitLabOptions {
  /** Accepted tokens → username (via `PRIVATE-TOKEN` or `Authorization: Bearer`). Default `{}`: add with `state.addToken`. */
  readonly tokens?: Readonly<Record<string, string>>;
  /** Path prefix of a self-managed instance, e.g. `/gitlab` (API under `/gitlab/api/v4`). Default none. */
  readonly pathPrefix?: string;
  readonly now?: () => Date;
  /** `'error'` (default): an answer that breaks the documented shape becomes a 500; `'record'`: only recorded. */
  readonly onSchemaViolation?: 'error' | 'record';
  readonly host?: string;
  readonly port?: number;
}

export interface FakeGitLab {
  /** Instance base URL including the prefix (what `@gitbeaker/rest` takes as `host`), e.g. `http://127.0.0.1:1234/gitlab`. */
  readonly url: string;
  readonly state: FakeGitLabState;
  close(): Promise<void>;
}

const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time');
const positiveInt = z.string().regex(/^[1-9]\d*$/, 'must be a positive integer');
const listCommon = {
  page: positiveInt.optional(),
  per_page: positiveInt.optional(),
  order_by: z.enum(['created_at', 'updated_at', 'title', 'priority', 'label_priority']).optional(),
  sort: z.enum(['asc', 'desc']).optional(),
  labels: z.string().optional(),
  milestone: z.string().optional(),
  scope: z.enum(['created_by_me', 'assigned_to_me', 'all']).optional(),
  author_id: positiveInt.optional(),
  author_username: z.string().optional(),
  assignee_id: z.string().optional(),
  assignee_username: z.string().optional(),
  search: z.string().optional(),
  in: z.string().optional(),
  created_after: isoTime.optional(),
  created_before: isoTime.optional(),
  updated_after: isoTime.optional(),
  updated_before: isoTime.optional(),
  with_labels_details: z.enum(['true', 'false']).optional(),
};
/**
 * Query parameters GitLab documents for the list endpoints the fake serves (docs.gitlab.com/api/issues
 * "List project issues", /api/merge_requests "List project merge requests"): an unknown parameter or a bad
 * value is a request the real API would ignore or refuse, so it is recorded as a violation (400 when strict).
 */
const listQuerySchemas: Readonly<Record<string, z.ZodType>> = {
  listIssues: z.strictObject({
    ...listCommon,
    state: z.enum(['opened', 'closed', 'all']).optional(),
    // Documented as a string array (Grape sends `assignee_username[]=…`); CE takes one value.
    'assignee_username[]': z.string().optional(),
    'iids[]': z.string().optional(),
    confidential: z.enum(['true', 'false']).optional(),
    issue_type: z.enum(['issue', 'incident', 'test_case', 'task']).optional(),
  }),
  listMergeRequests: z.strictObject({
    ...listCommon,
    state: z.enum(['opened', 'closed', 'locked', 'merged', 'all']).optional(),
    view: z.literal('simple').optional(),
    reviewer_id: z.string().optional(),
    reviewer_username: z.string().optional(),
    source_branch: z.string().optional(),
    target_branch: z.string().optional(),
    wip: z.enum(['yes', 'no']).optional(),
    with_merge_status_recheck: z.enum(['true', 'false']).optional(),
  }),
};

const labelList = (value: string | string[] | undefined): string[] =>
  value === undefined
    ? []
    : (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter((s) => s !== '');

/**
 * Starts a fake GitLab REST v4 API on loopback (127.0.0.1, port 0 by default) over in-memory state: projects
 * (by id or URL-encoded path), issues and merge requests listed with GitLab's documented filters (`state`,
 * `labels`, `assignee_username`, `reviewer_username`, `updated_after`, `order_by`/`sort`; an undocumented
 * query parameter or a bad value is a recorded violation and a 400), merge requests (create with GitLab's 409 for a
 * second open MR of a source branch, get, update with labels and `state_event`), issues (get, update labels),
 * notes on issues and merge requests (list, create, update), merge with the `sha` guard, pipelines, commit
 * statuses, discussions with diff positions and members (merge-routes.ts, discussion-routes.ts). Auth: `PRIVATE-TOKEN` or `Authorization: Bearer`
 * (401 `{"message":"401 Unauthorized"}`). Lists paginate with `page`/`per_page` (default 20, max 100) and
 * GitLab's `X-Total`, `X-Total-Pages`, `X-Page`, `X-Per-Page`, `X-Next-Page`, `X-Prev-Page` and `Link`
 * headers. GETs carry a weak `ETag` (304 on `If-None-Match`). Every answer is checked against the zod schemas
 * in schemas.ts (derived from real gitlab.com answers); faults are injected with `state.injectFault`.
 */
export async function startFakeGitLab(options: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const state = new FakeGitLabState(options.now);
  for (const [token, username] of Object.entries(options.tokens ?? {})) state.addToken(token, username);
  const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  const strict = (options.onSchemaViolation ?? 'error') === 'error';
  const app = new Hono<NodeEnv>();
  let webBase = '';
  const render = () => gitlabRenderer(state, webBase);

  const route: RouteRegistrar = (method, path, name, handle, routeQuerySchema) => {
    app.on(method, `${prefix}/api/v4/projects/:id${path}`, async (c: Context<NodeEnv>) => {
      const url = new URL(c.req.url);
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => {
        query[k] = v;
      });
      const text = method === 'GET' ? '' : await c.req.text();
      let body: Json = {};
      let badJson = false;
      if (text !== '') {
        const type = c.req.header('content-type') ?? '';
        if (type.includes('application/x-www-form-urlencoded')) {
          body = Object.fromEntries(new URLSearchParams(text));
        } else {
          try {
            const parsed: unknown = JSON.parse(text);
            if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
              body = parsed as Json;
            else badJson = true;
          } catch {
            badJson = true;
          }
        }
      }
      const bearer = /^bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
      const token = c.req.header('private-token') ?? bearer;
      const username = token === undefined ? undefined : state.tokens.get(token);
      const recorded: RecordedGitLabRequest = {
        method,
        url: `${url.pathname}${url.search}`,
        route: name,
        body: text === '' ? undefined : body,
        username,
      };
      state.requests.push(recorded);
      const send = (reply: Reply, headers: Record<string, string> = {}): Response => {
        recorded.status = reply.status;
        return new Response(reply.status === 204 ? null : JSON.stringify(reply.body), {
          status: reply.status,
          headers: { 'content-type': 'application/json', ...headers },
        });
      };
      if (username !== undefined) state.onRequest?.(name, recorded.body);
      if (username === undefined || !state.tokens.has(token ?? ''))
        return send(message(401, '401 Unauthorized'));
      if (badJson) return send(errorReply(400, 'The provided content-type is not supported.'));
      const fault = state.takeFault(name);
      if (fault !== undefined) return send(message(fault.status, fault.message ?? `${fault.status} Fault`));
      const querySchema = routeQuerySchema ?? listQuerySchemas[name];
      const queryCheck = querySchema?.safeParse(query);
      if (queryCheck !== undefined && !queryCheck.success) {
        const problems = queryCheck.error.issues.map(
          (i) =>
            `${i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(',') : '?')}: ${i.message}`,
        );
        state.schemaViolations.push(...problems.map((p) => `fake-gitlab ${name} query: ${p}`));
        if (strict) return send(errorReply(400, problems.join('; ')));
      }
      const rawId = c.req.param('id') ?? '';
      const project = state.project(rawId.includes('%') ? decodeURIComponent(rawId) : rawId);
      if (project === undefined) return send(message(404, '404 Project Not Found'));
      const userId = state.users.find((u) => u.username === username)?.id ?? 0;
      const reply = handle({ project, params: c.req.param() as Record<string, string>, query, body, userId });
      const headers: Record<string, string> = {};
      let payload = reply.body;
      if (reply.list !== undefined) {
        const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? '20') || 20));
        const page = Math.max(1, Number(query.page ?? '1') || 1);
        const total = reply.list.length;
        const pages = Math.max(1, Math.ceil(total / perPage));
        payload = reply.list.slice((page - 1) * perPage, page * perPage);
        const link = (n: number) => {
          const u = new URL(url);
          u.searchParams.set('page', String(n));
          u.searchParams.set('per_page', String(perPage));
          return u.toString();
        };
        const links = [
          ...(page > 1 ? [`<${link(page - 1)}>; rel="prev"`] : []),
          ...(page < pages ? [`<${link(page + 1)}>; rel="next"`] : []),
          `<${link(1)}>; rel="first"`,
          `<${link(pages)}>; rel="last"`,
        ];
        Object.assign(headers, {
          'x-page': String(page),
          'x-per-page': String(perPage),
          'x-total': String(total),
          'x-total-pages': String(pages),
          'x-next-page': page < pages ? String(page + 1) : '',
          'x-prev-page': page > 1 ? String(page - 1) : '',
          link: links.join(', '),
        });
      }
      if (reply.schema !== undefined && reply.status < 300) {
        const items = reply.list !== undefined && Array.isArray(payload) ? payload : [payload];
        for (const item of items) {
          const parsed = reply.schema.safeParse(item);
          if (!parsed.success) {
            const problem = `fake-gitlab ${name} answer drifted from GitLab's shape: ${parsed.error.issues
              .slice(0, 5)
              .map((i) => `${i.path.join('.')}: ${i.message}`)
              .join('; ')}`;
            state.schemaViolations.push(problem);
            if (strict) return send(message(500, problem));
          }
        }
      }
      if (method === 'GET' && reply.status === 200) {
        const etag = weakEtag(JSON.stringify(payload));
        headers.etag = etag;
        if (c.req.header('if-none-match') === etag) {
          recorded.status = 304;
          return new Response(null, { status: 304, headers });
        }
      }
      return send({ status: reply.status, body: payload }, headers);
    });
  };

  const requestProblem = (schema: z.ZodType, body: Json, name: string): Reply | undefined => {
    const parsed = schema.safeParse(body);
    if (parsed.success) return undefined;
    const first = parsed.error.issues[0];
    const field = first?.path.join('.') ?? 'body';
    state.schemaViolations.push(`fake-gitlab ${name} request: ${field}: ${first?.message ?? 'invalid'}`);
    return errorReply(400, body[field] === undefined ? `${field} is missing` : `${field} is invalid`);
  };
  const mrOf = (project: FakeGitLabProject, iid: string | undefined) =>
    project.mergeRequests.find((m) => String(m.iid) === iid);
  const issueOf = (project: FakeGitLabProject, iid: string | undefined) =>
    project.issues.find((i) => String(i.iid) === iid);
  const applyLabels = (current: string[], body: Json): string[] => {
    let labels = body.labels === undefined ? [...current] : labelList(body.labels as string | string[]);
    for (const l of labelList(body.add_labels as string | string[] | undefined))
      if (!labels.includes(l)) labels.push(l);
    const remove = labelList(body.remove_labels as string | string[] | undefined);
    labels = labels.filter((l) => !remove.includes(l));
    return labels;
  };

  route('GET', '', 'getProject', ({ project }) => ({
    status: 200,
    body: render().project(project),
    schema: gitlabProjectSchema,
  }));

  /** Filters GitLab's list endpoints share: labels (all of them), assignee/reviewer username, updated_after. */
  const listFilter = (
    item: {
      labels: string[];
      assignees?: string[];
      reviewers?: string[];
      updatedAt: string;
      createdAt: string;
    },
    query: Record<string, string>,
  ) =>
    labelList(query.labels).every((l) => item.labels.includes(l)) &&
    [query.assignee_username, query['assignee_username[]']].every(
      (u) => u === undefined || (item.assignees ?? []).includes(u),
    ) &&
    (query.reviewer_username === undefined || (item.reviewers ?? []).includes(query.reviewer_username)) &&
    (query.updated_after === undefined || Date.parse(item.updatedAt) >= Date.parse(query.updated_after));
  const listOrder = (query: Record<string, string>) => {
    const field = query.order_by === 'updated_at' ? 'updatedAt' : 'createdAt';
    const sign = query.sort === 'asc' ? 1 : -1;
    return (a: { updatedAt: string; createdAt: string; iid: number }, b: typeof a) =>
      sign * (a[field].localeCompare(b[field]) || a.iid - b.iid);
  };

  route('GET', '/merge_requests', 'listMergeRequests', ({ project, query }) => {
    const state_ = query.state ?? 'all';
    const list = project.mergeRequests
      .filter((m) => query.source_branch === undefined || m.sourceBranch === query.source_branch)
      .filter((m) => query.target_branch === undefined || m.targetBranch === query.target_branch)
      .filter((m) => state_ === 'all' || m.state === state_)
      .filter((m) => listFilter(m, query))
      .sort(query.order_by === undefined ? (a, b) => b.iid - a.iid : listOrder(query))
      .map((m) => render().mergeRequest(project, m, false));
    return { status: 200, body: list, list, schema: gitlabMergeRequestSchema };
  });

  route('GET', '/issues', 'listIssues', ({ project, query }) => {
    const state_ = query.state ?? 'all';
    const list = project.issues
      .filter((i) => state_ === 'all' || i.state === state_)
      .filter((i) => listFilter(i, query))
      .sort(listOrder(query))
      .map((i) => render().issue(project, i));
    return { status: 200, body: list, list, schema: gitlabIssueSchema };
  });

  route('POST', '/merge_requests', 'createMergeRequest', ({ project, body, userId }) => {
    const bad = requestProblem(createMergeRequestBody, body, 'createMergeRequest');
    if (bad !== undefined) return bad;
    const input = createMergeRequestBody.parse(body);
    const open = project.mergeRequests.find(
      (m) => m.sourceBranch === input.source_branch && m.state === 'opened',
    );
    if (open !== undefined)
      return message(409, [`Another open merge request already exists for this source branch: !${open.iid}`]);
    const now = state.now();
    const mr = {
      id: state.id(),
      iid: project.mergeRequests.length + 1,
      title: input.title,
      description: input.description ?? '',
      state: 'opened' as const,
      sourceBranch: input.source_branch,
      targetBranch: input.target_branch,
      labels: labelList(input.labels),
      authorId: userId,
      createdAt: now,
      updatedAt: now,
      mergedAt: null,
      closedAt: null,
      notes: [],
      sha: headShaFor(project, input.source_branch, 0),
      baseSha: headShaFor(project, input.target_branch, 0),
    };
    project.mergeRequests.push(mr);
    return {
      status: 201,
      body: render().mergeRequest(project, mr, true),
      schema: gitlabMergeRequestDetailSchema,
    };
  });

  route('GET', '/merge_requests/:iid', 'getMergeRequest', ({ project, params }) => {
    const mr = mrOf(project, params.iid);
    if (mr === undefined) return message(404, '404 Not found');
    return {
      status: 200,
      body: render().mergeRequest(project, mr, true),
      schema: gitlabMergeRequestDetailSchema,
    };
  });

  route('PUT', '/merge_requests/:iid', 'updateMergeRequest', ({ project, params, body }) => {
    const mr = mrOf(project, params.iid);
    if (mr === undefined) return message(404, '404 Not found');
    const bad = requestProblem(updateMergeRequestBody, body, 'updateMergeRequest');
    if (bad !== undefined) return bad;
    const input = updateMergeRequestBody.parse(body);
    if (input.title !== undefined) mr.title = input.title;
    if (input.description !== undefined) mr.description = input.description;
    if (input.target_branch !== undefined) mr.targetBranch = input.target_branch;
    mr.labels = applyLabels(mr.labels, body);
    if (input.state_event === 'close' && mr.state === 'opened') {
      mr.state = 'closed';
      mr.closedAt = state.now();
    }
    if (input.state_event === 'reopen' && mr.state === 'closed') {
      mr.state = 'opened';
      mr.closedAt = null;
    }
    mr.updatedAt = state.now();
    return {
      status: 200,
      body: render().mergeRequest(project, mr, true),
      schema: gitlabMergeRequestDetailSchema,
    };
  });

  route('GET', '/issues/:iid', 'getIssue', ({ project, params }) => {
    const issue = issueOf(project, params.iid);
    if (issue === undefined) return message(404, '404 Not found');
    return { status: 200, body: render().issue(project, issue), schema: gitlabIssueSchema };
  });

  route('PUT', '/issues/:iid', 'updateIssue', ({ project, params, body }) => {
    const issue = issueOf(project, params.iid);
    if (issue === undefined) return message(404, '404 Not found');
    const bad = requestProblem(updateIssueBody, body, 'updateIssue');
    if (bad !== undefined) return bad;
    const input = updateIssueBody.parse(body);
    if (input.title !== undefined) issue.title = input.title;
    if (input.description !== undefined) issue.description = input.description;
    issue.labels = applyLabels(issue.labels, body);
    if (input.state_event === 'close') {
      issue.state = 'closed';
      issue.closedAt = state.now();
    }
    if (input.state_event === 'reopen') {
      issue.state = 'opened';
      issue.closedAt = null;
    }
    issue.updatedAt = state.now();
    return { status: 200, body: render().issue(project, issue), schema: gitlabIssueSchema };
  });

  for (const [segment, type] of [
    ['issues', 'Issue'],
    ['merge_requests', 'MergeRequest'],
  ] as const) {
    const kind = type === 'Issue' ? 'Issue' : 'MergeRequest';
    const noteable = (project: FakeGitLabProject, iid: string | undefined) => {
      const found = type === 'Issue' ? issueOf(project, iid) : mrOf(project, iid);
      return found === undefined ? undefined : { id: found.id, iid: found.iid, type, notes: found.notes };
    };
    const notFound = message(404, type === 'Issue' ? '404 Issue Not Found' : '404 Not found');
    route('GET', `/${segment}/:iid/notes`, `list${kind}Notes`, ({ project, params, query }) => {
      const target = noteable(project, params.iid);
      if (target === undefined) return notFound;
      const sorted = [...target.notes].sort((a, b) => (query.sort === 'asc' ? a.id - b.id : b.id - a.id));
      const list = sorted.map((n) => render().note(project, n, target));
      return { status: 200, body: list, list, schema: gitlabNoteSchema };
    });
    route('POST', `/${segment}/:iid/notes`, `create${kind}Note`, ({ project, params, body, userId }) => {
      const target = noteable(project, params.iid);
      if (target === undefined) return notFound;
      const bad = requestProblem(noteBody, body, `create${kind}Note`);
      if (bad !== undefined) return bad;
      const now = state.now();
      const note: FakeGitLabNote = {
        id: state.id(),
        body: String(body.body),
        authorId: userId,
        createdAt: now,
        updatedAt: now,
      };
      target.notes.push(note);
      return { status: 201, body: render().note(project, note, target), schema: gitlabNoteSchema };
    });
    route('PUT', `/${segment}/:iid/notes/:noteId`, `update${kind}Note`, ({ project, params, body }) => {
      const target = noteable(project, params.iid);
      const note = target?.notes.find((n) => String(n.id) === params.noteId);
      if (target === undefined || note === undefined) return message(404, '404 Note Not Found');
      const bad = requestProblem(noteBody, body, `update${kind}Note`);
      if (bad !== undefined) return bad;
      note.body = String(body.body);
      note.updatedAt = state.now();
      return { status: 200, body: render().note(project, note, target), schema: gitlabNoteSchema };
    });
  }

  const kit = { state, render, requestProblem };
  registerMergeRoutes(route, kit);
  registerDiscussionRoutes(route, kit);

  app.all(
    '*',
    () =>
      new Response(JSON.stringify({ error: '404 Not Found' }), {
        status: 404,
        headers: { 'content-type': 'application/json' },
      }),
  );

  const server = await listen(app, { host: options.host, port: options.port });
  webBase = `${server.url}${prefix}`;
  return { url: webBase, state, close: () => server.close() };
}
