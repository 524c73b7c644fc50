import type { Logger, ResultAsync, WorkTrainError } from '@worktrain/contracts';
import { createGitHubForge, deliver } from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';

/** What the lifecycle asks delivery to do for a finished session. */
export interface DeliverRequest {
  readonly sessionId: string;
  readonly worktreePath: string;
  readonly baseBranch: string;
  /** `owner/name` on GitHub. */
  readonly repo: string;
  readonly issueNumber: number | null;
}

/** Delivers a session's work; idempotent (a retry after a crash finds the PR by head branch). */
export type DeliverFn = (
  request: DeliverRequest,
) => ResultAsync<{ readonly url: string; readonly replayed: boolean }, WorkTrainError<string>>;

/**
 * The GitHub delivery stage over `@worktrain/delivery` (DESIGN §8): only this function holds the forge
 * token; the agent never sees it. `baseUrl` points at GitHub, GitHub Enterprise or a local double.
 */
export function createGitHubDelivery(options: {
  readonly store: SessionStore;
  readonly token: string;
  readonly apiBaseUrl: string;
  readonly logger: Logger;
}): DeliverFn {
  return (request) => {
    const [owner = '', repo = ''] = request.repo.split('/');
    const forge = createGitHubForge({ owner, repo, token: options.token, baseUrl: options.apiBaseUrl });
    return deliver(
      {
        sessionId: request.sessionId,
        worktreePath: request.worktreePath,
        baseBranch: request.baseBranch,
        ...(request.issueNumber !== null ? { issueNumber: request.issueNumber } : {}),
      },
      { store: options.store, forge, pushToken: options.token, logger: options.logger },
    ).map((r) => ({ url: r.pullRequest.url, replayed: r.replayed }));
  };
}
