/**
 * The side-effecting delivery stages, each idempotent against the outside world: `commit` (no new commit
 * for an unchanged tree), `push`, `pull_request` (found by head branch, so a retry never opens a second),
 * `issue_comment` (found by marker; skipped without a source issue) and the final `delivery` record.
 */
import { okAsync, type ResultAsync } from '@worktrain/contracts';
import { type CommitResult, commitStaged } from '../commit.js';
import type { DeliveryResult } from '../deliver.js';
import type { WorktreeChanges } from '../diff.js';
import type { DeliveryError } from '../errors.js';
import { commitMessage, conventionalHeader } from '../message.js';
import { sessionMarker } from '../pr-body.js';
import { commentBody } from '../pr-content.js';
import { pushBranch } from '../push.js';
import type { StageRecord } from '../recorder.js';
import type { DeliveryChange } from './change.js';
import type { RunStage } from './run-stage.js';

type PullRequest = DeliveryResult['pullRequest'];
type IssueComment = DeliveryResult['issueComment'];

/** The `commit` stage: the validated changes as one conventional commit on top of the base. */
export function commitStage(
  stage: RunStage,
  c: DeliveryChange,
  changes: WorktreeChanges,
): ResultAsync<CommitResult, DeliveryError> {
  return stage<CommitResult>(
    'commit',
    () =>
      commitStaged(
        c.wt,
        commitMessage(c.change, c.parsed.handoff, c.input.sessionId),
        changes.baseSha,
        c.deps.identity,
      ).map((commit) => ({
        value: commit,
        record: { outcome: 'succeeded', commitSha: commit.commitSha, details: { created: commit.created } },
      })),
    (r) => ({ commitSha: r.commitSha ?? '', created: r.details.created === true }),
  );
}

/** The `push` stage: the branch to the remote; its value is the pushed commit. */
export function pushStage(stage: RunStage, c: DeliveryChange): ResultAsync<string, DeliveryError> {
  const { deps, branch } = c;
  return stage(
    'push',
    () =>
      pushBranch({
        worktree: c.wt,
        branch,
        ...(deps.remote === undefined ? {} : { remote: deps.remote }),
        ...(deps.pushToken === undefined ? {} : { token: deps.pushToken }),
        ...(deps.identity === undefined ? {} : { identity: deps.identity }),
      }).map((p) => ({
        value: p.commitSha,
        record: { outcome: 'succeeded', commitSha: p.commitSha, details: { branch, rebased: p.rebased } },
      })),
    (r) => r.commitSha ?? '',
  );
}

/** The `pull_request` stage: opens the PR/MR for the branch, or updates the one it has. */
export function pullRequestStage(
  stage: RunStage,
  c: DeliveryChange,
  baseSha: string,
): ResultAsync<PullRequest, DeliveryError> {
  return stage(
    'pull_request',
    () =>
      c.composeBody(baseSha).andThen((composed) => {
        const template = composed.template;
        return c.deps.forge
          .openOrUpdateChangeRequest({
            headBranch: c.branch,
            baseBranch: c.input.baseBranch,
            title: conventionalHeader(c.change),
            body: composed.body,
            ...(c.input.draft === undefined ? {} : { draft: c.input.draft }),
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
  );
}

/** The `issue_comment` stage: links the PR/MR from the source issue (skipped without one). */
export function issueCommentStage(
  stage: RunStage,
  c: DeliveryChange,
  pullRequest: PullRequest,
): ResultAsync<IssueComment, DeliveryError> {
  const { input, deps } = c;
  return stage(
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
        .map((comment) => ({
          value: { id: comment.id, url: comment.url },
          record: {
            outcome: 'succeeded' as const,
            url: comment.url,
            details: { commentId: comment.id, created: comment.created },
          },
        }));
    },
    (r) => (r.outcome === 'skipped' ? null : { id: Number(r.details.commentId), url: r.url ?? '' }),
  );
}

/** The final `delivery` record: what a later call of `deliver` answers without doing anything. */
export function deliveryRecordStage(
  stage: RunStage,
  c: DeliveryChange,
  commitSha: string,
  pullRequest: PullRequest,
  issueComment: IssueComment,
): ResultAsync<DeliveryResult, DeliveryError> {
  const { branch } = c;
  return stage('delivery', () =>
    okAsync({
      value: { sessionId: c.input.sessionId, branch, commitSha, pullRequest, issueComment, replayed: false },
      record: {
        outcome: 'succeeded' as const,
        url: pullRequest.url,
        commitSha,
        details: {
          branch,
          pullRequestNumber: pullRequest.number,
          ...(issueComment === null ? {} : { commentId: issueComment.id, commentUrl: issueComment.url }),
        },
      },
    }),
  );
}

/** The result of a delivery that had already completed, from its `delivery` record (`replayed: true`). */
export function resultFromRecord(sessionId: string, branch: string, record: StageRecord): DeliveryResult {
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
