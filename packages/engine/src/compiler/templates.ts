/**
 * Template expansion (`templateCall`), the first compiler pass: a step that calls a template is replaced by
 * the template's steps. `wr.templates.routine.<name>` injects the steps of routine `<name>`, following
 * WorkRail (EtienneBBeaulac/workrail `src/application/services/compiler/template-registry.ts`, MIT):
 * - expanded ids are `<callingStepId>.<routineStepId>`;
 * - `{argName}` placeholders (single braces, identifier names) in titles and prompt text are replaced by
 *   `templateCall.args` (strings, numbers, booleans); a missing or non-primitive arg fails compilation;
 *   `{{contextVar}}` placeholders are left for run-time rendering;
 * - the routine's `metaGuidance` is appended to each expanded step's `guidance`;
 * - a routine step must not itself call a template (no recursive injection).
 * WorkTrain addition: the calling step's `runCondition` is kept, and-ed with each expanded step's own.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';
import {
  BUILTIN_ROUTINES,
  findBuiltinRoutine,
  ROUTINE_TEMPLATE_PREFIX,
  routineIdCandidates,
} from '../builtins/routines.js';
import type { Condition } from '../definition/condition-schema.js';
import { compileFailed } from './errors.js';
import {
  isLoopStep,
  isStandardStep,
  type SourceParallelStep,
  type SourcePromptBlocks,
  type SourcePromptValue,
  type SourceStandardStep,
  type SourceStep,
  type SourceWorkflow,
} from './source-types.js';

/** Looks a routine definition up by id (e.g. `wr.routine-design-review`); undefined when unknown. */
export type RoutineResolver = (routineId: string) => SourceWorkflow | undefined;

/** A step after template expansion, with where it came from. */
export interface PlacedStep<S> {
  readonly step: S;
  /** JSON pointer of the source step (for expanded steps: the calling step). */
  readonly pointer: string;
  readonly origin?: { readonly templateId: string; readonly callStepId: string };
}

const ARG_PLACEHOLDER = /(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g;

/** The known template ids: every built-in routine (registry routines are known through the resolver). */
export function knownTemplateIds(): readonly string[] {
  return Object.keys(BUILTIN_ROUTINES)
    .map((name) => `${ROUTINE_TEMPLATE_PREFIX}${name}`)
    .sort();
}

/**
 * The routine ids a definition's template calls may need, so a caller holding an asynchronous registry
 * can load them before calling `compileWorkflow` with a synchronous `resolveRoutine`. In lookup order per
 * call, without duplicates.
 */
export function templateRoutineCandidates(definition: Pick<SourceWorkflow, 'steps'>): readonly string[] {
  const ids = new Set<string>();
  const visit = (steps: readonly SourceStep[]): void => {
    for (const step of steps) {
      if (isLoopStep(step)) {
        if (typeof step.body !== 'string') visit(step.body);
      } else if (isStandardStep(step) && step.templateCall !== undefined) {
        for (const id of routineIdCandidates(step.templateCall.templateId)) ids.add(id);
      }
    }
  };
  visit(definition.steps);
  return [...ids];
}

interface RoutineSource {
  readonly routineId: string;
  readonly metaGuidance: readonly string[];
  readonly steps: readonly SourceStep[];
}

function findRoutine(templateId: string, resolve: RoutineResolver | undefined): RoutineSource | undefined {
  const candidates = routineIdCandidates(templateId);
  if (resolve !== undefined) {
    for (const id of candidates) {
      const found = resolve(id);
      if (found !== undefined)
        return { routineId: found.id, metaGuidance: found.metaGuidance ?? [], steps: found.steps };
    }
  }
  const builtin = findBuiltinRoutine(templateId.slice(ROUTINE_TEMPLATE_PREFIX.length));
  if (builtin === undefined) return undefined;
  return { routineId: builtin.id, metaGuidance: builtin.metaGuidance, steps: builtin.steps };
}

type Substitute = (text: string) => string;

function substituteValue(value: SourcePromptValue, sub: Substitute): SourcePromptValue {
  if (typeof value === 'string') return sub(value);
  return value.map((part) => (part.kind === 'text' ? { kind: 'text' as const, text: sub(part.text) } : part));
}

function substituteBlocks(blocks: SourcePromptBlocks, sub: Substitute): SourcePromptBlocks {
  return {
    ...(blocks.goal !== undefined ? { goal: substituteValue(blocks.goal, sub) } : {}),
    ...(blocks.constraints !== undefined
      ? { constraints: blocks.constraints.map((v) => substituteValue(v, sub)) }
      : {}),
    ...(blocks.procedure !== undefined
      ? { procedure: blocks.procedure.map((v) => substituteValue(v, sub)) }
      : {}),
    ...(blocks.outputRequired !== undefined
      ? {
          outputRequired: Object.fromEntries(
            Object.entries(blocks.outputRequired).map(([k, v]) => [k, sub(v)]),
          ),
        }
      : {}),
    ...(blocks.verify !== undefined ? { verify: blocks.verify.map((v) => substituteValue(v, sub)) } : {}),
  };
}

function andConditions(a: Condition | undefined, b: Condition | undefined): Condition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return { and: [a, b] };
}

