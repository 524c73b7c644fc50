import type { ContinueResponse } from '@worktrain/engine';

/**
 * Text renderings of engine responses for the agent. The structured JSON goes out as
 * `structuredContent`; this text is what most clients put in front of the model, so it leads with the
 * pending step's prompt and ends with the exact next call to make.
 */

/** Start responses carry no `kind`; callers pass `{ ...start, kind: 'ok' }`. */
type StepResponse = ContinueResponse;

const AUTONOMY: Record<string, string> = {
  guided: 'guided (ask the user when the step says so)',
  full_auto_stop_on_user_deps: 'full auto (stop only for things only the user can provide)',
  full_auto_never_stop: 'full auto (never stop)',
};

function jsonBlock(value: unknown): string {
  return ['```json', JSON.stringify(value), '```'].join('\n');
}

function nextCallBlock(response: StepResponse): string[] {
  if (response.kind === 'gate_checkpoint') return [];
  const token =
    response.kind === 'blocked'
      ? (response.retryContinueToken ?? response.continueToken)
      : response.continueToken;
  if (token === undefined) return [];
  const stepLabel = response.pending ? ` (step \`${response.pending.stepId}\`)` : '';
  return [
    `Next call${stepLabel}: \`continue_workflow\` with exactly these arguments plus your \`output\`:`,
    '',
    jsonBlock({ continueToken: token }),
    '',
    'Use this token, not one from an earlier step.',
  ];
}

/** Renders a start_workflow / continue_workflow response. */
export function renderStepResponse(
  response: StepResponse,
  intent: 'start' | 'advance' | 'rehydrate',
): string {
  if (response.kind === 'gate_checkpoint') {
    return [
      `# Waiting at a ${response.gateKind.replace(/_/g, ' ')} gate`,
      '',
      `Step \`${response.stepId}\` was accepted; session \`${response.sessionId}\` now waits for the gate to be resolved outside this chat.`,
    ].join('\n');
  }
  const lines: string[] = [];
  if (response.isComplete) {
    lines.push(
      '# Workflow complete',
      '',
      `Session \`${response.sessionId}\` has finished. There are no more steps.`,
    );
    return lines.join('\n');
  }
  if (response.kind === 'blocked') {
    lines.push('# Blocked: the step output was not accepted', '');
    for (const blocker of response.blockers) {
      lines.push(`- **${blocker.code}**: ${blocker.message}`);
      if (blocker.suggestedFix) lines.push(`  Fix: ${blocker.suggestedFix}`);
    }
    if (response.assessmentFollowup) {
      lines.push(
        '',
        `**Follow-up first: ${response.assessmentFollowup.title}**`,
        response.assessmentFollowup.guidance,
      );
    }
    lines.push('');
    if (!response.retryable) {
      lines.push('This cannot be retried as is. Tell the user what is blocking and wait for them.', '');
    } else {
      lines.push('Fix the problems above and send the step output again.', '');
    }
  }
  if (response.pending) {
    const resumed = intent === 'rehydrate' ? ' (resumed)' : '';
    lines.push(`# ${response.pending.title}${resumed}`, `<!-- stepId: ${response.pending.stepId} -->`, '');
    lines.push(response.pending.prompt, '');
  }
  if (response.metaGuidance && response.metaGuidance.length > 0) {
    lines.push('## Guidance for the whole workflow', ...response.metaGuidance.map((g) => `- ${g}`), '');
  }
  lines.push('---', '');
  if (response.nextIntent === 'await_user_confirmation') {
    lines.push(
      response.preferences.autonomy === 'guided'
        ? "This step needs the user's confirmation: show them your result and wait for their go-ahead before the next call."
        : "This step asks for the user's confirmation; in full-auto mode, proceed unless the user has objected.",
      '',
    );
  }
  lines.push(...nextCallBlock(response));
  lines.push(
    '',
    'Put a markdown recap of this step in `output.notesMarkdown` and any structured results the step asks for in `output.artifacts`.',
    `Mode: ${AUTONOMY[response.preferences.autonomy] ?? response.preferences.autonomy}; risk policy ${response.preferences.riskPolicy}.`,
  );
  return lines.join('\n');
}
