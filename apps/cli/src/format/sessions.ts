import type { SessionEvent } from '@worktrain/contracts';
import type { SessionSealVerification } from '@worktrain/coordinator-kit';
import type {
  SessionFailure,
  SessionProjection,
  SessionSummary,
  VerifyResult,
} from '@worktrain/session-store';
import { formatTable, formatTime, indent, truncate } from './table.js';
import { escapeControl } from './terminal-text.js';

/** Text of `sessions list`: a table, or a sentence when there is nothing to show. */
/** A completed session whose delivery waits for a person (`sessions list|show`'s delivery signal). */
interface DeliveryShown {
  readonly delivery?: 'awaiting_approval' | null;
  readonly pendingApprovalIds?: readonly string[];
}

/** The STATUS cell: the status, and `(delivery awaiting approval)` when its delivery waits for a person. */
function statusCell(status: string, d: DeliveryShown): string {
  return d.delivery === 'awaiting_approval' ? `${status} (delivery awaiting approval)` : status;
}

export function renderSessionList(
  sessions: readonly (SessionSummary & DeliveryShown & { readonly failure?: SessionFailure | null })[],
  databaseExists: boolean,
): string {
  if (!databaseExists) return 'no sessions yet';
  if (sessions.length === 0) return 'no sessions match';
  // Why each failed session failed, and how to carry on, under the table (one line each).
  const failures = sessions.flatMap((s) =>
    s.failure === undefined || s.failure === null
      ? []
      : [
          `  ${s.sessionId}: ${truncate(escapeControl(s.failure.reason), 160)}${hintOf(s.sessionId, s.failure)}`,
        ],
  );
  const table = formatTable(
    ['SESSION', 'WORKFLOW', 'STATUS', 'STEP', 'UPDATED', 'TITLE'],
    sessions.map((s) => [
      s.sessionId,
      s.workflowId,
      statusCell(s.status, s),
      s.currentStepId ?? '-',
      formatTime(s.updatedAt),
      truncate(escapeControl(s.title ?? s.goal ?? ''), 60),
    ]),
  );
  return failures.length === 0 ? table : [table, '', 'failed:', ...failures].join('\n');
}

/** ` (carry on: worktrain sessions continue <id>)` for a session whose task was dead-lettered; else ''. */
function hintOf(sessionId: string, failure: SessionFailure): string {
  return failure.taskId === null ? '' : ` (carry on: worktrain sessions continue ${sessionId})`;
}

