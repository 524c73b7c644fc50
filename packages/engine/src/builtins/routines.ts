/**
 * Built-in routines for `wr.templates.routine.<name>` template calls, used when the workflow registry does
 * not supply the routine's own definition (the registry's routine file always wins, like WorkRail, which
 * expands the routine JSON found in its `workflows/routines/`). The text is WorkTrain's own; `{argName}`
 * placeholders are filled from `templateCall.args` at compile time.
 */

export interface BuiltinRoutineStep {
  readonly id: string;
  readonly title: string;
  readonly prompt: string;
  readonly agentRole?: string;
}

export interface BuiltinRoutine {
  /** Routine id in WorkRail's naming (`wr.routine-<name>`). */
  readonly id: string;
  readonly name: string;
  readonly metaGuidance: readonly string[];
  readonly steps: readonly BuiltinRoutineStep[];
}

import { ROUTINES } from './routine-texts.js';

/** Built-in routines by their short name (`tension-driven-design`). */
export const BUILTIN_ROUTINES: Readonly<Record<string, BuiltinRoutine>> = Object.freeze(
  Object.fromEntries(ROUTINES.map((routine) => [routine.id.replace(/^wr\.routine-/, ''), routine])),
);

/** The built-in routine with this short name, or undefined. */
export function findBuiltinRoutine(name: string): BuiltinRoutine | undefined {
  return Object.hasOwn(BUILTIN_ROUTINES, name) ? BUILTIN_ROUTINES[name] : undefined;
}

/** Template id prefix of routine templates (`wr.templates.routine.<name>`). */
export const ROUTINE_TEMPLATE_PREFIX = 'wr.templates.routine.';

/**
 * Routine ids a `wr.templates.routine.<name>` template may refer to, in lookup order:
 * `wr.routine-<name>` (the corpus naming), `routine-<name>` (WorkRail's older naming), `<name>`.
 * Returns [] for a template id outside the routine namespace.
 */
export function routineIdCandidates(templateId: string): readonly string[] {
  if (!templateId.startsWith(ROUTINE_TEMPLATE_PREFIX)) return [];
  const name = templateId.slice(ROUTINE_TEMPLATE_PREFIX.length);
  if (name.length === 0) return [];
  return [`wr.routine-${name}`, `routine-${name}`, name];
}

/** The template id a routine id answers to: `wr.routine-x` / `routine-x` / `x` → `wr.templates.routine.x`. */
export function routineTemplateId(routineId: string): string {
  return `${ROUTINE_TEMPLATE_PREFIX}${routineId.replace(/^(wr\.)?routine-/, '')}`;
}