function expandCall(
  call: SourceStandardStep,
  templateCall: NonNullable<SourceStandardStep['templateCall']>,
  pointer: string,
  resolve: RoutineResolver | undefined,
): Result<PlacedStep<SourceStandardStep>[], EngineError> {
  const { templateId } = templateCall;
  const routine = findRoutine(templateId, resolve);
  if (routine === undefined) {
    return err(
      compileFailed(
        `Step '${call.id}' calls unknown template '${templateId}'. Known templates: ${knownTemplateIds().join(', ')}` +
          ' (and wr.templates.routine.<name> for every routine in the workflow registry).',
        `${pointer}/templateCall/templateId`,
        { stepId: call.id, templateId, knownTemplateIds: knownTemplateIds() },
      ),
    );
  }
  const args = templateCall.args ?? {};
  const problems: string[] = [];
  const sub: Substitute = (text) =>
    text.replace(ARG_PLACEHOLDER, (match, name: string) => {
      if (!Object.hasOwn(args, name)) {
        problems.push(`missing arg '${name}'`);
        return match;
      }
      const value = args[name];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        return String(value);
      problems.push(`arg '${name}' must be a string, number or boolean`);
      return match;
    });

  const expanded: PlacedStep<SourceStandardStep>[] = [];
  for (const routineStep of routine.steps) {
    if (!isStandardStep(routineStep)) {
      return err(
        compileFailed(
          `Template '${templateId}' (routine '${routine.routineId}') step '${routineStep.id}' is a ${routineStep.type} step; only plain steps can be injected.`,
          `${pointer}/templateCall`,
          { stepId: call.id, templateId, routineStepId: routineStep.id },
        ),
      );
    }
    if (routineStep.templateCall !== undefined) {
      return err(
        compileFailed(
          `Template '${templateId}' (routine '${routine.routineId}') step '${routineStep.id}' calls a template itself; recursive injection is not allowed.`,
          `${pointer}/templateCall`,
          { stepId: call.id, templateId, routineStepId: routineStep.id },
        ),
      );
    }
    const guidance = [...(routineStep.guidance ?? []), ...routine.metaGuidance];
    const runCondition = andConditions(call.runCondition, routineStep.runCondition);
    const step: SourceStandardStep = {
      ...routineStep,
      id: `${call.id}.${routineStep.id}`,
      title: sub(routineStep.title),
      ...(routineStep.prompt !== undefined ? { prompt: sub(routineStep.prompt) } : {}),
      ...(routineStep.promptBlocks !== undefined
        ? { promptBlocks: substituteBlocks(routineStep.promptBlocks, sub) }
        : {}),
      ...(routineStep.promptFragments !== undefined
        ? { promptFragments: routineStep.promptFragments.map((f) => ({ ...f, text: sub(f.text) })) }
        : {}),
      ...(guidance.length > 0 ? { guidance } : {}),
      ...(runCondition !== undefined ? { runCondition } : {}),
    };
    if (problems.length > 0) {
      return err(
        compileFailed(
          `Template '${templateId}' (routine '${routine.routineId}') step '${routineStep.id}': ${[...new Set(problems)].join('; ')}.`,
          `${pointer}/templateCall/args`,
          { stepId: call.id, templateId, routineStepId: routineStep.id },
        ),
      );
    }
    expanded.push({ step, pointer, origin: { templateId, callStepId: call.id } });
  }
  return ok(expanded);
}

/**
 * Expands the template calls of a step sequence (top level or an inline loop body). Loop steps pass through
 * with their inline bodies left as source (they are expanded by `expandBody`).
 */
export function expandSequence<S extends SourceStep>(
  steps: readonly S[],
  basePointer: string,
  resolve: RoutineResolver | undefined,
): Result<PlacedStep<S | SourceStandardStep>[], EngineError> {
  const out: PlacedStep<S | SourceStandardStep>[] = [];
  for (const [index, step] of steps.entries()) {
    const pointer = `${basePointer}/${index}`;
    if (isStandardStep(step) && step.templateCall !== undefined) {
      const expanded = expandCall(step, step.templateCall, pointer, resolve);
      if (expanded.isErr()) return err(expanded.error);
      out.push(...expanded.value);
    } else {
      out.push({ step, pointer });
    }
  }
  return ok(out);
}

export type BodyStep = SourceStandardStep | SourceParallelStep;
