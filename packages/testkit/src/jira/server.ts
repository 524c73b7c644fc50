import { Hono } from 'hono';
import { weakEtag } from '../github/http.js';
import { listen, type NodeEnv } from '../http-server.js';
import { matchesJql, parseJql } from './jql.js';
import { jiraSpecValidator } from './openapi.js';
import { type FakeJiraIssue, FakeJiraState, type RecordedJiraRequest } from './state.js';

export interface FakeJiraOptions {
  /** Basic-auth users: email → API token. Each gets an accountId. */
  readonly users?: Readonly<Record<string, string>>;
  /** Bearer (OAuth 2.0 / personal access) tokens → accountId. */
  readonly bearerTokens?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
  /** `'error'` (default): a spec mismatch answers 500 (requests: 400) and is recorded; `'record'`: recorded only. */
  readonly onSpecViolation?: 'error' | 'record';
  readonly host?: string;
  readonly port?: number;
}

export interface FakeJira {
  /** Site base URL to pass as `host` to jira.js, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly state: FakeJiraState;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface Reply {
  readonly status: number;
  readonly body?: unknown;
}
const jiraError = (status: number, ...messages: string[]): Reply => ({
  status,
  body: { errorMessages: messages, errors: {} },
});
const NO_ISSUE = 'Issue does not exist or you do not have permission to see it.';

/**
 * Starts a fake Jira Cloud REST v3 API on loopback (127.0.0.1, port 0 by default): issue get, transitions list
 * and do (400 with Jira's `{errorMessages, errors}` body for a transition id the issue does not offer), comments
 * list and add (ADF bodies), remote links list and create-or-update (a `globalId` already on the issue updates
 * that link: 200 instead of 201), and `search/jql` (GET and POST; a small JQL subset: `key`, `project`,
 * `status`, `labels` with `=`, `!=`, `in`, joined by AND; ORDER BY ignored; `nextPageToken` paging). Auth: basic
 * `email:apiToken` or `Authorization: Bearer` (401 otherwise). Every request body and answer is validated with
 * ajv against the committed subset of Atlassian's OpenAPI description; faults via `state.injectFault`.
 */
export async function startFakeJira(options: FakeJiraOptions = {}): Promise<FakeJira> {
  const state = new FakeJiraState(options.now);
  for (const [email, token] of Object.entries(options.users ?? {}))
    state.basicCredentials.set(`${email}:${token}`, `acct-${email.split('@')[0] ?? email}`);
  for (const [token, accountId] of Object.entries(options.bearerTokens ?? {}))
    state.bearerTokens.set(token, accountId);
  const spec = jiraSpecValidator();
  const strict = (options.onSpecViolation ?? 'error') === 'error';
  const app = new Hono<NodeEnv>();
  let base = '';

  const user = (accountId: string) => ({
    self: `${base}/rest/api/3/user?accountId=${accountId}`,
    accountId,
    displayName: accountId,
    active: true,
    timeZone: 'UTC',
    accountType: 'atlassian',
  });
  const statusJson = (id: string) => {
    const s = state.status(id) ?? { id, name: 'Unknown', category: 'new' as const };
    const categoryId = { new: 2, indeterminate: 4, done: 3 }[s.category];
    return {
      self: `${base}/rest/api/3/status/${s.id}`,
      description: '',
      iconUrl: `${base}/images/icons/statuses/generic.png`,
      name: s.name,
      id: s.id,
      statusCategory: {
        self: `${base}/rest/api/3/statuscategory/${categoryId}`,
        id: categoryId,
        key: s.category,
        colorName: { new: 'blue-gray', indeterminate: 'yellow', done: 'green' }[s.category],
        name: { new: 'To Do', indeterminate: 'In Progress', done: 'Done' }[s.category],
      },
    };
  };
  const issueJson = (issue: FakeJiraIssue) => ({
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${base}/rest/api/3/issue/${issue.id}`,
    key: issue.key,
    fields: {
      summary: issue.summary,
      status: statusJson(issue.statusId),
      labels: [...issue.labels],
      project: {
        self: `${base}/rest/api/3/project/${issue.projectKey}`,
        key: issue.projectKey,
        name: issue.projectKey,
      },
      issuetype: { id: '10001', name: 'Task', subtask: false },
      created: issue.created,
      updated: issue.updated,
      ...(issue.description === undefined ? {} : { description: issue.description }),
    },
  });
  const commentJson = (issue: FakeJiraIssue, c: FakeJiraIssue['comments'][number]) => ({
    self: `${base}/rest/api/3/issue/${issue.id}/comment/${c.id}`,
    id: c.id,
    author: user(c.authorAccountId),
    updateAuthor: user(c.authorAccountId),
    body: c.body,
    created: c.created,
    updated: c.updated,
    jsdPublic: true,
  });
  const linkJson = (issue: FakeJiraIssue, l: FakeJiraIssue['remoteLinks'][number]) => ({
    id: l.id,
    self: `${base}/rest/api/3/issue/${issue.key}/remotelink/${l.id}`,
    ...(l.globalId === undefined ? {} : { globalId: l.globalId }),
    ...(l.application === undefined ? {} : { application: l.application }),
    ...(l.relationship === undefined ? {} : { relationship: l.relationship }),
    object: l.object,
  });
  const available = (issue: FakeJiraIssue) =>
    state.transitions.filter((t) => t.toStatusId !== issue.statusId);
  const transitionJson = (t: (typeof state.transitions)[number]) => ({
    id: t.id,
    name: t.name,
    to: statusJson(t.toStatusId),
    hasScreen: false,
    isGlobal: true,
    isInitial: false,
    isAvailable: true,
    isConditional: false,
    isLooped: false,
  });

  const search = (jql: string, maxResults: number, token: string | undefined): Reply => {
    const parsed = parseJql(jql);
    if (!parsed.ok) return jiraError(400, `Error in the JQL Query: ${parsed.error}`);
    const hits = state.issues.filter((i) =>
      matchesJql(parsed.clauses, {
        key: i.key,
        project: i.projectKey,
        status: state.statusName(i) ?? '',
        labels: i.labels,
      }),
    );
    const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString()) || 0;
    const page = hits.slice(start, start + maxResults);
    const next =
      start + maxResults < hits.length
        ? Buffer.from(String(start + maxResults)).toString('base64url')
        : undefined;
    return {
      status: 200,
      body: {
        issues: page.map(issueJson),
        isLast: next === undefined,
        ...(next === undefined ? {} : { nextPageToken: next }),
      },
    };
  };

  type Handler = (input: {
    issue: FakeJiraIssue | undefined;
    query: Record<string, string>;
    body: unknown;
    accountId: string;
  }) => Reply;
  const route = (method: 'get' | 'post', specPath: string, handle: Handler) => {
    const operationId = spec.operationId(specPath, method);
    if (operationId === undefined)
      throw new Error(`fake-jira: ${method} ${specPath} is not in the OpenAPI subset`);
    app.on(method.toUpperCase(), specPath.replace('{issueIdOrKey}', ':issueIdOrKey'), async (c) => {
      const url = new URL(c.req.url);
      const query: Record<string, string> = {};
      url.searchParams.forEach((v, k) => {
        query[k] = v;
      });
      const text = method === 'get' ? '' : await c.req.text();
      const auth = c.req.header('authorization') ?? '';
      const basic = /^basic\s+(\S+)$/i.exec(auth)?.[1];
      const bearer = /^bearer\s+(\S+)$/i.exec(auth)?.[1];
      const accountId =
        basic !== undefined
          ? state.basicCredentials.get(Buffer.from(basic, 'base64').toString('utf8'))
          : bearer !== undefined
            ? state.bearerTokens.get(bearer)
            : undefined;
      let body: unknown;
      let badJson = false;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          badJson = true;
        }
      }
      const recorded: RecordedJiraRequest = {
        method: method.toUpperCase(),
        url: `${url.pathname}${url.search}`,
        operationId,
        body,
        accountId,
      };
      state.requests.push(recorded);
      const send = (reply: Reply, headers: Record<string, string> = {}) => {
        recorded.status = reply.status;
        if (reply.body === undefined) return new Response(null, { status: reply.status, headers });
        return new Response(JSON.stringify(reply.body), {
          status: reply.status,
          headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
        });
      };
      if (accountId === undefined) {
        recorded.status = 401;
        return new Response('Client must be authenticated to access this resource.', {
          status: 401,
          headers: {
            'content-type': 'text/html;charset=UTF-8',
            'www-authenticate': 'OAuth realm="https%3A%2F%2Fexample.atlassian.net"',
          },
        });
      }
      if (badJson) return send(jiraError(400, 'Unexpected character in the JSON body.'));
      const fault = state.takeFault(operationId);
      if (fault !== undefined) return send(jiraError(fault.status, fault.message ?? 'Injected fault'));
      const problems = [
        ...spec.validateQuery(specPath, method, query),
        ...spec.validateRequest(specPath, method, body),
      ];
      if (problems.length > 0) {
        state.specViolations.push(...problems.map((p) => `${operationId} request: ${p}`));
        if (strict) return send(jiraError(400, ...problems));
      }
      const key = c.req.param('issueIdOrKey');
      const issue = key === undefined ? undefined : state.issue(key);
      if (key !== undefined && issue === undefined) return send(jiraError(404, NO_ISSUE));
      const reply = handle({ issue, query, body, accountId });
      // Atlassian's description declares one RemoteIssueLink for `GET …/remotelink`, but Jira answers an
      // array of them when no `globalId` is given: each item is checked against the declared schema instead.
      const responseProblems =
        operationId === 'getRemoteIssueLinks' && Array.isArray(reply.body)
          ? reply.body.flatMap((item) => spec.validateResponse(specPath, method, reply.status, item))
          : spec.validateResponse(specPath, method, reply.status, reply.body);
      if (responseProblems.length > 0) {
        const message = `fake-jira drifted from Jira's OpenAPI description for ${operationId}: ${responseProblems.slice(0, 5).join('; ')}`;
        state.specViolations.push(message);
        if (strict) return send(jiraError(500, message));
      }
      if (method === 'get' && reply.status === 200) {
        const etag = weakEtag(JSON.stringify(reply.body));
        if (c.req.header('if-none-match') === etag) {
          recorded.status = 304;
          return new Response(null, { status: 304, headers: { etag } });
        }
        return send(reply, { etag });
      }
      return send(reply);
    });
  };
  const must = (issue: FakeJiraIssue | undefined): FakeJiraIssue => {
    if (issue === undefined) throw new Error('fake-jira: route without an issue');
    return issue;
  };
  const obj = (v: unknown): Json =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};

  route('get', '/rest/api/3/issue/{issueIdOrKey}', ({ issue }) => ({
    status: 200,
    body: issueJson(must(issue)),
  }));
  route('get', '/rest/api/3/issue/{issueIdOrKey}/transitions', ({ issue }) => ({
    status: 200,
    body: { transitions: available(must(issue)).map(transitionJson) },
  }));
  route('post', '/rest/api/3/issue/{issueIdOrKey}/transitions', ({ issue, body }) => {
    const target = must(issue);
    const id = obj(obj(body).transition).id;
    const transition = available(target).find((t) => t.id === String(id));
    if (transition === undefined)
      return jiraError(400, `Transition id '${String(id)}' is not valid for this issue.`);
    target.statusId = transition.toStatusId;
    target.statusHistory.push(transition.toStatusId);
    target.updated = state.now();
    return { status: 204 };
  });
  route('get', '/rest/api/3/issue/{issueIdOrKey}/comment', ({ issue, query }) => {
    const target = must(issue);
    const startAt = Number(query.startAt ?? '0') || 0;
    const maxResults = Math.min(5000, Number(query.maxResults ?? '5000') || 5000);
    const comments = target.comments.slice(startAt, startAt + maxResults).map((c) => commentJson(target, c));
    return { status: 200, body: { startAt, maxResults, total: target.comments.length, comments } };
  });
  route('post', '/rest/api/3/issue/{issueIdOrKey}/comment', ({ issue, body, accountId }) => {
    const target = must(issue);
    const adf = obj(obj(body).body);
    if (adf.type !== 'doc' || adf.version !== 1 || !Array.isArray(adf.content))
      return jiraError(400, 'Comment body is not valid!');
    const now = state.now();
    const comment = {
      id: String(state.id()),
      body: adf,
      authorAccountId: accountId,
      created: now,
      updated: now,
    };
    target.comments.push(comment);
    return { status: 201, body: commentJson(target, comment) };
  });
  route('get', '/rest/api/3/issue/{issueIdOrKey}/remotelink', ({ issue, query }) => {
    const target = must(issue);
    if (query.globalId !== undefined) {
      const link = target.remoteLinks.find((l) => l.globalId === query.globalId);
      return link === undefined
        ? jiraError(404, 'No remote link with the given globalId exists for this issue.')
        : { status: 200, body: linkJson(target, link) };
    }
    return { status: 200, body: target.remoteLinks.map((l) => linkJson(target, l)) };
  });
  route('post', '/rest/api/3/issue/{issueIdOrKey}/remotelink', ({ issue, body }) => {
    const target = must(issue);
    const input = obj(body);
    const object = obj(input.object);
    if (typeof object.url !== 'string' || typeof object.title !== 'string')
      return {
        status: 400,
        body: { errorMessages: [], errors: { title: 'Title is required.', url: 'URL is required.' } },
      };
    const globalId = typeof input.globalId === 'string' ? input.globalId : undefined;
    const existing =
      globalId === undefined ? undefined : target.remoteLinks.find((l) => l.globalId === globalId);
    const value = {
      globalId,
      relationship: typeof input.relationship === 'string' ? input.relationship : undefined,
      object: { ...object, url: object.url, title: object.title },
      application: input.application,
    };
    if (existing !== undefined) {
      Object.assign(existing, value);
      return { status: 200, body: { id: existing.id, self: linkJson(target, existing).self } };
    }
    const link = { id: state.id(), ...value };
    target.remoteLinks.push(link);
    target.updated = state.now();
    return { status: 201, body: { id: link.id, self: linkJson(target, link).self } };
  });
  route('get', '/rest/api/3/search/jql', ({ query }) =>
    search(query.jql ?? '', Math.min(5000, Number(query.maxResults ?? '50') || 50), query.nextPageToken),
  );
  route('post', '/rest/api/3/search/jql', ({ body }) => {
    const input = obj(body);
    return search(
      typeof input.jql === 'string' ? input.jql : '',
      Math.min(5000, typeof input.maxResults === 'number' ? input.maxResults : 50),
      typeof input.nextPageToken === 'string' ? input.nextPageToken : undefined,
    );
  });
  app.all(
    '*',
    () =>
      new Response(JSON.stringify({ errorMessages: ['null for uri: not found'], errors: {} }), {
        status: 404,
        headers: { 'content-type': 'application/json;charset=UTF-8' },
      }),
  );

  const server = await listen(app, { host: options.host, port: options.port });
  base = server.url;
  return { url: server.url, state, close: () => server.close() };
}
