/**
 * `deliver`: the delivery stages (modules in `deliver/`) composed in order, with its input, dependencies
 * and result types.
 */
import { resolve } from 'node:path';
import {
  err,
  errAsync,
  type GitTarget,
  type Logger,
  ok,
  okAsync,
  type Result,
  type ResultAsync,
  silentLogger,
  type WorkTrainError,
  type WorktreeGitRef,
} from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import type { ChecksSandbox, DeliveryCheck } from './checks.js';
import type { CommitIdentity } from './commit.js';
import { deliveryChange, handoffStage } from './deliver/change.js';
import {
  commitStage,
  deliveryRecordStage,
  issueCommentStage,
  pullRequestStage,
  pushStage,
  resultFromRecord,
} from './deliver/publish-stages.js';
import { createStageRunner } from './deliver/run-stage.js';
import { checksStage, validateStage } from './deliver/validate-stage.js';
import { type DeliveryError, deliveryError } from './errors.js';
import type { ForgeClient } from './forge.js';
import type { ChangeType } from './message.js';
import type { PatchCheckPolicy } from './patch/policy.js';
import { createStageRecorder } from './recorder.js';

export { failureDetails } from './deliver/run-stage.js';
export { validate } from './deliver/validate-stage.js';

/** What to deliver. */
export interface DeliverInput {
  readonly sessionId: string;
  /** The session's worktree (the agent's changes, committed or not). */
  readonly worktreePath: string;
  /**
   * The worktree's trusted git layout (the workspace manager's `Worktree.git`): every git command then runs
   * with `GIT_DIR`/`GIT_WORK_TREE`/`GIT_COMMON_DIR` pinned to it after checking the worktree's `.git` still
   * points there (WORKTREE_TAMPERED otherwise). Its `worktree` must be `worktreePath`. Without it git runs in
   * `worktreePath` unpinned (hooks and fsmonitor still off): only for worktrees no agent wrote to.
   */
  readonly worktreeGit?: WorktreeGitRef;
  /** Base branch the change request targets (`main`). */
  readonly baseBranch: string;
  /** Ref the diff is measured against; default `refs/remotes/origin/<baseBranch>`. */
  readonly baseRef?: string;
  /** Head branch; default `worktrain/<sessionId>`. */
  readonly branch?: string;
  /** Delivery round; default `1`. A later round (after a fix loop) delivers new commits to the same PR. */
  readonly deliveryId?: string;
  /** Conventional type (default `fix`), optional scope, and a one-line summary (default: the session's
   *  title, else its goal). */
  readonly change?: { readonly type?: ChangeType; readonly scope?: string; readonly summary?: string };
  /** Source issue: `Closes #N` in the PR and a comment on it. */
  readonly issueNumber?: number;
  /** Extra target globs besides the handoff's `filesChanged` and `testsAdded`. */
  readonly targets?: readonly string[];
  /** Caps, protected paths, approvals: the patch validator's policy (see {@link PatchCheckPolicy}); the
   *  targets come from the handoff, and `declared`/`maxBytes` concern patch text only. */
  readonly policy?: Omit<PatchCheckPolicy, 'targets' | 'declared' | 'maxBytes'>;
  readonly sessionUrl?: string;
  readonly workflowId?: string;
  readonly draft?: boolean;
  /** PR/MR template name (`bugfix` → `.github/PULL_REQUEST_TEMPLATE/bugfix.md` or
   *  `.gitlab/merge_request_templates/Bugfix.md`); the handoff's `prTemplate` wins over it. */
  readonly template?: string;
  /** Commands run in the worktree after validation and before committing; their output is recorded in
   *  the `checks` stage and any failure stops the delivery (CHECKS_FAILED). */
  readonly checks?: readonly DeliveryCheck[];
}

