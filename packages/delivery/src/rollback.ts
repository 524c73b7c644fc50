import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  errAsync,
  type Logger,
  okAsync,
  ResultAsync,
  type SessionEvent,
  silentLogger,
} from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import type { CommitIdentity } from './commit.js';
import { failureDetails } from './deliver.js';
import { type DeliveryError, deliveryError } from './errors.js';
import type { ForgeClient } from './forge.js';
import { authEnv, runGit } from './git.js';
import { createStageRecorder } from './recorder.js';
import { checkSigningPossible } from './signing.js';

export interface RollbackInput {
  readonly sessionId: string;
  /** A clone of the repository (the daemon's `repoPath`, or any clone with the same remote). */
  readonly repoPath: string;
  /** Delivery round to roll back; default `1`. */
  readonly deliveryId?: string;
  /** Why, added to the PR/MR note. */
  readonly reason?: string;
  /** Who asked (`cli:alice`), recorded and written in the note. */
  readonly actor?: string;
}

export interface RollbackDeps {
  readonly store: SessionStore;
  readonly forge: ForgeClient;
  readonly pushToken?: string;
  /** Default `origin`. */
  readonly remote?: string;
  readonly identity?: CommitIdentity;
  readonly logger?: Logger;
}

export interface RollbackResult {
  readonly sessionId: string;
  readonly branch: string;
  /** The revert commit now at the branch head (null when the branch no longer exists). */
  readonly revertSha: string | null;
  /** False when the branch already held the base tree (an earlier rollback got that far). */
  readonly reverted: boolean;
  readonly changeRequest: {
    readonly number: number;
    readonly url: string;
    readonly closedNow: boolean;
  } | null;
  /** True when the rollback had already completed and nothing was done. */
  readonly replayed: boolean;
}

interface Delivered {
  readonly branch: string;
  readonly commitSha: string;
  readonly baseSha: string | null;
  readonly changeRequest: { readonly number: number; readonly url: string } | null;
}

/** Hidden marker of the rollback note on a PR/MR. */
export const rollbackMarker = (sessionId: string) => `<!-- worktrain:rollback=${sessionId} -->`;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** What a delivery round pushed and opened, from its `delivery_recorded` events. */
function findDelivered(
  events: readonly SessionEvent[],
  sessionId: string,
  deliveryId: string,
): Delivered | null {
  const records = events.filter(
    (e): e is SessionEvent & { kind: 'delivery_recorded' } =>
      e.kind === 'delivery_recorded' &&
      e.data.outcome === 'succeeded' &&
      (e.idempotencyKey?.startsWith(`delivery:${deliveryId}:`) ?? false),
  );
  const last = (stage: string) => records.filter((r) => r.data.stage === stage).at(-1);
  const push = last('push');
  if (push === undefined || push.data.commitSha === undefined) return null;
  const pr = last('pull_request');
  const number = pr?.data.details?.number;
  return {
    branch: str(push.data.details?.branch) ?? `worktrain/${sessionId}`,
    commitSha: push.data.commitSha,
    baseSha: str(last('validate')?.data.details?.baseSha) ?? null,
    changeRequest: pr !== undefined && typeof number === 'number' ? { number, url: pr.data.url ?? '' } : null,
  };
}

/**
 * `worktrain delivery rollback <session>`: undoes what a delivery pushed and opened. The change request is
 * closed with a note (found again by {@link rollbackMarker}, so not repeated), then the delivered commits are
 * reverted on the head branch by a new commit (`git revert` of `base..delivered` in a temporary worktree,
 * honouring the repository's signing config) pushed in code like a delivery. Idempotent: an already closed
 * PR/MR stays closed, a branch already back at the base tree gets no second revert, and a completed rollback
 * returns its record (`replayed: true`). Recorded as `delivery_recorded` stage `rollback`.
 * Errors: NOTHING_DELIVERED (no push was recorded for the session), PR_MERGED (too late: revert on the
 * base branch), APPLY_CONFLICT (later commits on the branch conflict with the revert), PUSH_REJECTED,
 * PUSH_FAILED, forge and store errors.
 */
