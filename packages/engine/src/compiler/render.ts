/**
 * Run-time rendering of a compiled step's prompt: `{{name}}` / `{{a.b.c}}` placeholders are filled from the
 * context (session context plus loop variables), the prompt fragments whose `when` holds are appended in
 * declaration order, and the compiler's system footer (metrics) stays last.
 *
 * Placeholder syntax follows WorkRail's context templates (EtienneBBeaulac/workrail
 * `src/v2/durable-core/domain/context-template-resolver.ts`, MIT): identifier dot paths only, never the
 * `{{wr.*}}` namespace; anything else (`{{x + 1}}`) is left untouched. Difference: an unresolvable
 * placeholder is left as written by default (`unset: 'keep'`); `unset: 'marker'` renders WorkRail's
 * `[unset: name]` instead.
 */
import type { CompiledParallel, CompiledStep } from '../compiled.js';
import { evaluateCondition } from '../conditions/index.js';
import { renderParallelPrompt } from './parallel-prompt.js';

const PLACEHOLDER = /\{\{(?!wr\.)([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\}\}/g;

export interface InterpolateOptions {
  /** What an unresolvable placeholder becomes: left as written (default) or `[unset: name]`. */
  readonly unset?: 'keep' | 'marker';
}

const MISSING = Symbol('missing');

function lookup(context: unknown, path: string): unknown {
  if (typeof context === 'object' && context !== null && Object.hasOwn(context, path)) {
    const direct: unknown = (context as Record<string, unknown>)[path];
    if (direct !== undefined && direct !== null) return direct;
  }
  let current: unknown = context;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === undefined || current === null ? MISSING : current;
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Replaces `{{name}}` and `{{a.b}}` (own properties of objects and arrays, so `{{items.length}}` and
 * `{{list.0}}` work) with context values: strings as is, other values as JSON. Never throws.
 */
export function interpolate(
  text: string,
  context: Readonly<Record<string, unknown>>,
  options: InterpolateOptions = {},
): string {
  if (!text.includes('{{')) return text;
  return text.replace(PLACEHOLDER, (match, path: string) => {
    try {
      const value = lookup(context, path);
      if (value !== MISSING) return display(value);
    } catch {
      // A hostile context (throwing getter) renders like a missing value.
    }
    return options.unset === 'marker' ? `[unset: ${path}]` : match;
  });
}

/**
 * The prompt the agent sees for `step` in `context`: the step's `guidance` as a leading "Step guidance" list
 * (WorkRail's interpreter prepends it the same way), the prompt with placeholders interpolated, applicable
 * prompt fragments appended (separated by blank lines), the system footer last. For a parallel step, only the delegations
 * whose `runCondition` holds are listed, with their context inputs resolved. Never throws (falls back to
 * the compiled prompt).
 */
export function renderStepPrompt(
  step: CompiledStep | CompiledParallel,
  context: Readonly<Record<string, unknown>>,
  options: InterpolateOptions = {},
): string {
  try {
    if (step.kind === 'parallel') return renderParallelPrompt(step.delegations, context);
    const footer =
      step.promptFooter !== undefined && step.prompt.endsWith(step.promptFooter) ? step.promptFooter : '';
    const body = step.prompt.slice(0, step.prompt.length - footer.length);
    const fragments = step.promptFragments
      .filter((fragment) => evaluateCondition(fragment.when, context))
      .map((fragment) => interpolate(fragment.text, context, options));
    const guidance =
      step.guidance.length > 0
        ? `## Step guidance\n${step.guidance.map((g) => `- ${interpolate(g, context, options)}`).join('\n')}\n\n`
        : '';
    const main = guidance + interpolate(body, context, options);
    return (fragments.length > 0 ? `${main}\n\n${fragments.join('\n\n')}` : main) + footer;
  } catch {
    return step.prompt;
  }
}
