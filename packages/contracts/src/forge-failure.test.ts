import { describe, expect, it } from 'vitest';
import { classifyUpstreamFailure, readUpstreamFailure } from './forge-failure.js';

const now = Date.UTC(2026, 0, 1);

/** Octokit's RequestError shape: { status, response: { headers, data } }. */
function octokitError(status: number, headers: Record<string, string> = {}, data: unknown = {}) {
  return Object.assign(new Error('octokit'), { status, response: { headers, data } });
}

/** gitbeaker's shape: { cause: { description, response: Response } }. */
function gitbeakerError(status: number, description: string, headers: Record<string, string> = {}) {
  return Object.assign(new Error('gitbeaker'), {
    cause: { description, response: new Response(null, { status, headers }) },
  });
}

/** jira.js HttpException: { status, response: body, cause: AxiosError { response: { headers, data } } }. */
function jiraError(status: number, data: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error('jira'), { status, response: data, cause: { response: { headers, data } } });
}

const classify = (thrown: unknown) => classifyUpstreamFailure(readUpstreamFailure(thrown), now);

describe('readUpstreamFailure', () => {
  it("reads Octokit's status, lower-cased headers and GitHub's message", () => {
    const f = readUpstreamFailure(
      octokitError(404, { 'X-GitHub-Request-Id': 'r1' }, { message: 'Not Found' }),
    );
    expect(f).toMatchObject({ status: 404, headers: { 'x-github-request-id': 'r1' }, message: 'Not Found' });
  });

  it("reads gitbeaker's Response and description", () => {
    const f = readUpstreamFailure(gitbeakerError(404, '404 Project Not Found'));
    expect(f).toMatchObject({ status: 404, message: '404 Project Not Found' });
  });

  it("reads jira.js's status and Jira's errorMessages", () => {
    const f = readUpstreamFailure(jiraError(400, { errorMessages: ['bad JQL'] }));
    expect(f).toMatchObject({ status: 400, message: 'bad JQL' });
  });

  it('gives a null status for a network error', () => {
    expect(readUpstreamFailure(new TypeError('fetch failed'))).toMatchObject({
      status: null,
      message: 'fetch failed',
    });
  });
});

describe('classifyUpstreamFailure', () => {
  it('sorts statuses into kinds', () => {
    expect(classify(new TypeError('fetch failed')).kind).toBe('unavailable');
    expect(classify(octokitError(502)).kind).toBe('unavailable');
    expect(classify(octokitError(401)).kind).toBe('auth');
    expect(classify(octokitError(403)).kind).toBe('forbidden');
    expect(classify(gitbeakerError(404, 'nope')).kind).toBe('not_found');
    expect(classify(jiraError(400, {})).kind).toBe('rejected');
    expect(classify(gitbeakerError(429, 'slow down')).kind).toBe('rate_limited');
  });

  it("treats GitHub's 403 with an exhausted limit as rate limited, waiting until the reset", () => {
    const reset = String(now / 1000 + 90);
    expect(classify(octokitError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }))).toEqual(
      {
        kind: 'rate_limited',
        status: 403,
        retryAfterMs: 90_000,
      },
    );
  });

  it("treats GitHub's secondary limit (403 with retry-after) as rate limited", () => {
    expect(classify(octokitError(403, { 'retry-after': '60' }))).toEqual({
      kind: 'rate_limited',
      status: 403,
      retryAfterMs: 60_000,
    });
  });

  it('reads Retry-After as an HTTP-date too', () => {
    const at = new Date(now + 30_000).toUTCString();
    expect(classify(jiraError(503, {}, { 'Retry-After': at }))).toEqual({
      kind: 'unavailable',
      status: 503,
      retryAfterMs: 30_000,
    });
  });
});