export function rollbackDelivery(
  input: RollbackInput,
  deps: RollbackDeps,
): ResultAsync<RollbackResult, DeliveryError> {
  const deliveryId = input.deliveryId ?? '1';
  const remote = deps.remote ?? 'origin';
  const logger = (deps.logger ?? silentLogger).child({ sessionId: input.sessionId, deliveryId });
  const recorder = createStageRecorder(deps.store, input.sessionId, deliveryId, deps.forge.target);

  return recorder.events().andThen((events) => {
    const delivered = findDelivered(events, input.sessionId, deliveryId);
    if (delivered === null)
      return errAsync<RollbackResult, DeliveryError>(
        deliveryError(
          'NOTHING_DELIVERED',
          `Session ${input.sessionId} has no recorded delivery to roll back`,
          {
            sessionId: input.sessionId,
            deliveryId,
          },
        ),
      );
    return recorder.lastRecord('rollback').andThen((done) => {
      if (done?.outcome === 'succeeded') {
        const d = done.details;
        return okAsync<RollbackResult, DeliveryError>({
          sessionId: input.sessionId,
          branch: delivered.branch,
          revertSha: str(d.revertSha) ?? null,
          reverted: d.reverted === true,
          changeRequest:
            delivered.changeRequest === null
              ? null
              : { ...delivered.changeRequest, closedNow: d.closedNow === true },
          replayed: true,
        });
      }
      return recorder.attempted('rollback').andThen((attempt) =>
        run(input, deps, delivered, remote)
          .andThen((result) =>
            recorder
              .recorded('rollback', attempt, {
                outcome: 'succeeded',
                ...(result.revertSha === null ? {} : { commitSha: result.revertSha }),
                ...(result.changeRequest === null ? {} : { url: result.changeRequest.url }),
                details: {
                  branch: result.branch,
                  revertSha: result.revertSha,
                  reverted: result.reverted,
                  closedNow: result.changeRequest?.closedNow ?? false,
                  actor: input.actor ?? null,
                  reason: input.reason ?? null,
                },
              })
              .map(() => result),
          )
          .orElse((e) => {
            logger.warn({ code: e.code }, e.message);
            return recorder
              .recorded('rollback', attempt, { outcome: 'failed', details: failureDetails(e) })
              .andThen(() => errAsync<RollbackResult, DeliveryError>(e));
          }),
      );
    });
  });
}

function run(
  input: RollbackInput,
  deps: RollbackDeps,
  delivered: Delivered,
  remote: string,
): ResultAsync<RollbackResult, DeliveryError> {
  const note = [
    `WorkTrain rolled back this change (session \`${input.sessionId}\`${input.actor === undefined ? '' : `, asked by ${input.actor}`}): the delivered commits were reverted on \`${delivered.branch}\` and this ${deps.forge.changeRequestNoun ?? 'pull request'} was closed.`,
    input.reason === undefined ? '' : `Reason: ${input.reason}`,
    rollbackMarker(input.sessionId),
  ]
    .filter((l) => l !== '')
    .join('\n\n');
  const close = (): ResultAsync<RollbackResult['changeRequest'], DeliveryError> => {
    if (delivered.changeRequest === null) return okAsync(null);
    if (deps.forge.closeChangeRequest === undefined)
      return errAsync(
        deliveryError('FORGE_FAILED', `The ${deps.forge.target} forge cannot close change requests`),
      );
    return deps.forge
      .closeChangeRequest({
        number: delivered.changeRequest.number,
        marker: rollbackMarker(input.sessionId),
        comment: note,
      })
      .map((c) => ({ number: c.number, url: c.url, closedNow: c.closedNow }));
  };
  return close().andThen((changeRequest) =>
    revertBranch(input, deps, delivered, remote).map((r) => ({
      sessionId: input.sessionId,
      branch: delivered.branch,
      revertSha: r.sha,
      reverted: r.reverted,
      changeRequest,
      replayed: false,
    })),
  );
}

