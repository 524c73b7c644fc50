import { describe, expect, it } from 'vitest';
import {
  createGitHubConfig,
  createGitLabConfig,
  createJiraConfig,
  githubClientOptions,
  gitlabClientOptions,
  jiraAuth,
  jiraClientOptions,
} from './forge-config.js';

describe('createGitHubConfig', () => {
  it('defaults to api.github.com and sends the token as a bearer with GitHub REST headers', () => {
    const c = createGitHubConfig({ token: 'ghp_x' });
    expect(c.baseUrl).toBe('https://api.github.com');
    expect(c.headers()).toEqual({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'worktrain',
      authorization: 'Bearer ghp_x',
    });
  });

  it('takes a GitHub Enterprise Server API root without its trailing slash', () => {
    const c = createGitHubConfig({ token: 't', baseUrl: 'https://ghe.acme.test/api/v3/' });
    expect(c.baseUrl).toBe('https://ghe.acme.test/api/v3');
    expect(githubClientOptions(c)).toEqual({
      auth: 't',
      baseUrl: 'https://ghe.acme.test/api/v3',
      userAgent: 'worktrain',
    });
  });

  it('passes an injected fetch and user agent to Octokit, and no auth without a token', () => {
    const fetch: typeof globalThis.fetch = async () => new Response(null);
    const c = createGitHubConfig({ fetch, userAgent: 'worktrain-triggers', token: '' });
    expect(githubClientOptions(c)).toEqual({
      baseUrl: 'https://api.github.com',
      userAgent: 'worktrain-triggers',
      request: { fetch },
    });
    expect(c.headers()).not.toHaveProperty('authorization');
  });
});

describe('createGitLabConfig', () => {
  it('defaults to gitlab.com with PRIVATE-TOKEN', () => {
    const c = createGitLabConfig({ token: 'glpat-x' });
    expect(c.apiUrl).toBe('https://gitlab.com/api/v4');
    expect(c.headers()).toEqual({ 'user-agent': 'worktrain', 'private-token': 'glpat-x' });
    expect(gitlabClientOptions(c)).toEqual({
      host: 'https://gitlab.com',
      queryTimeout: 30_000,
      token: 'glpat-x',
    });
  });

  it('keeps a self-managed path prefix and sends an OAuth token as a bearer', () => {
    const c = createGitLabConfig({
      baseUrl: 'https://git.acme.test/gitlab//',
      token: 'oauth-x',
      tokenType: 'oauth',
      timeoutMs: 5000,
    });
    expect(c.baseUrl).toBe('https://git.acme.test/gitlab');
    expect(c.apiUrl).toBe('https://git.acme.test/gitlab/api/v4');
    expect(c.headers()).toEqual({ 'user-agent': 'worktrain', authorization: 'Bearer oauth-x' });
    expect(gitlabClientOptions(c)).toEqual({
      host: 'https://git.acme.test/gitlab',
      queryTimeout: 5000,
      oauthToken: 'oauth-x',
    });
  });
});

describe('createJiraConfig', () => {
  it('uses Jira Cloud basic auth for an email and API token', () => {
    const c = createJiraConfig({
      baseUrl: 'https://acme.atlassian.net/',
      auth: jiraAuth('me@acme.test', 'api-token'),
    });
    expect(c.baseUrl).toBe('https://acme.atlassian.net');
    // base64("me@acme.test:api-token"), as Atlassian's "Basic auth for REST APIs" builds it.
    expect(c.headers().authorization).toBe('Basic bWVAYWNtZS50ZXN0OmFwaS10b2tlbg==');
    expect(jiraClientOptions(c)).toEqual({
      host: 'https://acme.atlassian.net',
      authentication: { basic: { email: 'me@acme.test', apiToken: 'api-token' } },
      baseRequestConfig: { timeout: 30_000 },
    });
  });

  it('uses a bearer token when no email is given (Data Center PAT, OAuth)', () => {
    const c = createJiraConfig({ baseUrl: 'https://jira.acme.test', auth: jiraAuth(undefined, 'pat') });
    expect(c.headers().authorization).toBe('Bearer pat');
    expect(jiraClientOptions(c).authentication).toEqual({ oauth2: { accessToken: 'pat' } });
  });
});
