/**
 * One home per forge: how WorkTrain reaches GitHub, GitLab and Jira (base URL, credentials, user agent,
 * injected `fetch`, timeout), shared by the trigger pollers and the delivery targets. Plain data and plain
 * option objects only: the SDKs (Octokit, gitbeaker, jira.js) stay in the packages that call them, which pass
 * the `…ClientOptions` of a config to their constructor.
 */

/** What every forge config carries. Tokens live only in `headers()` and the client options: never log them. */
export interface ForgeConfig<F extends 'github' | 'gitlab' | 'jira'> {
  readonly forge: F;
  /** Base URL without trailing slash (GitHub: the REST API root; GitLab and Jira: the instance/site URL). */
  readonly baseUrl: string;
  /** Sent as `User-Agent` by plain-`fetch` callers and by Octokit. */
  readonly userAgent: string;
  /** Transport for clients that accept one (Octokit); default the global `fetch`. */
  readonly fetch: typeof globalThis.fetch | undefined;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
  /** Authentication and identification headers for a plain `fetch` to this forge. */
  headers(): Record<string, string>;
}

const trimSlashes = (url: string): string => url.replace(/\/+$/, '');
const DEFAULT_TIMEOUT_MS = 30_000;

/** Settings of {@link createGitHubConfig}. */
export interface GitHubSettings {
  /** Token (fine-grained, classic or an installation token); none: anonymous requests. */
  readonly token?: string | undefined;
  /** REST API root; default `https://api.github.com` (GitHub Enterprise Server: `https://host/api/v3`). */
  readonly baseUrl?: string | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Default `worktrain`. */
  readonly userAgent?: string | undefined;
  /** Default 30 000 ms. */
  readonly timeoutMs?: number | undefined;
}

export interface GitHubConfig extends ForgeConfig<'github'> {
  readonly token: string | undefined;
}

/**
 * GitHub REST settings. `headers()` follows GitHub's REST docs ("Getting started with the REST API"):
 * `Accept: application/vnd.github+json`, `X-GitHub-Api-Version: 2022-11-28`, `Authorization: Bearer <token>`.
 */
