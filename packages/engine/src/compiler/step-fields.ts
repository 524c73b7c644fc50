/**
 * Normalisation and compile-time checks of step fields: `requireConfirmation` → `Confirmation`,
 * `validationCriteria` arrays → `{ and }`, output contracts (known refs, `required` default true) and
 * assessment references/consequences (as WorkRail's compiler checks them).
 */
import type { JsonObject } from '@worktrain/contracts';
import type { EngineError } from '../api.js';
import type { CompiledStep, Confirmation } from '../compiled.js';
import type { Condition } from '../definition/condition-schema.js';
import { compileFailed } from './errors.js';
import { toJson, toJsonObject } from './json.js';
import type {
  SourceAssessment,
  SourceConfirmation,
  SourceOutputContract,
  SourceStandardStep,
} from './source-types.js';

/** What the checks need to know about the workflow. */
export interface CheckContext {
  readonly assessments: ReadonlyMap<string, SourceAssessment>;
  readonly contractRefs: ReadonlySet<string>;
}

/** Normalises WorkRail `requireConfirmation` (bool, condition, or `{kind, condition?}`). */
export function normaliseConfirmation(rule: SourceConfirmation | undefined): Confirmation {
  if (rule === undefined || rule === false) return { kind: 'none' };
  if (rule === true) return { kind: 'confirmation' };
  if ('kind' in rule && (rule.kind === 'human_approval' || rule.kind === 'coordinator_eval')) {
    return rule.condition === undefined
      ? { kind: rule.kind }
      : { kind: rule.kind, condition: rule.condition };
  }
  return { kind: 'confirmation', condition: rule as Condition };
}

/** WorkRail's array form of `validationCriteria` becomes `{ and: [...] }`; objects are kept as authored. */
export function normaliseValidationCriteria(criteria: unknown): JsonObject | undefined {
  if (criteria === undefined || criteria === null) return undefined;
  if (Array.isArray(criteria))
    return criteria.length === 0 ? undefined : { and: criteria.map((c) => toJson(c)) };
  if (typeof criteria === 'object') return toJsonObject(criteria);
  return undefined;
}

export function checkContract(
  contract: SourceOutputContract,
  pointer: string,
  stepId: string,
  ctx: CheckContext,
): EngineError | undefined {
  if (ctx.contractRefs.has(contract.contractRef)) return undefined;
  const known = [...ctx.contractRefs];
  return compileFailed(
    `Step '${stepId}' declares unknown outputContract.contractRef '${contract.contractRef}'. Known contracts: ${known.join(', ')}.`,
    pointer,
    { stepId, contractRef: contract.contractRef, knownContractRefs: known },
  );
}

export function normaliseContract(
  contract: SourceOutputContract | undefined,
): CompiledStep['outputContract'] {
  return contract === undefined
    ? undefined
    : { contractRef: contract.contractRef, required: contract.required ?? true };
}

export function checkAssessments(
  step: SourceStandardStep,
  pointer: string,
  ctx: CheckContext,
): EngineError | undefined {
  const refs = step.assessmentRefs ?? [];
  for (const [index, ref] of refs.entries()) {
    if (!ctx.assessments.has(ref)) {
      return compileFailed(
        `Step '${step.id}' references undeclared assessment '${ref}'. Declared: ${[...ctx.assessments.keys()].join(', ') || '(none)'}.`,
        `${pointer}/assessmentRefs/${index}`,
        { stepId: step.id, assessmentRef: ref },
      );
    }
  }
  const consequences = step.assessmentConsequences ?? [];
  if (consequences.length > 0 && refs.length === 0) {
    return compileFailed(
      `Step '${step.id}' declares assessmentConsequences without assessmentRefs.`,
      `${pointer}/assessmentConsequences`,
      {
        stepId: step.id,
      },
    );
  }
  const seen = new Set<string>();
  for (const [index, consequence] of consequences.entries()) {
    const { anyEqualsLevel, forAssessment } = consequence.when;
    const at = `${pointer}/assessmentConsequences/${index}/when`;
    if (forAssessment !== undefined && !refs.includes(forAssessment)) {
      return compileFailed(
        `Step '${step.id}': consequence forAssessment '${forAssessment}' is not one of the step's assessmentRefs.`,
        at,
        {
          stepId: step.id,
        },
      );
    }
    const scope = forAssessment === undefined ? refs : [forAssessment];
    const levels = scope.flatMap(
      (ref) => ctx.assessments.get(ref)?.dimensions.flatMap((d) => d.levels) ?? [],
    );
    if (!levels.includes(anyEqualsLevel)) {
      return compileFailed(
        `Step '${step.id}': consequence level '${anyEqualsLevel}' is not a level of the referenced assessments.`,
        at,
        {
          stepId: step.id,
        },
      );
    }
    const key = `${anyEqualsLevel}\u0000${forAssessment ?? ''}`;
    if (seen.has(key)) {
      return compileFailed(
        `Step '${step.id}': duplicate assessment consequence trigger '${anyEqualsLevel}'.`,
        at,
        { stepId: step.id },
      );
    }
    seen.add(key);
  }
  return undefined;
}