/** Text of `sessions show`: summary, current step, run graph, outputs, context and metrics. */
export function renderSessionShow(p: SessionProjection & DeliveryShown): string {
  const s = p.summary;
  const lines: string[] = [
    `Session   ${s.sessionId}`,
    `Workflow  ${s.workflowId} (${s.workflowHash})`,
    `Status    ${s.status}`,
  ];
  if (p.failure !== null) {
    lines.push(`Failure   ${escapeControl(p.failure.reason)}`);
    if (p.failure.hint !== null) lines.push(`Next      ${escapeControl(p.failure.hint)}`);
  }
  if (p.sandbox !== null && p.sandbox !== undefined)
    lines.push(
      p.sandbox.enforced
        ? `Sandbox   ${escapeControl(p.sandbox.reason)}`
        : `Sandbox   WARNING: OFF. ${escapeControl(p.sandbox.reason)}`,
    );
  if (p.delivery === 'awaiting_approval')
    lines.push(
      `Delivery  awaiting approval: ${(p.pendingApprovalIds ?? []).join(', ')} (worktrain approvals approve|reject <id>)`,
    );
  lines.push(`Step      ${s.currentStepId ?? '-'}`);
  // Titles and goals come from issues: escaped, so they cannot forge lines or drive the terminal.
  if (s.title) lines.push(`Title     ${escapeControl(s.title)}`);
  if (s.goal && s.goal !== s.title) lines.push(`Goal      ${truncate(escapeControl(s.goal), 200)}`);
  if (s.workspacePath) lines.push(`Workspace ${escapeControl(s.workspacePath)}`);
  if (s.parentSessionId) lines.push(`Parent    ${s.parentSessionId}`);
  lines.push(`Source    ${s.source}`);
  lines.push(
    `Created   ${formatTime(s.createdAt)}`,
    `Updated   ${formatTime(s.updatedAt)}`,
    `Events    ${s.lastSeq}`,
  );

  lines.push('', `Run graph (${p.nodes.length} nodes)`);
  if (p.nodes.length === 0) lines.push('  (none)');
  else {
    lines.push(
      indent(
        formatTable(
          ['NODE', 'KIND', 'STEP', 'PARENT', 'SEQ'],
          p.nodes.map((n) => [n.nodeId, n.nodeKind, n.stepId ?? '-', n.parentNodeId ?? '-', String(n.seq)]),
        ),
      ),
    );
  }

  lines.push('', `Outputs (${p.outputs.length} notes, ${p.artifacts.length} artifacts)`);
  for (const o of p.outputs) {
    lines.push(`  [${o.stepId}] seq ${o.seq}`);
    if (o.notesMarkdown) lines.push(indent(excerpt(o.notesMarkdown, NOTES_LINES), 4));
  }
  for (const a of p.artifacts)
    lines.push(`  [${a.stepId}] artifact seq ${a.seq}: ${truncate(JSON.stringify(a.artifact), 200)}`);

  const contextKeys = Object.keys(p.context);
  lines.push('', `Context (${contextKeys.length} keys)`);
  for (const key of contextKeys) lines.push(`  ${key} = ${truncate(JSON.stringify(p.context[key]), 200)}`);

  const m = p.metrics;
  lines.push(
    '',
    'Metrics',
    `  events ${m.events}, advances ${m.advances}, blocked attempts ${m.blockedAttempts}`,
    `  LLM turns ${m.llmTurns}, tool calls ${m.toolCalls}, tokens in ${m.inputTokens} / out ${m.outputTokens}, cost $${m.costUsd.toFixed(4)}`,
  );
  return lines.join('\n');
}

/** Lines of notes shown per output by `sessions show` (the full notes are in `--format json`). */
const NOTES_LINES = 12;

/** The first `maxLines` non-empty lines of markdown, each cut to 200 characters, with a `…` line when cut. */
function excerpt(markdown: string, maxLines: number): string {
  const lines = markdown.split('\n').filter((line) => line.trim().length > 0);
  const shown = lines.slice(0, maxLines).map((line) => truncate(line, 200));
  if (lines.length > maxLines) shown.push(`… ${lines.length - maxLines} more line(s)`);
  return shown.join('\n');
}

/** Width of the kind column of `sessions events` (the longest kind, `validation_performed`, fits). */
const KIND_WIDTH = 20;

/** One line of `sessions events`: `#seq  time  kind  data`. */
export function renderSessionEventLine(event: SessionEvent): string {
  const data = truncate(JSON.stringify(event.data), 160);
  return `#${event.seq}  ${formatTime(event.at)}  ${event.kind.padEnd(KIND_WIDTH)}  ${data}`;
}

/** Text of `sessions verify`. */
export function renderVerify(result: VerifyResult): string {
  if (result.ok)
    return `ok: ${result.sessionId}: ${result.events} events, hash chain intact (head ${result.headHash})`;
  return `BROKEN: ${result.sessionId}: hash chain broken at seq ${result.brokenAtSeq} (${result.reason}); ${result.events} events checked`;
}

/**
 * The seal line of `sessions verify` and `verify <session-id>`: `seal: ok (kid …, seq N)`, `seal: none
 * (why)` or `seal: INVALID (reasons)`.
 */
export function renderSealLine(seal: SessionSealVerification): string {
  switch (seal.status) {
    case 'ok': {
      const tail = seal.unsealedEvents === 0 ? '' : `; ${seal.unsealedEvents} later events not covered`;
      return `seal: ok (kid ${seal.keyId}, seq ${seal.seq}, sealed ${seal.at}${tail})`;
    }
    case 'none':
      return `seal: none (${seal.message})`;
    case 'invalid':
      return `seal: INVALID (${seal.problems.map((p) => `${p.code}: ${p.message}`).join('; ')})`;
  }
}
