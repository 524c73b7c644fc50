import { branchSha } from './git-refs.js';
import { basicError, type Reply } from './http.js';
import { pullJson } from './objects.js';
import type { FakeGitHubState, FakeIssue, FakeRepo } from './state.js';

// What every route module of the fake GitHub shares: the handler context and the repo/item lookups.

export interface RouteContext {
  readonly state: FakeGitHubState;
  /** Base URL of the fake (API root). */
  readonly base: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly login: string;
}

export interface Route {
  /** Path template exactly as in GitHub's OpenAPI description. */
  readonly path: string;
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  handle(context: RouteContext): Promise<Reply> | Reply;
}

export type Json = Record<string, unknown>;
export const asJson = (value: unknown): Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const NOT_FOUND = (): Reply => basicError(404, 'Not Found');

export function withRepo(
  context: RouteContext,
  then: (repo: FakeRepo) => Promise<Reply> | Reply,
): Promise<Reply> | Reply {
  const repo = context.state.repo(context.params.owner ?? '', context.params.repo ?? '');
  return repo === undefined ? NOT_FOUND() : then(repo);
}

export function withItem(
  context: RouteContext,
  key: 'issue_number' | 'pull_number',
  then: (repo: FakeRepo, item: FakeIssue) => Promise<Reply> | Reply,
) {
  return withRepo(context, (repo) => {
    const item = repo.items[Number(context.params[key]) - 1];
    if (item === undefined || (key === 'pull_number' && item.pull === undefined)) return NOT_FOUND();
    return then(repo, item);
  });
}

/** The pull request as GitHub renders it (base sha read from the origin or the branch table). */
export async function pullReply(
  context: RouteContext,
  repo: FakeRepo,
  item: FakeIssue,
  status = 200,
): Promise<Reply> {
  const baseSha = (await branchSha(repo, item.pull?.base ?? repo.defaultBranch)) ?? '0'.repeat(40);
  return { status, body: pullJson(context.base, repo, item, baseSha) };
}

/** Re-reads an open pull request's head sha from its branch (a push moves it), as GitHub does on read. */
export async function refreshHead(repo: FakeRepo, item: FakeIssue): Promise<void> {
  if (item.pull === undefined || item.state !== 'open') return;
  const sha = await branchSha(repo, item.pull.head);
  if (sha !== undefined) item.pull.headSha = sha;
}
