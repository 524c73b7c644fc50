/**
 * Checks one advance's output against the pending step: size and depth limits first (cheap, so a 10 MB
 * note is rejected before anything scans it), then required notes, the output contract, validation
 * criteria and assessments. Pure: returns a verdict; the engine turns it into events.
 *
 * Verdicts:
 * - `error` CONTEXT_TOO_DEEP: the advance's context nests deeper than `limits.maxJsonDepth` (not retryable
 *   with the same input; nothing is stored);
 * - `blocked`: blockers sorted by (code, pointer), each with a message and a suggested fix;
 * - `accepted`: the artifacts to store and the assessments to record.
 */
import {
  type Blocker,
  type JsonObject,
  type JsonValue,
  jsonDepth,
  makeError,
  utf8Bytes,
} from '@worktrain/contracts';
import type { EngineError, EngineLimits } from '../api.js';
import type { CompiledParallel, CompiledStep, CompiledWorkflow } from '../compiled.js';
import type { Condition } from '../definition/condition-schema.js';
import { checkAssessments, type RecordedAssessment } from './assessments.js';
import { evaluateValidationCriteria } from './validation-criteria.js';

/** What the agent sent for the step. */
export interface StepOutput {
  readonly notesMarkdown?: string;
  readonly artifacts?: readonly JsonValue[];
}

/** Result of an output-contract check (signature of the artifact-contracts primitive). */
export type ContractCheck =
  | { readonly ok: true; readonly artifact: JsonValue }
  | { readonly ok: false; readonly blockers: readonly Blocker[] };

export interface ValidateOutputDeps {
  readonly evaluateCondition: (condition: Condition, context: JsonObject) => boolean;
  readonly checkOutputContract: (
    contract: { readonly contractRef: string; readonly required: boolean },
    artifacts: readonly JsonValue[],
    options: { readonly loopId?: string },
  ) => ContractCheck;
}

export interface ValidateOutputInput {
  readonly compiled: CompiledWorkflow;
  readonly step: CompiledStep | CompiledParallel;
  readonly output: StepOutput | undefined;
  /** Context values sent with the advance (checked for depth; merged size checked against the limit). */
  readonly contextUpdate: JsonObject | undefined;
  /** The session context after merging `contextUpdate`, plus loop variables (for rule conditions). */
  readonly mergedContext: JsonObject;
  readonly limits: EngineLimits;
  /** Loop id used to address loop-control artifacts when the step sits in a loop body. */
  readonly loopId?: string;
  /** True when the previous attempt on this node was blocked for an assessment follow-up. */
  readonly followupDone?: boolean;
}

export type OutputVerdict =
  | { readonly kind: 'error'; readonly error: EngineError }
  | {
      readonly kind: 'blocked';
      readonly blockers: readonly Blocker[];
      readonly retryable: boolean;
      readonly validationIssues: readonly { readonly message: string; readonly pointer?: string }[];
      readonly validated: boolean;
      readonly assessmentFollowup?: { readonly title: string; readonly guidance: string };
    }
  | {
      readonly kind: 'accepted';
      readonly artifacts: readonly JsonValue[];
      readonly assessments: readonly RecordedAssessment[];
      /** True when validation criteria or an output contract were checked (a validation_performed event). */
      readonly validated: boolean;
    };

/** Sorts blockers by code, then pointer, then message (deterministic output for agents and tests). */
export function sortBlockers(blockers: readonly Blocker[]): Blocker[] {
  const key = (b: Blocker) => [b.code, b.pointer, b.message] as const;
  return [...blockers].sort((x, y) => {
    const a = key(x);
    const b = key(y);
    for (let i = 0; i < a.length; i++) {
      const l = a[i] ?? '';
      const r = b[i] ?? '';
      if (l !== r) return l < r ? -1 : 1;
    }
    return 0;
  });
}