export function createGitHubConfig(settings: GitHubSettings = {}): GitHubConfig {
  const token = settings.token === '' ? undefined : settings.token;
  const userAgent = settings.userAgent ?? 'worktrain';
  return {
    forge: 'github',
    baseUrl: trimSlashes(settings.baseUrl ?? 'https://api.github.com'),
    token,
    userAgent,
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    headers: () => ({
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': userAgent,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    }),
  };
}

/** Octokit constructor options of a {@link GitHubConfig} (`new Octokit({...githubClientOptions(c), log})`). */
export function githubClientOptions(config: GitHubConfig): {
  auth?: string;
  baseUrl: string;
  userAgent: string;
  request?: { fetch: typeof globalThis.fetch };
} {
  return {
    ...(config.token === undefined ? {} : { auth: config.token }),
    baseUrl: config.baseUrl,
    userAgent: config.userAgent,
    ...(config.fetch === undefined ? {} : { request: { fetch: config.fetch } }),
  };
}

/** Settings of {@link createGitLabConfig}. */
export interface GitLabSettings {
  /** Personal, project or group access token (`PRIVATE-TOKEN`), or an OAuth token with `tokenType: 'oauth'`. */
  readonly token?: string | undefined;
  /** Default `private`. */
  readonly tokenType?: 'private' | 'oauth' | undefined;
  /** Instance URL including any path prefix; default `https://gitlab.com` (self-managed: `https://host/gitlab`). */
  readonly baseUrl?: string | undefined;
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Default `worktrain`. */
  readonly userAgent?: string | undefined;
  /** Default 30 000 ms. */
  readonly timeoutMs?: number | undefined;
}

export interface GitLabConfig extends ForgeConfig<'gitlab'> {
  /** `${baseUrl}/api/v4`. */
  readonly apiUrl: string;
  readonly token: string;
  readonly tokenType: 'private' | 'oauth';
}

/** GitLab REST v4 settings; `headers()` sends `PRIVATE-TOKEN` or `Authorization: Bearer` (GitLab REST docs, "Authentication"). */
export function createGitLabConfig(settings: GitLabSettings = {}): GitLabConfig {
  const baseUrl = trimSlashes(settings.baseUrl ?? 'https://gitlab.com');
  const token = settings.token ?? '';
  const tokenType = settings.tokenType ?? 'private';
  const userAgent = settings.userAgent ?? 'worktrain';
  return {
    forge: 'gitlab',
    baseUrl,
    apiUrl: `${baseUrl}/api/v4`,
    token,
    tokenType,
    userAgent,
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    headers: () => ({
      'user-agent': userAgent,
      ...(token === ''
        ? {}
        : tokenType === 'oauth'
          ? { authorization: `Bearer ${token}` }
          : { 'private-token': token }),
    }),
  };
}

/** gitbeaker constructor options of a {@link GitLabConfig} (gitbeaker uses the global `fetch`). */
export function gitlabClientOptions(
  config: GitLabConfig,
): { host: string; queryTimeout: number } & ({ token: string } | { oauthToken: string }) {
  return {
    host: config.baseUrl,
    queryTimeout: config.timeoutMs,
    ...(config.tokenType === 'oauth' ? { oauthToken: config.token } : { token: config.token }),
  };
}

/**
 * Jira credentials: Jira Cloud's basic auth with an Atlassian account email and API token, or a bearer token
 * (Data Center personal access token, OAuth 2.0 access token).
 */
export type JiraAuth =
  | { readonly email: string; readonly apiToken: string }
  | { readonly accessToken: string };

/** Settings of {@link createJiraConfig}. */
export interface JiraSettings {
  /** Site URL, e.g. `https://acme.atlassian.net` or a Data Center base URL. */
  readonly baseUrl: string;
  readonly auth: JiraAuth;
  readonly fetch?: typeof globalThis.fetch | undefined;
  /** Default `worktrain`. */
  readonly userAgent?: string | undefined;
  /** Default 30 000 ms. */
  readonly timeoutMs?: number | undefined;
}

export interface JiraConfig extends ForgeConfig<'jira'> {
  readonly auth: JiraAuth;
}

/**
 * The credentials a Jira trigger or target config names: `email` + `token` is Cloud basic auth, `token` alone a
 * bearer token.
 */
export function jiraAuth(email: string | undefined, token: string): JiraAuth {
  return email ? { email, apiToken: token } : { accessToken: token };
}

/**
 * Jira REST settings; `headers()` sends `Authorization: Basic base64(email:apiToken)` (Atlassian, "Basic auth
 * for REST APIs") or `Authorization: Bearer <token>`.
 */
export function createJiraConfig(settings: JiraSettings): JiraConfig {
  const { auth } = settings;
  const userAgent = settings.userAgent ?? 'worktrain';
  const authorization =
    'accessToken' in auth
      ? `Bearer ${auth.accessToken}`
      : `Basic ${Buffer.from(`${auth.email}:${auth.apiToken}`, 'utf8').toString('base64')}`;
  return {
    forge: 'jira',
    baseUrl: trimSlashes(settings.baseUrl),
    auth,
    userAgent,
    fetch: settings.fetch,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    headers: () => ({ accept: 'application/json', 'user-agent': userAgent, authorization }),
  };
}

/** jira.js constructor options of a {@link JiraConfig} (jira.js uses axios, not `fetch`). */
export type JiraClientOptions = {
  host: string;
  baseRequestConfig: { timeout: number };
} & (
  | { authentication: { basic: { email: string; apiToken: string } } }
  | { authentication: { oauth2: { accessToken: string } } }
);

/** jira.js constructor options of a {@link JiraConfig} (`new Version3Client(jiraClientOptions(c))`). */
export function jiraClientOptions(config: JiraConfig): JiraClientOptions {
  const { auth } = config;
  const common = { host: config.baseUrl, baseRequestConfig: { timeout: config.timeoutMs } };
  return 'accessToken' in auth
    ? { ...common, authentication: { oauth2: { accessToken: auth.accessToken } } }
    : { ...common, authentication: { basic: { email: auth.email, apiToken: auth.apiToken } } };
}