/** Dependencies of {@link deliver}. Only this stage ever holds the forge token. */
export interface DeliverDeps {
  readonly store: SessionStore;
  readonly forge: ForgeClient;
  /** Token for `git push`/`fetch` over HTTPS (usually the same forge token); never in argv or config. */
  readonly pushToken?: string;
  /** Default `origin`. */
  readonly remote?: string;
  /** Author/committer of the delivery commit; default: the repository's git config. */
  readonly identity?: CommitIdentity;
  readonly logger?: Logger;
  /** The OS sandbox `checks` run in, with the session's policy (the daemon always sets it). */
  readonly checksSandbox?: ChecksSandbox;
  /**
   * Called with the worktree path before the first git command that writes (e.g. the workspace manager's
   * `releaseStaleIndexLock`, so a lock left by a killed agent does not fail the delivery). Its error fails the
   * validate stage with the error's code when it is a delivery code, else GIT_FAILED.
   */
  readonly prepareWorktree?: (worktreePath: string) => ResultAsync<unknown, WorkTrainError>;
}

export interface DeliveryResult {
  readonly sessionId: string;
  readonly branch: string;
  readonly commitSha: string;
  readonly pullRequest: { readonly number: number; readonly url: string };
  readonly issueComment: { readonly id: number; readonly url: string } | null;
  /** True when the delivery had already completed and nothing was done. */
  readonly replayed: boolean;
}

/**
 * Delivers a session's work (DESIGN §8, "safe outputs"): parse the handoff → validate the diff → commit →
 * push → open or update the PR → comment on the issue → record. Each stage records `delivery_attempted` and
 * `delivery_recorded` in the session log with per-stage idempotency keys; a stage that already succeeded in
 * this delivery round is not repeated, and the side-effecting stages are idempotent against the outside
 * world too (no new commit for an unchanged tree, PR found by head branch, comment found by marker), so a
 * delivery retried after a crash at any point yields exactly one commit, one PR and one comment.
 * Errors: see `DeliveryErrorCode`; NEEDS_APPROVAL is recorded as `awaiting_approval`.
 */
export function deliver(input: DeliverInput, deps: DeliverDeps): ResultAsync<DeliveryResult, DeliveryError> {
  const target = gitTargetOf(input);
  if (target.isErr()) return errAsync(target.error);
  const branch = input.branch ?? `worktrain/${input.sessionId}`;
  const deliveryId = input.deliveryId ?? '1';
  const logger = (deps.logger ?? silentLogger).child({ sessionId: input.sessionId, deliveryId });
  const recorder = createStageRecorder(deps.store, input.sessionId, deliveryId, deps.forge.target);
  const stage = createStageRunner(recorder, logger, deps.pushToken);

  return recorder.lastRecord('delivery').andThen((done) => {
    if (done?.outcome === 'succeeded') return okAsync(resultFromRecord(input.sessionId, branch, done));
    return handoffStage(stage, recorder)
      .andThen((parsed) => deliveryChange({ input, deps, wt: target.value, branch }, parsed))
      .andThen((c) =>
        validateStage(stage, c).andThen((changes) =>
          checksStage(stage, c)
            .andThen(() => commitStage(stage, c, changes))
            .andThen(() => pushStage(stage, c))
            .andThen((commitSha) =>
              pullRequestStage(stage, c, changes.baseSha).andThen((pullRequest) =>
                issueCommentStage(stage, c, pullRequest).andThen((issueComment) =>
                  deliveryRecordStage(stage, c, commitSha, pullRequest, issueComment),
                ),
              ),
            ),
        ),
      );
  });
}

/**
 * Where delivery's git runs: the trusted ref when the input has one (its worktree must be `worktreePath`,
 * else INVALID_INPUT), else the path.
 */
export function gitTargetOf(input: DeliverInput): Result<GitTarget, DeliveryError> {
  const ref = input.worktreeGit;
  if (ref === undefined) return ok(input.worktreePath);
  if (resolve(ref.worktree) !== resolve(input.worktreePath))
    return err(
      deliveryError(
        'INVALID_INPUT',
        `worktreeGit names ${ref.worktree}, not the worktree ${input.worktreePath}`,
        {
          issues: [{ path: ['worktreeGit', 'worktree'], message: 'must be worktreePath' }],
        },
      ),
    );
  return ok(ref);
}
