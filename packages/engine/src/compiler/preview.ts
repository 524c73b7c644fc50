/**
 * Human and JSON views of a compiled workflow: `previewWorkflow` (numbered steps, loops with their
 * conditions, runConditions, gates, contracts, assessments, fragments) and `toInspectJson` for the
 * `inspect_workflow` tool (`metadata`: identity and outline; `preview`: also the full compiled steps, the
 * graph and the preview text).
 */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import type {
  CompiledLoop,
  CompiledNode,
  CompiledParallel,
  CompiledStep,
  CompiledWorkflow,
  Confirmation,
} from '../compiled.js';
import { describeCondition } from '../conditions/index.js';
import { toJson } from './json.js';

function gateText(confirmation: Confirmation): string | undefined {
  if (confirmation.kind === 'none') return undefined;
  const label =
    confirmation.kind === 'confirmation'
      ? 'user confirmation'
      : confirmation.kind === 'human_approval'
        ? 'human approval'
        : 'coordinator evaluation';
  return confirmation.condition === undefined
    ? label
    : `${label} when ${describeCondition(confirmation.condition)}`;
}

function stepLines(step: CompiledStep | CompiledParallel, label: string, indent: string): string[] {
  const lines: string[] = [];
  if (step.kind === 'parallel') {
    lines.push(`${indent}${label} Parallel: ${step.title} [${step.id}]`);
    for (const d of step.delegations) {
      lines.push(
        `${indent}   - delegate ${d.workflowId}${d.runCondition !== undefined ? ` (when ${describeCondition(d.runCondition)})` : ''}`,
      );
    }
  } else {
    const derived =
      step.derivedFrom !== undefined ? ` (${step.derivedFrom.kind} of ${step.derivedFrom.stepId})` : '';
    lines.push(`${indent}${label} ${step.title} [${step.id}]${derived}`);
    if (step.origin !== undefined)
      lines.push(`${indent}   from template ${step.origin.templateId} (called by ${step.origin.callStepId})`);
    if (step.outputContract !== undefined) {
      lines.push(
        `${indent}   output contract: ${step.outputContract.contractRef}${step.outputContract.required ? '' : ' (optional)'}`,
      );
    }
    if (step.assessmentRefs.length > 0)
      lines.push(`${indent}   assessments: ${step.assessmentRefs.join(', ')}`);
    if (step.validationCriteria !== undefined) lines.push(`${indent}   validation criteria: yes`);
    for (const f of step.promptFragments) {
      lines.push(
        `${indent}   fragment ${f.id}${f.when !== undefined ? ` when ${describeCondition(f.when)}` : ' (always)'}`,
      );
    }
    if (!step.notesRequired) lines.push(`${indent}   notes optional`);
  }
  if (step.runCondition !== undefined)
    lines.push(`${indent}   runs when: ${describeCondition(step.runCondition)}`);
  const gate = gateText(step.confirmation);
  if (gate !== undefined) lines.push(`${indent}   gate: ${gate}`);
  return lines;
}

function loopHeader(loop: CompiledLoop): string {
  switch (loop.loopType) {
    case 'for':
      return `for ${typeof loop.count === 'number' ? `${loop.count} iterations` : `count from context \`${String(loop.count)}\``}`;
    case 'forEach':
      return `for each ${loop.itemVar} in \`${loop.items ?? '?'}\``;
    default: {
      const source = loop.conditionSource;
      if (source?.kind === 'artifact_contract')
        return `${loop.loopType}: until a ${source.contractRef} artifact says stop`;
      const condition = source?.kind === 'context_variable' ? source.condition : loop.condition;
      return `${loop.loopType} ${describeCondition(condition)}`;
    }
  }
}

function nodeLines(node: CompiledNode, label: string): string[] {
  if (node.kind !== 'loop') return stepLines(node, label, '');
  const lines = [
    `${label} Loop: ${node.title} [${node.id}] — ${loopHeader(node)} (max ${node.maxIterations})`,
  ];
  if (node.runCondition !== undefined) lines.push(`   runs when: ${describeCondition(node.runCondition)}`);
  const gate = gateText(node.confirmation);
  if (gate !== undefined) lines.push(`   gate: ${gate}`);
  node.body.forEach((child, i) => {
    lines.push(...stepLines(child, `${label.slice(0, -1)}.${i + 1}.`, '   '));
  });
  return lines;
}

/** A plain-text outline of the compiled workflow. */
export function previewWorkflow(compiled: CompiledWorkflow): string {
  const lines = [
    `${compiled.name} (${compiled.workflowId} v${compiled.version})`,
    compiled.description,
    `hash: ${compiled.hash}`,
    '',
  ];
  compiled.steps.forEach((node, i) => {
    lines.push(...nodeLines(node, `${i + 1}.`));
  });
  return lines.join('\n');
}

function outline(node: CompiledNode): JsonObject {
  const base: JsonObject = { id: node.id, kind: node.kind, title: node.title };
  return node.kind === 'loop'
    ? { ...base, loopType: node.loopType, body: node.body.map((child) => outline(child)) }
    : base;
}

/** The `compiled` payload of `inspect_workflow` for the given mode. */
export function toInspectJson(compiled: CompiledWorkflow, mode: 'metadata' | 'preview'): JsonValue {
  const metadata: JsonObject = {
    workflowId: compiled.workflowId,
    name: compiled.name,
    description: compiled.description,
    version: compiled.version,
    workflowHash: compiled.hash,
    metaGuidance: [...compiled.metaGuidance],
    ...(compiled.recommendedPreferences !== undefined
      ? { recommendedPreferences: toJson(compiled.recommendedPreferences) }
      : {}),
    references: toJson(compiled.references),
    assessments: Object.keys(compiled.assessments).sort(),
    stepCount: compiled.steps.reduce((n, node) => n + (node.kind === 'loop' ? 1 + node.body.length : 1), 0),
    outline: compiled.steps.map((node) => outline(node)),
  };
  if (mode === 'metadata') return metadata;
  return {
    ...metadata,
    steps: toJson(compiled.steps),
    graph: toJson(compiled.graph),
    preview: previewWorkflow(compiled),
  };
}
