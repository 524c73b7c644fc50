import { Hono } from 'hono';
import { listen, type NodeEnv } from '../http-server.js';
import { basicError, paginate, type Reply, weakEtag } from './http.js';
import { MERGE_ROUTES } from './merge-routes.js';
import { githubSpecValidator } from './openapi.js';
import { REVIEW_ROUTES } from './review-routes.js';
import { ROUTES } from './routes.js';
import { FakeGitHubState, type RecordedGitHubRequest } from './state.js';

export interface FakeGitHubOptions {
  /** Accepted tokens → login. Default: any non-empty token is accepted as `defaultLogin`. */
  readonly tokens?: Readonly<Record<string, string>>;
  /** Login of the authenticated user when `tokens` is not given. Default `worktrain-bot`. */
  readonly defaultLogin?: string;
  /** Clock for timestamps. Default `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * What to do when a request or response does not match GitHub's OpenAPI description:
   * `'error'` (default) answers 500 with the mismatch (request problems: 422 like GitHub) and records it in
   * `state.specViolations`; `'record'` only records it.
   */
  readonly onSpecViolation?: 'error' | 'record';
  readonly host?: string;
  readonly port?: number;
}

export interface FakeGitHub {
  /** API base URL to pass as `baseUrl` to Octokit, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  /** The in-memory repositories, issues, PRs, recorded requests and spec violations. */
  readonly state: FakeGitHubState;
  close(): Promise<void>;
}

