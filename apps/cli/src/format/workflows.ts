import type { WorkflowListOutput, WorkflowShowOutput, WorkflowValidateOutput } from '../commands/workflow.js';
import { formatTable, indent, truncate } from './table.js';
import type { StepSummary } from './workflow-summary.js';

/** Text of `workflow list`: a table, then the skipped invalid files. */
export function renderWorkflowList(out: WorkflowListOutput): string {
  const lines: string[] = [];
  if (out.workflows.length === 0) lines.push('no workflows found');
  else {
    lines.push(
      formatTable(
        ['ID', 'NAME', 'VERSION', 'SOURCE'],
        out.workflows.map((w) => [
          w.workflowId,
          truncate(w.name, 50),
          w.version,
          `${w.source.kind}: ${w.source.path}`,
        ]),
      ),
    );
  }
  if (out.invalid.length > 0) {
    lines.push(
      '',
      `${out.invalid.length} invalid workflow file(s) skipped (check with 'worktrain workflow validate <file>'):`,
    );
    for (const bad of out.invalid) {
      lines.push(`  ${bad.path}${bad.workflowId ? ` (${bad.workflowId})` : ''}`);
      for (const e of bad.errors.slice(0, 5)) lines.push(`    - ${e}`);
      if (bad.errors.length > 5) lines.push(`    … ${bad.errors.length - 5} more`);
    }
  }
  return lines.join('\n');
}

function stepLines(steps: readonly StepSummary[], prefix: string): string[] {
  return steps.flatMap((step, i) => {
    const marks = [
      step.type !== 'step' ? step.type : '',
      step.loop ? `${step.loop.type}, max ${step.loop.maxIterations ?? '?'}` : '',
      step.conditional ? 'conditional' : '',
      step.requiresConfirmation ? 'confirmation' : '',
      step.templateId ? `template ${step.templateId}` : '',
      step.delegations ? `delegates to ${step.delegations.join(', ')}` : '',
    ].filter((m) => m.length > 0);
    const number = `${prefix}${i + 1}`;
    const line = `${number}. ${step.id}: ${step.title}${marks.length > 0 ? ` [${marks.join('; ')}]` : ''}`;
    if (typeof step.body === 'string')
      return [line, `${' '.repeat(number.length + 2)}body: step ${step.body}`];
    if (Array.isArray(step.body))
      return [line, ...stepLines(step.body, `${number}.`).map((l) => indent(l, 3))];
    return [line];
  });
}

/** Text of `workflow show`. */
export function renderWorkflowShow(out: WorkflowShowOutput): string {
  const lines = [
    `${out.name} (${out.workflowId} v${out.version})`,
    out.description,
    `Source: ${out.source.kind}: ${out.source.path}`,
  ];
  if (out.about) lines.push('', truncate(out.about, 600));
  if (out.preconditions.length > 0)
    lines.push('', 'Preconditions:', ...out.preconditions.map((p) => `  - ${p}`));
  if (out.features.length > 0) lines.push('', `Features: ${out.features.join(', ')}`);
  if (out.metaGuidance.length > 0) lines.push('', `Meta guidance: ${out.metaGuidance.length} rule(s)`);
  lines.push('', `Steps (${out.steps.length}):`, ...stepLines(out.steps, '').map((l) => indent(l)));
  return lines.join('\n');
}

/** Text of `workflow validate`. */
export function renderWorkflowValidate(file: string, out: WorkflowValidateOutput): string {
  if (out.valid) return `valid: ${file} (${out.workflowId ?? '?'}, ${out.workflowHash ?? ''})`;
  const lines = [
    `invalid: ${file}${out.workflowId ? ` (${out.workflowId})` : ''}: ${out.issues.length} issue(s)`,
  ];
  for (const issue of out.issues)
    lines.push(`  ${issue.path === '' ? '(file)' : issue.path}: ${issue.message}`);
  return lines.join('\n');
}