/** Limit checks that need no workflow knowledge; run before anything serialises or scans the input. */
export function checkInputLimits(
  output: StepOutput | undefined,
  contextUpdate: JsonObject | undefined,
  limits: EngineLimits,
): { kind: 'error'; error: EngineError } | { kind: 'blocked'; blockers: Blocker[] } | { kind: 'ok' } {
  if (contextUpdate !== undefined) {
    const depth = jsonDepth(contextUpdate, limits.maxJsonDepth + 1);
    if (depth > limits.maxJsonDepth) {
      return {
        kind: 'error',
        error: makeError('CONTEXT_TOO_DEEP', `context nests deeper than ${limits.maxJsonDepth} levels`, {
          maxJsonDepth: limits.maxJsonDepth,
        }),
      };
    }
  }
  const blockers: Blocker[] = [];
  const notes = output?.notesMarkdown;
  if (notes !== undefined && utf8Bytes(notes) > limits.maxNotesBytes) {
    blockers.push({
      code: 'OUTPUT_TOO_LARGE',
      pointer: '/output/notesMarkdown',
      message: `notesMarkdown is ${utf8Bytes(notes)} bytes; the limit is ${limits.maxNotesBytes} bytes.`,
      suggestedFix: 'Summarise: keep notes to the decisions, findings and next steps of this step.',
    });
  }
  const artifacts = output?.artifacts ?? [];
  if (jsonDepth(artifacts, limits.maxJsonDepth + 2) > limits.maxJsonDepth + 1) {
    blockers.push({
      code: 'OUTPUT_TOO_LARGE',
      pointer: '/output/artifacts',
      message: `artifacts nest deeper than ${limits.maxJsonDepth} levels.`,
      suggestedFix: 'Flatten the artifact structure.',
    });
  } else {
    const bytes = utf8Bytes(JSON.stringify(artifacts));
    if (bytes > limits.maxArtifactsBytes) {
      blockers.push({
        code: 'OUTPUT_TOO_LARGE',
        pointer: '/output/artifacts',
        message: `artifacts are ${bytes} bytes; the limit is ${limits.maxArtifactsBytes} bytes.`,
        suggestedFix: 'Keep artifacts to the structured result; put long prose in a file and reference it.',
      });
    }
  }
  return blockers.length > 0 ? { kind: 'blocked', blockers } : { kind: 'ok' };
}

/** Validates an advance's output against the step (see the module docs for the order of checks). */
export function validateOutput(input: ValidateOutputInput, deps: ValidateOutputDeps): OutputVerdict {
  const limitCheck = checkInputLimits(input.output, input.contextUpdate, input.limits);
  if (limitCheck.kind === 'error') return limitCheck;
  if (limitCheck.kind === 'blocked') {
    return {
      kind: 'blocked',
      blockers: sortBlockers(limitCheck.blockers),
      retryable: true,
      validationIssues: [],
      validated: false,
    };
  }
  const { step, output } = input;
  const blockers: Blocker[] = [];
  const contextBytes = utf8Bytes(JSON.stringify(input.mergedContext));
  if (contextBytes > input.limits.maxContextBytes) {
    blockers.push({
      code: 'CONTEXT_BUDGET_EXCEEDED',
      pointer: '/context',
      message: `the session context would be ${contextBytes} bytes; the limit is ${input.limits.maxContextBytes} bytes.`,
      suggestedFix: 'Store only small facts in context (ids, flags, short strings); put documents in files.',
    });
  }
  const notes = output?.notesMarkdown ?? '';
  const artifacts = output?.artifacts ?? [];
  if (step.notesRequired && notes.trim() === '') {
    blockers.push({
      code: 'MISSING_REQUIRED_NOTES',
      pointer: '/output/notesMarkdown',
      message: `Step "${step.id}" requires notes describing what was done.`,
      suggestedFix:
        'Send output.notesMarkdown: a short summary of this step only (what you did, found, decided).',
    });
  }
  let validated = false;
  const validationIssues: { message: string; pointer?: string }[] = [];
  const accepted: JsonValue[] = [...artifacts];
  if (step.outputContract !== undefined) {
    validated = true;
    const check = deps.checkOutputContract(
      step.outputContract,
      artifacts,
      input.loopId === undefined ? {} : { loopId: input.loopId },
    );
    if (!check.ok) {
      blockers.push(...check.blockers);
      for (const b of check.blockers) validationIssues.push({ message: b.message, pointer: b.pointer });
    }
  }
  if (step.kind === 'step' && step.validationCriteria !== undefined) {
    validated = true;
    const issues = evaluateValidationCriteria(
      step.validationCriteria,
      notes,
      input.mergedContext,
      deps.evaluateCondition,
    );
    for (const issue of issues) {
      blockers.push({
        code: 'VALIDATION_FAILED',
        pointer: '/output/notesMarkdown',
        message: issue.message,
        suggestedFix:
          "Revise the notes so they satisfy the step's validation criteria, then retry with the retry token.",
      });
      validationIssues.push({ message: issue.message, pointer: '/output/notesMarkdown' });
    }
  }
  let recorded: readonly RecordedAssessment[] = [];
  let followup: { title: string; guidance: string } | undefined;
  if (step.kind === 'step' && step.assessmentRefs.length > 0) {
    const outcome = checkAssessments(input.compiled, step, artifacts, {
      followupDone: input.followupDone === true,
    });
    blockers.push(...outcome.blockers);
    recorded = outcome.recorded;
    if (outcome.followup !== undefined)
      followup = { title: outcome.followup.title, guidance: outcome.followup.guidance };
  }
  if (blockers.length > 0) {
    return {
      kind: 'blocked',
      blockers: sortBlockers(blockers),
      retryable: true,
      validationIssues,
      validated,
      ...(followup === undefined ? {} : { assessmentFollowup: followup }),
    };
  }
  return { kind: 'accepted', artifacts: accepted, assessments: recorded, validated };
}
