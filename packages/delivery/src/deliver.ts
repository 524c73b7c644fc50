import { resolve } from 'node:path';
import {
  err,
  errAsync,
  type GitTarget,
  type JsonObject,
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
import { composeChangeRequestBody } from './body.js';
import {
  type CheckResult,
  type ChecksSandbox,
  checksOutcome,
  type DeliveryCheck,
  runChecks,
} from './checks.js';
import { type CommitIdentity, type CommitResult, commitStaged } from './commit.js';
import { collectWorktreeChanges, type WorktreeChanges } from './diff.js';
import { type DeliveryError, deliveryError } from './errors.js';
import type { ForgeClient } from './forge.js';
import { parseHandoff } from './handoff.js';
import { type ChangeType, commitMessage, conventionalHeader } from './message.js';
import type { PatchCheckPolicy } from './patch/policy.js';
import { checkPatch, patchRefusal } from './patch-check.js';
import { sessionMarker } from './pr-body.js';
import { commentBody } from './pr-content.js';
import { pushBranch } from './push.js';
import { createStageRecorder, type DeliveryStage, type StageRecord } from './recorder.js';
import { checkWorktreeClean } from './worktree-guard.js';

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

type StageValue<T> = { readonly value: T; readonly record: StageRecord };

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
  const wt = target.value;
  const branch = input.branch ?? `worktrain/${input.sessionId}`;
  const deliveryId = input.deliveryId ?? '1';
  const logger = (deps.logger ?? silentLogger).child({ sessionId: input.sessionId, deliveryId });
  const recorder = createStageRecorder(deps.store, input.sessionId, deliveryId, deps.forge.target);
  const redact = redactor(deps.pushToken);

  /** Runs one stage with its events; `fromRecord` reuses an earlier success instead of repeating it. */
  const stage = <T>(
    name: DeliveryStage,
    run: () => ResultAsync<StageValue<T>, DeliveryError>,
    fromRecord?: (record: StageRecord) => T,
  ): ResultAsync<T, DeliveryError> =>
    recorder.lastRecord(name).andThen((last) => {
      const done = last !== undefined && (last.outcome === 'succeeded' || last.outcome === 'skipped');
      if (done && fromRecord !== undefined) return okAsync(fromRecord(last));
      if (done) return run().map((r) => r.value);
      return recorder.attempted(name).andThen((attempt) =>
        run()
          .mapErr(redact)
          .andThen((r) => recorder.recorded(name, attempt, r.record).map(() => r.value))
          .orElse((e) => {
            logger.warn({ stage: name, code: e.code }, e.message);
            const outcome = e.code === 'NEEDS_APPROVAL' ? 'awaiting_approval' : 'failed';
            return recorder
              .recorded(name, attempt, { outcome, details: failureDetails(e) })
              .andThen(() => errAsync<T, DeliveryError>(e));
          }),
      );
    });

  const final = recorder.lastRecord('delivery');
  return final.andThen((done) => {
    if (done?.outcome === 'succeeded') return okAsync(resultFromRecord(input.sessionId, branch, done));

    const handoffStage = stage('handoff', () =>
      recorder.events().andThen((events) =>
        parseHandoff(events).map((parsed) => ({
          value: parsed,
          record: {
            outcome: 'succeeded' as const,
            details: { handoffSeq: parsed.seq, filesChanged: parsed.handoff.filesChanged.length },
          },
        })),
      ),
    );

    return handoffStage.andThen((parsed) => {
      const summary = input.change?.summary ?? parsed.title ?? parsed.goal;
      if (summary === null || summary.trim() === '') {
        return errAsync<DeliveryResult, DeliveryError>(
          deliveryError(
            'INVALID_INPUT',
            'No summary for the commit and PR title: pass change.summary or give the session a title',
          ),
        );
      }
      const change = {
        type: input.change?.type ?? 'fix',
        summary,
        ...(input.change?.scope === undefined ? {} : { scope: input.change.scope }),
        ...(input.issueNumber === undefined ? {} : { issueNumber: input.issueNumber }),
      };
      const targets = [
        ...parsed.handoff.filesChanged,
        ...parsed.handoff.testsAdded,
        ...(input.targets ?? []),
      ];
      const baseRef = input.baseRef ?? `refs/remotes/${deps.remote ?? 'origin'}/${input.baseBranch}`;

      const prepare = (): ResultAsync<unknown, DeliveryError> =>
        deps.prepareWorktree === undefined
          ? okAsync(undefined)
          : deps
              .prepareWorktree(input.worktreePath)
              .mapErr((e) =>
                deliveryError(
                  e.code === 'WORKTREE_MISSING'
                    ? 'WORKTREE_MISSING'
                    : e.code === 'LOCKED'
                      ? 'INDEX_LOCKED'
                      : 'GIT_FAILED',
                  `Preparing the worktree failed: ${e.message}`,
                  { cause: e.code },
                ),
              );
      const composeBody = (baseSha: string) =>
        composeChangeRequestBody({
          worktree: wt,
          baseSha,
          forge: deps.forge,
          parsed,
          summary,
          sessionId: input.sessionId,
          ...(input.template === undefined ? {} : { templateName: input.template }),
          ...(input.issueNumber === undefined ? {} : { issueNumber: input.issueNumber }),
          ...(input.sessionUrl === undefined ? {} : { sessionUrl: input.sessionUrl }),
          ...(input.workflowId === undefined ? {} : { workflowId: input.workflowId }),
        });
      const validateStage = stage('validate', () =>
        prepare()
          .andThen(() => checkWorktreeClean(wt))
          .andThen(() => collectWorktreeChanges(wt, baseRef))
          .andThen((changes) => validate(changes, targets, input.policy))
          .andThen((v) =>
            // The body is checked against the template now, before anything is committed or pushed.
            composeBody(v.value.baseSha).map((b) => ({
              value: v.value,
              record: {
                ...v.record,
                details: {
                  ...v.record.details,
                  template: b.template === null ? null : b.template.path,
                  agentFilledBody: b.agentFilled,
                },
              },
            })),
          ),
      );
      const checksStage = (): ResultAsync<unknown, DeliveryError> =>
        input.checks === undefined || input.checks.length === 0
          ? okAsync(undefined)
          : stage('checks', () =>
              runChecks(
                input.worktreePath,
                input.checks ?? [],
                deps.pushToken === undefined ? [] : [deps.pushToken],
                deps.checksSandbox,
              )
                .andThen(checksOutcome)
                .map((results: CheckResult[]) => ({
                  value: results,
                  record: {
                    outcome: 'succeeded' as const,
                    details: { checks: results.map((r) => ({ ...r })) },
                  },
                })),
            );

      return validateStage.andThen((changes) =>
        checksStage().andThen(() =>
          stage<CommitResult>(
            'commit',
            () =>
              commitStaged(
                wt,
                commitMessage(change, parsed.handoff, input.sessionId),
                changes.baseSha,
                deps.identity,
              ).map((c) => ({
                value: c,
                record: { outcome: 'succeeded', commitSha: c.commitSha, details: { created: c.created } },
              })),
            (r) => ({ commitSha: r.commitSha ?? '', created: r.details.created === true }),
          )
            .andThen(() =>
              stage(
                'push',
                () =>
                  pushBranch({
                    worktree: wt,
                    branch,
                    ...(deps.remote === undefined ? {} : { remote: deps.remote }),
                    ...(deps.pushToken === undefined ? {} : { token: deps.pushToken }),
                    ...(deps.identity === undefined ? {} : { identity: deps.identity }),
                  }).map((p) => ({
                    value: p.commitSha,
                    record: {
                      outcome: 'succeeded',
                      commitSha: p.commitSha,
                      details: { branch, rebased: p.rebased },
                    },
                  })),
                (r) => r.commitSha ?? '',
              ),
            )
            .andThen((commitSha) =>
              stage(
                'pull_request',
                () =>
                  composeBody(changes.baseSha).andThen((composed) => {
                    const template = composed.template;
                    return deps.forge
                      .openOrUpdateChangeRequest({
                        headBranch: branch,
                        baseBranch: input.baseBranch,
                        title: conventionalHeader(change),
                        body: composed.body,
                        ...(input.draft === undefined ? {} : { draft: input.draft }),
                      })
                      .map((pr) => ({
                        value: { number: pr.number, url: pr.url },
                        record: {
                          outcome: 'succeeded' as const,
                          url: pr.url,
                          details: {
                            number: pr.number,
                            created: pr.created,
                            updated: pr.updated,
                            template: template !== null,
                            templatePath: template === null ? null : template.path,
                            agentFilledBody: composed.agentFilled,
                          },
                        },
                      }));
                  }),
                (r) => ({ number: Number(r.details.number), url: r.url ?? '' }),
              ).andThen((pullRequest) =>
                stage(
                  'issue_comment',
                  () => {
                    if (input.issueNumber === undefined) {
                      return okAsync({
                        value: null,
                        record: { outcome: 'skipped' as const, details: { reason: 'no source issue' } },
                      });
                    }
                    const marker = sessionMarker(input.sessionId);
                    return deps.forge
                      .upsertIssueComment({
                        issueNumber: input.issueNumber,
                        marker,
                        body: commentBody(
                          pullRequest.url,
                          input.sessionId,
                          marker,
                          input.sessionUrl,
                          deps.forge.changeRequestNoun,
                        ),
                      })
                      .map((c) => ({
                        value: { id: c.id, url: c.url },
                        record: {
                          outcome: 'succeeded' as const,
                          url: c.url,
                          details: { commentId: c.id, created: c.created },
                        },
                      }));
                  },
                  (r) =>
                    r.outcome === 'skipped' ? null : { id: Number(r.details.commentId), url: r.url ?? '' },
                ).andThen((issueComment) =>
                  stage('delivery', () =>
                    okAsync({
                      value: {
                        sessionId: input.sessionId,
                        branch,
                        commitSha,
                        pullRequest,
                        issueComment,
                        replayed: false,
                      },
                      record: {
                        outcome: 'succeeded' as const,
                        url: pullRequest.url,
                        commitSha,
                        details: {
                          branch,
                          pullRequestNumber: pullRequest.number,
                          ...(issueComment === null
                            ? {}
                            : { commentId: issueComment.id, commentUrl: issueComment.url }),
                        },
                      },
                    }),
                  ),
                ),
              ),
            ),
        ),
      );
    });
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

export function validate(
  changes: WorktreeChanges,
  targets: readonly string[],
  policy: DeliverInput['policy'],
): ResultAsync<StageValue<WorktreeChanges>, DeliveryError> {
  const refusal = patchRefusal(checkPatch(changes.changes, changes.addedLines, { ...policy, targets }));
  if (refusal !== null) return errAsync(refusal);
  const lines = changes.changes.reduce((n, c) => n + (c.insertions ?? 0) + (c.deletions ?? 0), 0);
  return okAsync({
    value: changes,
    record: {
      outcome: 'succeeded',
      details: { baseSha: changes.baseSha, files: changes.changes.length, changedLines: lines },
    },
  });
}

function resultFromRecord(sessionId: string, branch: string, record: StageRecord): DeliveryResult {
  const d = record.details;
  return {
    sessionId,
    branch: typeof d.branch === 'string' ? d.branch : branch,
    commitSha: record.commitSha ?? '',
    pullRequest: { number: Number(d.pullRequestNumber), url: record.url ?? '' },
    issueComment:
      typeof d.commentId === 'number'
        ? { id: d.commentId, url: typeof d.commentUrl === 'string' ? d.commentUrl : '' }
        : null,
    replayed: true,
  };
}

/** Error → JSON details for a `failed` record; stderr is left out (it can echo remote URLs). */
export function failureDetails(e: DeliveryError): JsonObject {
  const { stderrTail: _omit, ...rest } = e.details ?? {};
  return JSON.parse(JSON.stringify({ code: e.code, message: e.message, ...rest })) as JsonObject;
}

/** Replaces every occurrence of the token in an error (message and details) with `***`. */
function redactor(token: string | undefined): (e: DeliveryError) => DeliveryError {
  if (token === undefined || token.length < 4) return (e) => e;
  const scrub = (text: string) => text.split(token).join('***');
  return (e) => {
    const details =
      e.details === undefined
        ? undefined
        : (JSON.parse(scrub(JSON.stringify(e.details))) as Record<string, unknown>);
    return deliveryError(e.code, scrub(e.message), details);
  };
}
