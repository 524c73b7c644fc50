/**
 * The checking stages before anything is committed: `validate` (prepare the worktree, require it clean of
 * git state, collect the diff against the base, run the patch validator, check the PR/MR body against its
 * template) and `checks` (the configured commands, in the OS sandbox, when there are any).
 */
import { errAsync, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type CheckResult, checksOutcome, runChecks } from '../checks.js';
import type { DeliverDeps, DeliverInput } from '../deliver.js';
import { collectWorktreeChanges, type WorktreeChanges } from '../diff.js';
import { type DeliveryError, deliveryError } from '../errors.js';
import { checkPatch, patchRefusal } from '../patch-check.js';
import { checkWorktreeClean } from '../worktree-guard.js';
import type { DeliveryChange } from './change.js';
import type { RunStage, StageValue } from './run-stage.js';

/** Changed paths kept in the `validate` record; a change with more lists only the first ones. */
const MAX_RECORDED_PATHS = 500;

/**
 * The patch validator over the worktree's changes with the handoff's `targets`; its refusal is the error
 * (e.g. NEEDS_APPROVAL for a protected path). The record counts files and changed lines.
 */
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
      details: {
        baseSha: changes.baseSha,
        files: changes.changes.length,
        changedLines: lines,
        // The paths themselves (capped), so a coordinator can check a review's findings against the change.
        paths: changes.changes.slice(0, MAX_RECORDED_PATHS).map((c) => c.path),
      },
    },
  });
}

/**
 * `deps.prepareWorktree` (e.g. releasing a stale index lock) with its error in delivery's codes:
 * WORKTREE_MISSING stays, LOCKED is INDEX_LOCKED, anything else GIT_FAILED.
 */
export function prepareWorktree(input: DeliverInput, deps: DeliverDeps): ResultAsync<unknown, DeliveryError> {
  if (deps.prepareWorktree === undefined) return okAsync(undefined);
  return deps
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
}

/** The `validate` stage: the worktree's changes against the base, once they passed every check. */
export function validateStage(
  stage: RunStage,
  c: DeliveryChange,
): ResultAsync<WorktreeChanges, DeliveryError> {
  return stage('validate', () =>
    prepareWorktree(c.input, c.deps)
      .andThen(() => checkWorktreeClean(c.wt))
      .andThen(() => collectWorktreeChanges(c.wt, c.baseRef))
      .andThen((changes) => validate(changes, c.targets, c.input.policy))
      .andThen((v) =>
        // The body is checked against the template now, before anything is committed or pushed.
        c.composeBody(v.value.baseSha).map((b) => ({
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
}

/** The `checks` stage when the input has checks (none: nothing runs or is recorded). Errors: CHECKS_FAILED. */
export function checksStage(stage: RunStage, c: DeliveryChange): ResultAsync<unknown, DeliveryError> {
  const checks = c.input.checks ?? [];
  if (checks.length === 0) return okAsync(undefined);
  return stage('checks', () =>
    runChecks(
      c.input.worktreePath,
      checks,
      c.deps.pushToken === undefined ? [] : [c.deps.pushToken],
      c.deps.checksSandbox,
    )
      .andThen(checksOutcome)
      .map((results: CheckResult[]) => ({
        value: results,
        record: { outcome: 'succeeded' as const, details: { checks: results.map((r) => ({ ...r })) } },
      })),
  );
}