/**
 * Starts a fake GitHub REST API on loopback over an in-memory state (see README for the routes). Every request
 * needs `Authorization: token|Bearer <t>` (401 otherwise); GETs carry a weak `ETag` and answer 304 to a
 * matching `If-None-Match` (without using rate limit, as GitHub does); lists paginate with `per_page`/`page`
 * and a `Link` header; every answer carries `x-ratelimit-*` headers. Request query/body and response body are
 * validated against the committed subset of GitHub's OpenAPI description.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const state = new FakeGitHubState(options.now);
  const spec = githubSpecValidator();
  const strict = (options.onSpecViolation ?? 'error') === 'error';
  const app = new Hono<NodeEnv>();
  let base = '';
  let requestCounter = 0;

  for (const route of [...ROUTES, ...MERGE_ROUTES, ...REVIEW_ROUTES]) {
    const operation = spec.operation(route.path, route.method);
    if (operation === undefined)
      throw new Error(`fake-github: ${route.method} ${route.path} is not in the OpenAPI subset`);
    const honoPath = route.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(route.method.toUpperCase(), honoPath, async (c) => {
      requestCounter += 1;
      const requestUrl = new URL(c.req.url);
      const query: Record<string, string> = {};
      requestUrl.searchParams.forEach((value, key) => {
        query[key] = value;
      });
      const text = route.method === 'get' || route.method === 'delete' ? '' : await c.req.text();
      let body: unknown;
      let badJson = false;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          badJson = true;
        }
      }
      const authorization = c.req.header('authorization') ?? '';
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization)?.[1];
      const login =
        token === undefined
          ? undefined
          : options.tokens === undefined
            ? (options.defaultLogin ?? 'worktrain-bot')
            : options.tokens[token];
      const recorded: RecordedGitHubRequest = {
        method: route.method.toUpperCase(),
        url: `${requestUrl.pathname}${requestUrl.search}`,
        operationId: operation.operationId,
        body,
        login,
        receivedAt: Date.now(),
      };
      state.requests.push(recorded);
      const isSearch = route.path.startsWith('/search/');
      const headers: Record<string, string> = {
        'x-github-request-id': `FAKE:${requestCounter}`,
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': String(isSearch ? 30 : state.rateLimitLimit),
        'x-ratelimit-reset': String(Math.floor(Date.parse(state.now()) / 1000) + 3600),
        'x-ratelimit-resource': isSearch ? 'search' : 'core',
      };
      const send = (reply: Reply, extra: Record<string, string> = {}): Response => {
        recorded.status = reply.status;
        const payload = 'body' in reply ? reply.body : undefined;
        const all = { ...headers, ...('headers' in reply ? reply.headers : {}), ...extra };
        if (payload === undefined) return new Response(null, { status: reply.status, headers: all });
        return new Response(JSON.stringify(payload), {
          status: reply.status,
          headers: { ...all, 'content-type': 'application/json; charset=utf-8' },
        });
      };

      if (token === undefined) return send(basicError(401, 'Requires authentication'));
      if (login === undefined) return send(basicError(401, 'Bad credentials'));
      if (badJson) return send(basicError(400, 'Problems parsing JSON'));
      if (state.rateLimitRemaining <= 0) {
        headers['x-ratelimit-remaining'] = '0';
        headers['x-ratelimit-used'] = String(state.rateLimitLimit);
        return send(
          basicError(
            403,
            'API rate limit exceeded for user ID 1.',
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          ),
        );
      }

      const fault = state.takeFault(operation.operationId);
      if (fault !== undefined) {
        const secondary =
          fault.retryAfterSeconds !== undefined && (fault.status === 403 || fault.status === 429);
        const message =
          fault.message ??
          (secondary
            ? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
            : fault.status === 403
              ? 'Forbidden'
              : 'Server Error');
        const extra: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
        return send(basicError(fault.status, message), extra);
      }
      const requestProblems = spec.validateRequest(operation, query, body);
      if (requestProblems.length > 0) {
        state.specViolations.push(
          ...requestProblems.map((problem) => `${operation.operationId} request: ${problem}`),
        );
        if (strict)
          return send({
            status: 422,
            body: {
              message: `Invalid request.\n\n${requestProblems.join('\n')}`,
              documentation_url: 'https://docs.github.com/rest',
              status: '422',
            },
          });
      }

      const reply = await route.handle({ state, base, params: c.req.param(), query, body, login });
      let final: Reply = reply;
      const extra: Record<string, string> = {};
      if ('list' in reply || 'search' in reply) {
        const items = 'list' in reply ? reply.list : reply.search;
        const { page, link } = paginate(items, requestUrl, query);
        if (link !== undefined) extra.link = link;
        final = {
          status: 200,
          body:
            'list' in reply
              ? page
              : { total_count: items.length, incomplete_results: false, items: page, search_type: 'lexical' },
        };
      }
      const payload = 'body' in final ? final.body : undefined;
      const responseProblems = spec.validateResponse(operation, final.status, payload);
      if (responseProblems.length > 0) {
        const message = `fake-github drifted from GitHub's OpenAPI description for ${operation.operationId}: ${responseProblems.slice(0, 5).join('; ')}`;
        state.specViolations.push(message);
        if (strict) return send(basicError(500, message));
      }
      if (route.method === 'get' && final.status === 200) {
        const etag = weakEtag(JSON.stringify(payload));
        extra.etag = etag;
        if (c.req.header('if-none-match') === etag) {
          // GitHub: conditional requests answered 304 do not count against the rate limit.
          headers['x-ratelimit-remaining'] = String(state.rateLimitRemaining);
          headers['x-ratelimit-used'] = String(state.rateLimitLimit - state.rateLimitRemaining);
          return send({ status: 304, body: undefined }, extra);
        }
      }
      state.rateLimitRemaining -= 1;
      headers['x-ratelimit-remaining'] = String(state.rateLimitRemaining);
      headers['x-ratelimit-used'] = String(state.rateLimitLimit - state.rateLimitRemaining);
      return send(final, extra);
    });
  }
  app.all(
    '*',
    (c) =>
      new Response(
        JSON.stringify({
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest',
          status: '404',
          route: `${c.req.method} ${new URL(c.req.url).pathname}`,
        }),
        { status: 404, headers: { 'content-type': 'application/json; charset=utf-8' } },
      ),
  );

  const server = await listen(app, { host: options.host, port: options.port });
  base = server.url;
  return { url: server.url, state, close: () => server.close() };
}
