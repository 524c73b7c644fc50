import {
  errAsync,
  type Logger,
  ok,
  okAsync,
  type Result,
  type ResultAsync,
  type WorkTrainError,
  type WorktreeGitRef,
} from '@worktrain/contracts';
import {
  type ChecksSandbox,
  createGitHubForge,
  type DeliveryCheck,
  type DeliveryPlan,
  type DeliveryResult,
  deliver,
  type ForgeClient,
  planDelivery,
} from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';

/** What the lifecycle asks delivery to do for a finished session. */
export interface DeliverRequest {
  readonly sessionId: string;
  readonly worktreePath: string;
  /**
   * The worktree's trusted git layout (the workspace manager's `Worktree.git`), never read back from the
   * agent-writable `.git` file: delivery's git runs pinned to it and refuses a tampered worktree
   * (WORKTREE_TAMPERED).
   */
  readonly worktreeGit: WorktreeGitRef;
  readonly baseBranch: string;
  /** Protected paths the approvals gate cleared (`gateDelivery`); the patch check lets these through. */
  readonly approvedProtectedPaths?: readonly string[];
  /** The forge project: `owner/name` on GitHub; the project path (`group/app`) or numeric id on GitLab. */
  readonly repo: string;
  /** Source issue (GitLab: iid) to comment on, or the GitLab MR iid when `noteOn` is `merge_request`. */
  readonly issueNumber: number | null;
  /** Forge of `repo`; default `github`. */
  readonly forge?: 'github' | 'gitlab';
  /** What `issueNumber` names; default `issue`. */
  readonly noteOn?: 'issue' | 'merge_request';
  /** Jira ticket moved, linked and commented once the PR/MR is open (`createForgeDelivery`). */
  readonly jiraIssueKey?: string | null;
  /** Only plan: `planDelivery` reports branch, commits, diff stat, title and body; nothing is pushed or opened. */
  readonly dryRun?: boolean;
  /** PR/MR template name (the handoff's `prTemplate` wins over it). */
  readonly template?: string | null;
  /**
   * The head branch to push to and open (or update) the PR/MR from; default `worktrain/<sessionId>`. A
   * pipeline's code and fix sessions share their pipeline's branch, so every fix lands on the same PR.
   */
  readonly branch?: string;
}

/** Delivers a session's work; idempotent (a retry after a crash finds the PR by head branch). */
export type DeliverFn = (
  request: DeliverRequest,
) => ResultAsync<
  { readonly url: string; readonly replayed: boolean; readonly dryRun?: DeliveryPlan },
  WorkTrainError<string>
>;

/** A forge client for one request and the token `git push` uses; an error when none is configured. */
export type ForgeFactory = (
  request: DeliverRequest,
) => Result<{ readonly client: ForgeClient; readonly pushToken: string }, WorkTrainError<string>>;

/**
 * The delivery stage over `@worktrain/delivery` (DESIGN §8), forge-agnostic: `forgeFor` picks the GitHub or
 * GitLab client of the request (only it holds the token; the agent never sees it), and `afterDelivered`
 * runs once the PR/MR is open (the Jira return path), also on a replayed delivery (it must be idempotent).
 */
export function createDelivery(options: {
  readonly store: SessionStore;
  readonly forgeFor: ForgeFactory;
  readonly logger: Logger;
  /** Checks run before the commit (config `delivery.checks`); none by default. */
  readonly checks?: readonly DeliveryCheck[];
  /** The sandbox and policy the checks of one delivery run in (the daemon always sets it). */
  readonly checksSandboxFor?: (request: DeliverRequest) => ChecksSandbox;
  readonly afterDelivered?: (
    request: DeliverRequest,
    delivered: DeliveryResult,
    forge: ForgeClient,
  ) => ResultAsync<unknown, WorkTrainError<string>>;
}): DeliverFn {
  return (request) => {
    const picked = options.forgeFor(request);
    if (picked.isErr()) return errAsync(picked.error);
    const { client, pushToken } = picked.value;
    if (request.dryRun === true)
      return planDelivery(
        {
          sessionId: request.sessionId,
          worktreePath: request.worktreePath,
          worktreeGit: request.worktreeGit,
          baseBranch: request.baseBranch,
          ...(request.issueNumber !== null ? { issueNumber: request.issueNumber } : {}),
          ...(typeof request.template === 'string' ? { template: request.template } : {}),
          ...(request.branch === undefined ? {} : { branch: request.branch }),
        },
        { store: options.store, forge: client },
      ).map((plan) => ({ url: '', replayed: false, dryRun: plan }));
    return deliver(
      {
        sessionId: request.sessionId,
        worktreePath: request.worktreePath,
        worktreeGit: request.worktreeGit,
        baseBranch: request.baseBranch,
        ...(request.issueNumber !== null ? { issueNumber: request.issueNumber } : {}),
        ...(typeof request.template === 'string' ? { template: request.template } : {}),
        ...(request.branch === undefined ? {} : { branch: request.branch }),
        ...(request.approvedProtectedPaths === undefined
          ? {}
          : { policy: { approvedProtectedPaths: request.approvedProtectedPaths } }),
        ...(options.checks === undefined || options.checks.length === 0 ? {} : { checks: options.checks }),
      },
      {
        store: options.store,
        forge: client,
        pushToken,
        logger: options.logger,
        ...(options.checksSandboxFor === undefined
          ? {}
          : { checksSandbox: options.checksSandboxFor(request) }),
      },
    )
      .andThen((r) =>
        options.afterDelivered === undefined
          ? okAsync(r)
          : options.afterDelivered(request, r, client).map(() => r),
      )
      .map((r) => ({ url: r.pullRequest.url, replayed: r.replayed }));
  };
}

/**
 * The GitHub-only delivery stage (kept for embedders; the daemon uses `createForgeDelivery`). `apiBaseUrl`
 * points at GitHub, GitHub Enterprise or a local double.
 */
export function createGitHubDelivery(options: {
  readonly store: SessionStore;
  readonly token: string;
  readonly apiBaseUrl: string;
  readonly logger: Logger;
}): DeliverFn {
  return createDelivery({
    store: options.store,
    logger: options.logger,
    forgeFor: (request) => {
      const [owner = '', repo = ''] = request.repo.split('/');
      const client = createGitHubForge({ owner, repo, token: options.token, baseUrl: options.apiBaseUrl });
      return ok({ client, pushToken: options.token });
    },
  });
}
