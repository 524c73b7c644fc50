import { makeError, type WorkTrainError } from '@worktrain/contracts';

/**
 * Error codes of `@worktrain/delivery` (closed union).
 * - INVALID_INPUT: the delivery request is malformed (details: issues), or asks what the forge cannot do
 *   (a GitLab merge with `method: rebase`; details: method, supported).
 * - HANDOFF_MISSING / HANDOFF_INVALID: the session has no `wr.coding_handoff` artifact, or it fails the
 *   engine's schema (details: issues).
 * - NOTHING_TO_DELIVER: the worktree has no change against the base.
 * - PATCH_REJECTED: the diff breaks a safety rule (details.reasons: `{code, path, line?, message}`; secrets
 *   are masked).
 * - NEEDS_APPROVAL: the diff touches protected paths; deliver again with the approval (details.reasons).
 * - COMMIT_FAILED / SIGNING_FAILED: `git commit` failed; SIGNING_FAILED when the repo requires signed commits
 *   (`commit.gpgsign`) and signing is impossible here.
 * - PUSH_REJECTED: the remote refused the push (non-fast-forward that a rebase could not fix, or a hook).
 * - PUSH_FAILED: the push could not be made (network, auth, missing remote).
 * - GIT_FAILED: another git command failed (details: args, exitCode, stderrTail).
 * - WORKTREE_MISSING: the worktree directory does not exist.
 * - INDEX_LOCKED: git's `index.lock` exists in the worktree (a git process runs there, or one was killed and
 *   left it); `@worktrain/workspace`'s `releaseStaleIndexLock` removes a stale one (see
 *   `DeliverDeps.prepareWorktree`).
 * - FORGE_AUTH_FAILED / FORGE_NOT_FOUND / FORGE_RATE_LIMITED / FORGE_FAILED: the forge API answered 401,
 *   404, 403/429 rate limit, or anything else unexpected (details: status).
 * - PR_CLOSED / PR_MERGED: the change request for the branch was closed or merged by someone while the
 *   session ran; we do not reopen it.
 * - TRANSITION_NOT_FOUND: no Jira transition of the ticket leads to the configured status (details: issueKey,
 *   status, available: `[{id, name, to}]`).
 * - STORE_FAILED: the session log could not be read or written (details: cause code).
 * - TEMPLATE_NOT_FOUND: a PR/MR template was asked for by name and the repository has none of that name
 *   (details: name, available).
 * - TEMPLATE_INCOMPLETE: the body the agent filled from the template lacks required sections, or left them
 *   empty or as the template's placeholder (details: template, sections `[{heading, problem}]`).
 * - WORKTREE_DIRTY: the worktree is not in a state to deliver from: a merge, rebase, cherry-pick or revert
 *   in progress, or unresolved conflicts (details: state, paths).
 * - CHECKS_FAILED: a configured check command failed or timed out (details: check, exitCode, timedOut).
 * - APPLY_FAILED / APPLY_CONFLICT: a patch did not apply; with `--3way`, APPLY_CONFLICT carries the conflict
 *   report (details.conflicts `[{path, hunks: [{startLine, endLine}]}]`).
 * - NOTHING_DELIVERED: rollback of a session that has no recorded delivery.
 * - WORKTREE_TAMPERED: the session worktree's `.git` is no longer the file `git worktree add` wrote (a
 *   symlink, a planted `.git/` directory, a `gitdir:` pointing elsewhere), its admin folder's `commondir`
 *   leads elsewhere, or the admin folder holds a `config.worktree` git would read; no git command was run
 *   and the delivery was refused (details: path, found, expectedGitDir).
 * - MERGE_HEAD_MOVED: the forge refused a merge because the head moved past the SHA the gates passed on
 *   (GitHub 409; GitLab 409 "SHA does not match HEAD of source branch"; details: number, sha, and on GitLab
 *   head when its message names it).
 * - MERGE_NOT_ALLOWED: the forge refused to merge (GitHub 405/422: conflicts, branch protection, draft;
 *   GitLab 405 not open / draft / required pipeline, 406 or 422 "Branch cannot be merged"; details: number,
 *   status).
 */
export type DeliveryErrorCode =
  | 'INVALID_INPUT'
  | 'HANDOFF_MISSING'
  | 'HANDOFF_INVALID'
  | 'NOTHING_TO_DELIVER'
  | 'PATCH_REJECTED'
  | 'NEEDS_APPROVAL'
  | 'COMMIT_FAILED'
  | 'SIGNING_FAILED'
  | 'PUSH_REJECTED'
  | 'PUSH_FAILED'
  | 'GIT_FAILED'
  | 'WORKTREE_MISSING'
  | 'INDEX_LOCKED'
  | 'FORGE_AUTH_FAILED'
  | 'FORGE_NOT_FOUND'
  | 'FORGE_RATE_LIMITED'
  | 'FORGE_FAILED'
  | 'PR_CLOSED'
  | 'PR_MERGED'
  | 'TRANSITION_NOT_FOUND'
  | 'STORE_FAILED'
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_INCOMPLETE'
  | 'WORKTREE_DIRTY'
  | 'CHECKS_FAILED'
  | 'APPLY_FAILED'
  | 'APPLY_CONFLICT'
  | 'NOTHING_DELIVERED'
  | 'WORKTREE_TAMPERED'
  | 'MERGE_HEAD_MOVED'
  | 'MERGE_NOT_ALLOWED';

export type DeliveryError = WorkTrainError<DeliveryErrorCode>;

export const deliveryError = (
  code: DeliveryErrorCode,
  message: string,
  details?: Record<string, unknown>,
): DeliveryError => makeError(code, message, details);
