/**
 * Typed results of child sessions (DESIGN §9: routing reads `wr.contracts.*` artifacts, never keyword
 * scans of notes). A stage asks for the artifact kind it needs; a missing or malformed one is an error the
 * stage escalates — it never counts as clean.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import {
  type ClassifyTaskArtifact,
  ClassifyTaskArtifactSchema,
  type CodingHandoffArtifact,
  CodingHandoffArtifactSchema,
  type ReviewVerdictArtifact,
  ReviewVerdictArtifactSchema,
} from '@worktrain/engine';
import type * as z from 'zod';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import type { ChildOutcome } from './types.js';

/**
 * The last artifact of `kind` a completed child produced, parsed with `schema`. Errors: VERDICT_MISSING
 * (the child did not complete, or produced none), VERDICT_INVALID (details.issues).
 */
export function readArtifact<T>(
  outcome: ChildOutcome,
  kind: string,
  schema: z.ZodType<T>,
): Result<T, CoordinatorError> {
  const where = { key: outcome.key, sessionId: outcome.sessionId, kind };
  if (outcome.status !== 'completed')
    return err(
      coordinatorError(
        'VERDICT_MISSING',
        `${outcome.key} (${outcome.sessionId}) ended ${outcome.status}: ${outcome.reason}`,
        where,
      ),
    );
  const found = [...outcome.artifacts].reverse().find((a) => a.kind === kind);
  if (found === undefined)
    return err(
      coordinatorError(
        'VERDICT_MISSING',
        `${outcome.key} (${outcome.sessionId}) produced no ${kind}.`,
        where,
      ),
    );
  const parsed = schema.safeParse(found);
  if (!parsed.success)
    return err(
      coordinatorError(
        'VERDICT_INVALID',
        `${outcome.key} (${outcome.sessionId}) produced a malformed ${kind}.`,
        {
          ...where,
          issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
        },
      ),
    );
  return ok(parsed.data);
}

/**
 * The review verdict of a review child. With `changedFiles` (the diff's paths), a finding that names a
 * `file` outside the change is VERDICT_INVALID: a reviewer that reviews something else has not reviewed
 * this change.
 */
export function readReviewVerdict(
  outcome: ChildOutcome,
  changedFiles?: readonly string[],
): Result<ReviewVerdictArtifact, CoordinatorError> {
  const verdict = readArtifact(outcome, 'wr.review_verdict', ReviewVerdictArtifactSchema);
  if (verdict.isErr() || changedFiles === undefined) return verdict;
  const changed = new Set(changedFiles);
  const outside = verdict.value.findings
    .map((f) => (typeof f.file === 'string' ? f.file : undefined))
    .filter((file): file is string => file !== undefined && !changed.has(file));
  if (outside.length > 0)
    return err(
      coordinatorError(
        'VERDICT_INVALID',
        `${outcome.key} (${outcome.sessionId}) names findings in files outside the change: ${outside.join(', ')}`,
        { key: outcome.key, sessionId: outcome.sessionId, kind: 'wr.review_verdict', issues: outside },
      ),
    );
  return verdict;
}

/** The classification of a classify child. Errors as {@link readArtifact}'s. */
export function readClassification(outcome: ChildOutcome): Result<ClassifyTaskArtifact, CoordinatorError> {
  return readArtifact(outcome, 'wr.classify_task', ClassifyTaskArtifactSchema);
}

/** The coding handoff of a coding or fix child. Errors as {@link readArtifact}'s. */
export function readCodingHandoff(outcome: ChildOutcome): Result<CodingHandoffArtifact, CoordinatorError> {
  return readArtifact(outcome, 'wr.coding_handoff', CodingHandoffArtifactSchema);
}
