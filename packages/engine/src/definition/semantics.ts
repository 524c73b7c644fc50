/**
 * Checks of a schema-valid workflow that JSON Schema cannot express. Each returns issues with JSON
 * Pointers into the definition. Rules and their sources:
 * - step ids are unique across the workflow, loop bodies included (WorkRail's compiler keys nodes by id);
 * - a standard step has exactly one of `prompt`, `promptBlocks`, `templateCall` (WorkRail's validation
 *   engine rejects steps with none and with several prompt sources);
 * - a loop `body` string names a top-level step that is not a loop, and not one with `verification` or
 *   `audit` (WorkRail cannot expand those virtual steps for a referenced body; declare it inline);
 * - `assessmentRefs` name declared assessments, `assessmentConsequences` need `assessmentRefs`, and
 *   `forAssessment` is one of the step's refs (schema v0.3.0 descriptions);
 * - ids of assessments, extension points, references and a step's prompt fragments are unique;
 * - `{{wr.bindings.<slot>}}` tokens name a declared extension point (WorkRail fails compilation with
 *   UNKNOWN_BINDING_SLOT otherwise); prompt fragment text contains no `{{wr.` token (schema description).
 */
import type { DefinitionIssue } from './issues.js';
import type { LoopStep, PromptBlocks, StandardStep, WorkflowDefinition, WorkflowStep } from './schema.js';

/** `{{wr.bindings.slotId}}`: any non-empty run of characters other than whitespace and braces. */
const BINDING_TOKEN = /\{\{wr\.bindings\.([^\s{}]+)\}\}/g;

export interface StepVisit {
  readonly step: WorkflowStep;
  readonly pointer: string;
}

/** Every step with its pointer, loop bodies included, in document order. */
export function visitSteps(definition: WorkflowDefinition): StepVisit[] {
  const visits: StepVisit[] = [];
  definition.steps.forEach((step, i) => {
    const pointer = `/steps/${i}`;
    visits.push({ step, pointer });
    if (step.type === 'loop' && Array.isArray(step.body)) {
      step.body.forEach((inner, j) => {
        visits.push({ step: inner, pointer: `${pointer}/body/${j}` });
      });
    }
  });
  return visits;
}

/** All semantic issues of a schema-valid definition (empty when it is sound). */
export function checkWorkflowSemantics(definition: WorkflowDefinition): DefinitionIssue[] {
  const visits = visitSteps(definition);
  return [
    ...checkUniqueStepIds(visits),
    ...checkUniqueIds(definition),
    ...visits.flatMap(({ step, pointer }) =>
      step.type === undefined ? checkStandardStep(definition, step, pointer) : [],
    ),
    ...definition.steps.flatMap((step, i) =>
      step.type === 'loop' ? checkLoopBodyRef(definition, step, i) : [],
    ),
  ];
}

function checkUniqueStepIds(visits: readonly StepVisit[]): DefinitionIssue[] {
  const first = new Map<string, string>();
  const issues: DefinitionIssue[] = [];
  for (const { step, pointer } of visits) {
    const seen = first.get(step.id);
    if (seen === undefined) first.set(step.id, pointer);
    else
      issues.push({
        path: `${pointer}/id`,
        message: `duplicate step id '${step.id}' (first used at ${seen}/id)`,
      });
  }
  return issues;
}

function duplicates(pointer: string, ids: readonly string[], what: string): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  ids.forEach((id, i) => {
    const first = ids.indexOf(id);
    if (first < i)
      issues.push({
        path: `${pointer}/${i}`,
        message: `duplicate ${what} '${id}' (first at ${pointer}/${first})`,
      });
  });
  return issues;
}

function checkUniqueIds(definition: WorkflowDefinition): DefinitionIssue[] {
  const issues = [
    ...duplicates(
      '/assessments',
      (definition.assessments ?? []).map((a) => a.id),
      'assessment id',
    ),
    ...duplicates(
      '/extensionPoints',
      (definition.extensionPoints ?? []).map((e) => e.slotId),
      'extension point slotId',
    ),
    ...duplicates(
      '/references',
      (definition.references ?? []).map((r) => r.id),
      'reference id',
    ),
  ];
  // The duplicates' pointers name the array item; point at the id property itself.
  return issues.map((issue) => ({
    ...issue,
    path: `${issue.path}/${issue.path.startsWith('/extensionPoints') ? 'slotId' : 'id'}`,
  }));
}

