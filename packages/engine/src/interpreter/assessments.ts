/**
 * Assessment submissions (WorkRail `wr.assessment` artifacts) checked against the workflow's assessment
 * definitions: `{ kind: 'wr.assessment', assessmentId?, summary?, dimensions: { <dimensionId>: level |
 * { level, rationale? } } }`. Levels are matched exactly, then case-insensitively (recording a
 * normalisation note); required dimensions must be present; unknown dimensions are rejected. Consequences
 * (`anyEqualsLevel` → `require_followup`) fire on the recorded (canonical) levels.
 * Behaviour follows WorkRail v2 `assessment-validation.ts` / `assessment-consequences.ts` (MIT); with one
 * extensions: a step may reference several assessments, each matched by `assessmentId`; and the attempt
 * that follows an ASSESSMENT_FOLLOWUP_REQUIRED block counts as the follow-up (its consequences do not fire
 * again), so an honest repeated rating cannot trap the session until the circuit breaker opens.
 */
import type { Blocker, JsonObject, JsonValue } from '@worktrain/contracts';
import type { CompiledStep, CompiledWorkflow } from '../compiled.js';

export const ASSESSMENT_KIND = 'wr.assessment';

export interface RecordedAssessment {
  readonly assessmentId: string;
  readonly dimensions: readonly {
    readonly dimensionId: string;
    readonly level: string;
    readonly rationale?: string;
  }[];
  readonly normalizationNotes: readonly string[];
}

export interface AssessmentOutcome {
  readonly blockers: readonly Blocker[];
  readonly recorded: readonly RecordedAssessment[];
  readonly followup?: {
    readonly title: string;
    readonly guidance: string;
    readonly assessmentId: string;
    readonly dimensionId: string;
  };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the assessments a step references against the submitted artifacts. */
export function checkAssessments(
  compiled: CompiledWorkflow,
  step: CompiledStep,
  artifacts: readonly JsonValue[],
  options: { readonly followupDone?: boolean } = {},
): AssessmentOutcome {
  const blockers: Blocker[] = [];
  const recorded: RecordedAssessment[] = [];
  const submitted = artifacts
    .map((artifact, index) => ({ artifact, index }))
    .filter(
      (x): x is { artifact: JsonObject; index: number } =>
        isObject(x.artifact) && x.artifact.kind === ASSESSMENT_KIND,
    );
  const single = step.assessmentRefs.length === 1;
  for (const ref of step.assessmentRefs) {
    const definition = compiled.assessments[ref];
    if (definition === undefined) {
      blockers.push({
        code: 'INVARIANT_VIOLATION',
        pointer: `/step/assessmentRefs/${ref}`,
        message: `Step "${step.id}" references undeclared assessment "${ref}".`,
      });
      continue;
    }
    const match =
      submitted.find((s) => s.artifact.assessmentId === ref) ??
      (single ? submitted.find((s) => s.artifact.assessmentId === undefined) : undefined);
    const levelsHint = definition.dimensions.map((d) => `${d.id} (${d.levels.join(' | ')})`).join(', ');
    if (match === undefined) {
      blockers.push({
        code: 'MISSING_REQUIRED_OUTPUT',
        pointer: '/output/artifacts',
        message: `This step requires an assessment "${ref}".`,
        suggestedFix: `Add an artifact {"kind":"wr.assessment","assessmentId":"${ref}","dimensions":{...}} with: ${levelsHint}.`,
      });
      continue;
    }
    const base = `/output/artifacts/${match.index}`;
    const dims = match.artifact.dimensions;
    if (!isObject(dims)) {
      blockers.push({
        code: 'INVALID_REQUIRED_OUTPUT',
        pointer: `${base}/dimensions`,
        message: 'Assessment artifact needs a "dimensions" object.',
        suggestedFix: `Provide: ${levelsHint}.`,
      });
      continue;
    }
    const notes: string[] = [];
    const values: { dimensionId: string; level: string; rationale?: string }[] = [];
    const before = blockers.length;
    for (const dimension of definition.dimensions) {
      const raw = dims[dimension.id];
      if (raw === undefined) {
        if (dimension.required) {
          blockers.push({
            code: 'INVALID_REQUIRED_OUTPUT',
            pointer: `${base}/dimensions/${dimension.id}`,
            message: `Missing assessment dimension "${dimension.id}".`,
            suggestedFix: `Use one of: ${dimension.levels.join(', ')}.`,
          });
        }
        continue;
      }
      const level =
        typeof raw === 'string'
          ? raw
          : isObject(raw) && typeof raw.level === 'string'
            ? raw.level
            : undefined;
      const rationale =
        isObject(raw) && typeof raw.rationale === 'string' && raw.rationale.trim() !== ''
          ? raw.rationale.trim()
          : undefined;
      const exact = level === undefined ? undefined : dimension.levels.find((l) => l === level);
      const folded =
        level === undefined
          ? []
          : dimension.levels.filter((l) => l.toLowerCase() === level.trim().toLowerCase());
      const canonical = exact ?? (folded.length === 1 ? folded[0] : undefined);
      if (canonical === undefined) {
        blockers.push({
          code: 'INVALID_REQUIRED_OUTPUT',
          pointer: `${base}/dimensions/${dimension.id}`,
          message: `Dimension "${dimension.id}": level ${JSON.stringify(level ?? raw)} is ${folded.length > 1 ? 'ambiguous' : 'not allowed'}.`,
          suggestedFix: `Use one of: ${dimension.levels.join(', ')}.`,
        });
        continue;
      }
      if (exact === undefined)
        notes.push(`Normalized level "${level ?? ''}" to "${canonical}" for dimension "${dimension.id}".`);
      values.push(
        rationale === undefined
          ? { dimensionId: dimension.id, level: canonical }
          : { dimensionId: dimension.id, level: canonical, rationale },
      );
    }
    const known = new Set(definition.dimensions.map((d) => d.id));
    for (const key of Object.keys(dims)) {
      if (!known.has(key)) {
        blockers.push({
          code: 'INVALID_REQUIRED_OUTPUT',
          pointer: `${base}/dimensions/${key}`,
          message: `Unknown dimension "${key}" for assessment "${ref}".`,
          suggestedFix: `Use only: ${[...known].join(', ')}.`,
        });
      }
    }
    if (blockers.length === before)
      recorded.push({ assessmentId: ref, dimensions: values, normalizationNotes: notes });
  }
  if (blockers.length > 0) return { blockers, recorded: [] };
  // The attempt right after a follow-up block is the follow-up itself: it is not blocked again.
  if (options.followupDone === true) return { blockers: [], recorded };
  for (const consequence of step.assessmentConsequences) {
    for (const assessment of recorded) {
      if (
        consequence.when.forAssessment !== undefined &&
        consequence.when.forAssessment !== assessment.assessmentId
      )
        continue;
      const hit = assessment.dimensions.find((d) => d.level === consequence.when.anyEqualsLevel);
      if (hit !== undefined) {
        return {
          blockers: [
            {
              code: 'ASSESSMENT_FOLLOWUP_REQUIRED',
              pointer: '/output/artifacts',
              message: `Assessment "${assessment.assessmentId}" rated "${hit.dimensionId}" as "${hit.level}": follow-up required before this step can complete.`,
              suggestedFix: consequence.effect.guidance,
            },
          ],
          recorded,
          followup: {
            title: `Follow-up for ${assessment.assessmentId}`,
            guidance: consequence.effect.guidance,
            assessmentId: assessment.assessmentId,
            dimensionId: hit.dimensionId,
          },
        };
      }
    }
  }
  return { blockers: [], recorded };
}
