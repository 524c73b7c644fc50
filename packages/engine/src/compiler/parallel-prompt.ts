/**
 * Instructions of a parallel step. Without a context (compile time, previews) every delegation is listed
 * with the condition under which it runs; with a context (run time) only the delegations whose
 * `runCondition` holds are listed, with their `contextMapping` inputs resolved, as WorkRail does at render
 * time (EtienneBBeaulac/workrail `prompt-renderer.ts`, MIT). Text is WorkTrain's own.
 */
import type { CompiledParallel } from '../compiled.js';
import { describeCondition, evaluateCondition, readVariable } from '../conditions/index.js';

type Delegation = CompiledParallel['delegations'][number];

function inputValue(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function delegationBlock(
  d: Delegation,
  index: number,
  context: Readonly<Record<string, unknown>> | undefined,
): string {
  const lines = [`${index + 1}. Workflow \`${d.workflowId}\``];
  lines.push(
    `   Goal: ${d.goal ?? (d.args?.familyName !== undefined ? `run the ${d.args.familyName} review family` : `run ${d.workflowId}`)}`,
  );
  if (context === undefined && d.runCondition !== undefined)
    lines.push(`   Runs when: ${describeCondition(d.runCondition)}`);
  const inputs: [string, string][] = [];
  for (const [parentKey, childKey] of Object.entries(d.contextMapping ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    if (context === undefined) {
      inputs.push([childKey, `context \`${parentKey}\``]);
    } else {
      const value = readVariable(context, parentKey);
      if (value !== undefined && value !== null) inputs.push([childKey, inputValue(value)]);
    }
  }
  for (const [key, value] of Object.entries(d.args ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const existing = inputs.findIndex(([k]) => k === key);
    if (existing >= 0) inputs.splice(existing, 1);
    inputs.push([key, value]);
  }
  if (inputs.length > 0) lines.push('   Inputs:', ...inputs.map(([k, v]) => `   - \`${k}\`: ${v}`));
  if (d.modelTier !== undefined) lines.push(`   Model tier: ${d.modelTier}`);
  if (d.allowedTools !== undefined) lines.push(`   Suggested tools: ${d.allowedTools.join(', ')}`);
  return lines.join('\n');
}

/** Renders the parallel step's instructions (all delegations when `context` is undefined). Never throws. */
export function renderParallelPrompt(
  delegations: CompiledParallel['delegations'],
  context: Readonly<Record<string, unknown>> | undefined,
): string {
  const active =
    context === undefined
      ? delegations
      : delegations.filter((d) => evaluateCondition(d.runCondition, context));
  if (active.length === 0) {
    return '# Parallel delegations (none apply)\n\nNo delegation of this step applies in the current context. Advance now without starting any.';
  }
  return [
    '# Parallel delegations',
    '',
    'Start each delegation below at the same time, each as its own session of the named workflow (with your subagent tool, or by running it yourself when you cannot delegate):',
    '',
    active.map((d, i) => delegationBlock(d, i, context)).join('\n\n'),
    '',
    'Wait until every delegation has finished and its deliverables exist, then advance with a summary of what each one produced in your notes.',
  ].join('\n');
}

/**
 * The delegations of a parallel step that apply in `context`, with their inputs resolved (`contextMapping`
 * read from the context, then `args`): what a runtime that fans the step out starts as child sessions.
 */
export function activeDelegations(
  delegations: CompiledParallel['delegations'],
  context: Readonly<Record<string, unknown>>,
): {
  readonly workflowId: string;
  readonly goal: string | null;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly modelTier: NonNullable<Delegation['modelTier']> | null;
}[] {
  return delegations
    .filter((d) => evaluateCondition(d.runCondition, context))
    .map((d) => {
      const inputs: Record<string, unknown> = {};
      for (const [parentKey, childKey] of Object.entries(d.contextMapping ?? {})) {
        const value = readVariable(context, parentKey);
        if (value !== undefined && value !== null) inputs[childKey] = value;
      }
      for (const [key, value] of Object.entries(d.args ?? {})) inputs[key] = value;
      return { workflowId: d.workflowId, goal: d.goal ?? null, inputs, modelTier: d.modelTier ?? null };
    });
}