/** Fetches the head branch, reverts `base..delivered` on top of it in a temporary worktree, pushes. */
function revertBranch(
  input: RollbackInput,
  deps: RollbackDeps,
  delivered: Delivered,
  remote: string,
): ResultAsync<{ sha: string | null; reverted: boolean }, DeliveryError> {
  const repo = input.repoPath;
  const tracking = `refs/worktrain/rollback/${input.sessionId}`;
  const ref = `refs/heads/${delivered.branch}`;
  const identityEnv: Record<string, string> =
    deps.identity === undefined
      ? {}
      : {
          GIT_AUTHOR_NAME: deps.identity.name,
          GIT_AUTHOR_EMAIL: deps.identity.email,
          GIT_COMMITTER_NAME: deps.identity.name,
          GIT_COMMITTER_EMAIL: deps.identity.email,
        };
  return runGit(repo, ['remote', 'get-url', remote])
    .mapErr((e) =>
      deliveryError('PUSH_FAILED', `Remote ${remote} is not configured in ${repo}`, { cause: e.message }),
    )
    .andThen((url) => {
      const env = authEnv(deps.pushToken, url.stdout.trim());
      const fetched = runGit(repo, ['ls-remote', '--heads', remote, ref], { env }).andThen((ls) => {
        if (ls.stdout.trim() === '') return okAsync(false);
        return runGit(repo, ['fetch', '--no-tags', remote, `+${ref}:${tracking}`, delivered.commitSha], {
          env,
        })
          .orElse(() => runGit(repo, ['fetch', '--no-tags', remote, `+${ref}:${tracking}`], { env }))
          .map(() => true);
      });
      return fetched.andThen((exists) => {
        if (!exists) return okAsync({ sha: null, reverted: false });
        return runGit(repo, ['rev-parse', tracking]).andThen((head) => {
          const headSha = head.stdout.trim();
          const base = delivered.baseSha ?? `${delivered.commitSha}^`;
          return runGit(repo, ['rev-parse', `${headSha}^{tree}`, `${base}^{tree}`]).andThen((trees) => {
            const [headTree, baseTree] = trees.stdout.trim().split('\n');
            if (headTree === baseTree) return okAsync({ sha: headSha, reverted: false });
            return withTempWorktree(repo, headSha, (dir) =>
              checkSigningPossible(dir)
                .andThen(() =>
                  runGit(dir, ['revert', '--no-edit', '--no-commit', `${base}..${delivered.commitSha}`], {
                    env: identityEnv,
                  }),
                )
                .orElse((e) =>
                  e.code === 'SIGNING_FAILED'
                    ? errAsync<never, DeliveryError>(e)
                    : runGit(dir, [
                        '-c',
                        'core.quotePath=false',
                        'diff',
                        '--name-only',
                        '--diff-filter=U',
                      ]).andThen((u) =>
                        errAsync<never, DeliveryError>(
                          deliveryError(
                            'APPLY_CONFLICT',
                            `Reverting the delivered commits conflicts with later commits on ${delivered.branch}`,
                            {
                              conflicts: u.stdout
                                .split('\n')
                                .filter((p) => p !== '')
                                .map((path) => ({ path })),
                              stderrTail: e.details?.stderrTail,
                            },
                          ),
                        ),
                      ),
                )
                .andThen(() =>
                  runGit(dir, ['commit', '--quiet', '--file=-'], {
                    env: identityEnv,
                    input: `revert: roll back WorkTrain delivery of session ${input.sessionId}\n\nThis reverts ${base.slice(0, 12)}..${delivered.commitSha.slice(0, 12)}.${input.reason === undefined ? '' : `\nReason: ${input.reason}`}\n\nWorkTrain-Rollback: ${input.sessionId}\n`,
                  }).mapErr((e) => {
                    const stderr = String(e.details?.stderrTail ?? '');
                    return /gpg|sign|ssh-keygen/i.test(stderr)
                      ? deliveryError(
                          'SIGNING_FAILED',
                          'Signing the revert commit failed (commit.gpgsign is set)',
                          { stderrTail: stderr },
                        )
                      : deliveryError('COMMIT_FAILED', `git commit failed: ${stderr.trim().slice(-300)}`, {
                          stderrTail: stderr,
                        });
                  }),
                )
                .andThen(() => runGit(dir, ['rev-parse', 'HEAD']))
                .andThen((sha) =>
                  runGit(dir, ['push', '--no-verify', remote, `HEAD:${ref}`], { env, timeoutMs: 300_000 })
                    .mapErr((e) => {
                      const text = String(e.details?.stderrTail ?? '');
                      return /rejected|non-fast-forward|fetch first/i.test(text)
                        ? deliveryError(
                            'PUSH_REJECTED',
                            `The remote rejected the revert of ${delivered.branch}`,
                            { stderrTail: text },
                          )
                        : deliveryError('PUSH_FAILED', `Could not push the revert to ${remote}`, {
                            stderrTail: text,
                          });
                    })
                    .map(() => ({ sha: sha.stdout.trim(), reverted: true })),
                ),
            );
          });
        });
      });
    });
}

/** Runs `use` in a detached temporary worktree of `repo` at `commit`, removing it afterwards. */
function withTempWorktree<T>(
  repo: string,
  commit: string,
  use: (dir: string) => ResultAsync<T, DeliveryError>,
): ResultAsync<T, DeliveryError> {
  return ResultAsync.fromSafePromise(mkdtemp(join(tmpdir(), 'worktrain-rollback-'))).andThen((parent) => {
    const dir = join(parent, 'wt');
    const cleanup = () =>
      ResultAsync.fromSafePromise(
        (async () => {
          await runGit(repo, ['worktree', 'remove', '--force', dir]);
          await rm(parent, { recursive: true, force: true });
        })(),
      );
    return runGit(repo, ['worktree', 'add', '--detach', '--quiet', dir, commit])
      .andThen(() => use(dir))
      .andThen((value) => cleanup().map(() => value))
      .orElse((e) => cleanup().andThen(() => errAsync<T, DeliveryError>(e)));
  });
}