function checkStandardStep(
  definition: WorkflowDefinition,
  step: StandardStep,
  pointer: string,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const sources = (['prompt', 'promptBlocks', 'templateCall'] as const).filter(
    (key) => step[key] !== undefined,
  );
  if (sources.length !== 1) {
    issues.push({
      path: pointer,
      message:
        sources.length === 0
          ? `step '${step.id}' needs one of prompt, promptBlocks or templateCall`
          : `step '${step.id}' must have only one of prompt, promptBlocks or templateCall (has ${sources.join(', ')})`,
    });
  }
  const declared = new Set((definition.assessments ?? []).map((a) => a.id));
  const refs = step.assessmentRefs ?? [];
  refs.forEach((ref, k) => {
    if (!declared.has(ref)) {
      issues.push({
        path: `${pointer}/assessmentRefs/${k}`,
        message: `unknown assessment '${ref}'${declared.size === 0 ? ' (the workflow declares no assessments)' : ` (declared: ${[...declared].join(', ')})`}`,
      });
    }
  });
  const consequences = step.assessmentConsequences ?? [];
  if (consequences.length > 0 && refs.length === 0) {
    issues.push({
      path: `${pointer}/assessmentConsequences`,
      message: 'assessmentConsequences require assessmentRefs on the same step',
    });
  }
  consequences.forEach((consequence, k) => {
    const target = consequence.when.forAssessment;
    if (target !== undefined && refs.length > 0 && !refs.includes(target)) {
      issues.push({
        path: `${pointer}/assessmentConsequences/${k}/when/forAssessment`,
        message: `forAssessment '${target}' is not one of the step's assessmentRefs (${refs.join(', ')})`,
      });
    }
  });
  issues.push(
    ...duplicates(
      `${pointer}/promptFragments`,
      (step.promptFragments ?? []).map((f) => f.id),
      'prompt fragment id',
    ).map((i) => ({ ...i, path: `${i.path}/id` })),
  );
  (step.promptFragments ?? []).forEach((fragment, k) => {
    if (fragment.text.includes('{{wr.')) {
      issues.push({
        path: `${pointer}/promptFragments/${k}/text`,
        message: 'prompt fragment text must not contain {{wr.*}} tokens',
      });
    }
  });
  issues.push(...checkBindings(definition, step, pointer));
  return issues;
}

/** Strings of a step where binding tokens are resolved: `prompt` and the plain strings of `promptBlocks`. */
function promptStrings(step: StandardStep, pointer: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  if (step.prompt !== undefined) out.push({ path: `${pointer}/prompt`, text: step.prompt });
  const blocks: PromptBlocks | undefined = step.promptBlocks;
  if (blocks === undefined) return out;
  const base = `${pointer}/promptBlocks`;
  if (typeof blocks.goal === 'string') out.push({ path: `${base}/goal`, text: blocks.goal });
  for (const key of ['constraints', 'procedure', 'verify'] as const) {
    (blocks[key] ?? []).forEach((value, i) => {
      if (typeof value === 'string') out.push({ path: `${base}/${key}/${i}`, text: value });
    });
  }
  for (const [key, text] of Object.entries(blocks.outputRequired ?? {})) {
    out.push({ path: `${base}/outputRequired/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, text });
  }
  return out;
}

function checkBindings(
  definition: WorkflowDefinition,
  step: StandardStep,
  pointer: string,
): DefinitionIssue[] {
  const slots = new Set((definition.extensionPoints ?? []).map((e) => e.slotId));
  const issues: DefinitionIssue[] = [];
  for (const { path, text } of promptStrings(step, pointer)) {
    for (const match of text.matchAll(BINDING_TOKEN)) {
      const slot = match[1] ?? '';
      if (!slots.has(slot)) {
        issues.push({
          path,
          message: `unknown binding slot '${slot}' in {{wr.bindings.${slot}}}${slots.size === 0 ? ' (the workflow declares no extensionPoints)' : ` (declared: ${[...slots].join(', ')})`}`,
        });
      }
    }
  }
  return issues;
}

function checkLoopBodyRef(definition: WorkflowDefinition, loop: LoopStep, index: number): DefinitionIssue[] {
  if (typeof loop.body !== 'string') return [];
  const path = `/steps/${index}/body`;
  const target = definition.steps.find((step) => step.id === loop.body);
  if (target === undefined)
    return [{ path, message: `loop body '${loop.body}' is not the id of a top-level step` }];
  if (target.type === 'loop')
    return [{ path, message: `loop body '${loop.body}' names a loop; loops cannot be nested` }];
  return [];
}
