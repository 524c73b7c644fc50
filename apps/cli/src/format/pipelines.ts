/**
 * Text of `pipeline list|run|show|cancel`, `spawn`, `await` and `sessions list --tree`. Daemon strings
 * (goals, notes, reasons) are escaped field by field; `renderResult` escapes the whole text again.
 */
import type {
  PipelineBudgetView,
  PipelineDetailView,
  PipelinePlanView,
  PipelineSummaryView,
} from '../commands/pipeline/api.js';
import { formatTable, truncate } from './table.js';
import { escapeControl } from './terminal-text.js';

/** `90_000` → `1m30s`, `7_200_000` → `2h`: the largest units, at most two, no zero parts. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${name}`);
    if (parts.length === 2) break;
  }
  return parts.join('');
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const usd = (x: number) => `$${x.toFixed(2)}`;
const count = (n: number) => n.toLocaleString('en-US');

/** `12 sessions, 600 turns, 30,000,000 tokens, $40.00, 4h wall clock`. */
export function renderBudget(b: PipelineBudgetView): string {
  return `${count(b.maxSessions)} sessions, ${count(b.maxTurns)} turns, ${count(b.maxTokens)} tokens, ${usd(b.maxCostUsd)}, ${formatMs(b.maxWallClockMs)} wall clock`;
}

/** The stage plan: each stage, what it runs, where it may lead and how many sessions it starts at most. */
export function renderPlan(plan: PipelinePlanView): string {
  const lines = [`pipeline ${escapeControl(plan.kind)}: ${escapeControl(plan.description)}`, 'stages:'];
  plan.stages.forEach((s, i) => {
    const sessions = s.sessions === 1 ? '1 session' : `${s.sessions} sessions`;
    lines.push(`  ${i + 1}. ${escapeControl(s.name)} (${sessions}): ${escapeControl(s.description)}`);
    lines.push(`     next: ${s.next.length === 0 ? '(end)' : s.next.map(escapeControl).join(', ')}`);
  });
  lines.push(`budget: ${renderBudget(plan.budget)}`);
  return lines.join('\n');
}

/** `pipeline run --dry-run`: the plan and a sentence saying nothing started. */
export function renderDryRun(plan: PipelinePlanView): string {
  return `${renderPlan(plan)}\ndry run: nothing was recorded or started`;
}

/** `pipeline run`: the new pipeline, its task and how to follow it. */
export function renderStarted(out: { pipelineId: string; taskId: string; plan: PipelinePlanView }): string {
  return [
    `pipeline ${out.pipelineId} started (${escapeControl(out.plan.kind)}; coordinator task ${out.taskId})`,
    `budget: ${renderBudget(out.plan.budget)}`,
    `follow it: worktrain pipeline show ${out.pipelineId}`,
  ].join('\n');
}

/** `pipeline list`: a table, or a sentence when there is nothing. */
export function renderPipelineList(pipelines: readonly PipelineSummaryView[]): string {
  if (pipelines.length === 0) return 'no pipelines';
  return formatTable(
    ['PIPELINE', 'KIND', 'STATUS', 'UPDATED', 'GOAL'],
    pipelines.map((p) => [
      p.pipelineId,
      escapeControl(p.kind),
      p.status,
      p.updatedAt.replace(/\.\d{3}Z$/, 'Z'),
      truncate(escapeControl(p.goal), 60),
    ]),
  );
}

/** `pipeline show`: status, stage, end reason, children, budget against spend, the proof record. */
export function renderPipelineShow(d: PipelineDetailView, nowMs: number): string {
  const v = d.view;
  const lines = [
    `Pipeline  ${d.summary.pipelineId} (${escapeControl(d.summary.kind)})`,
    `Goal      ${truncate(escapeControl(d.summary.goal), 200)}`,
    `Status    ${v.status}`,
  ];
  if (v.stage !== null)
    lines.push(`Stage     ${escapeControl(v.stage)} (attempt ${v.stageAttempts[v.stage] ?? 1})`);
  if (v.endReason !== null) lines.push(`Ended     ${escapeControl(v.endReason)}`);
  if (v.cancelRequested !== null && v.status === 'running')
    lines.push(
      `Cancel    requested by ${escapeControl(v.cancelRequested.actor)}: ${escapeControl(v.cancelRequested.reason)}`,
    );
  lines.push('Children');
  if (d.children.length === 0) lines.push('  (none yet)');
  else
    lines.push(
      formatTable(
        ['  KEY', 'SESSION', 'WORKFLOW', 'STATUS', 'TURNS', 'TOKENS', 'COST'],
        d.children.map((c) => [
          `  ${escapeControl(c.key)}`,
          c.sessionId,
          escapeControl(c.workflowId),
          c.ended !== null && c.ended !== c.sessionStatus
            ? `${c.sessionStatus ?? 'unknown'} (${c.ended})`
            : (c.sessionStatus ?? 'unknown'),
          count(c.usage.turns),
          count(c.usage.tokens),
          usd(c.usage.costUsd),
        ]),
      ),
    );
  const b = v.budget;
  const end = v.status === 'running' ? nowMs : Date.parse(d.summary.updatedAt);
  const elapsed = Math.max(0, end - Date.parse(v.startedAt));
  lines.push('Budget    spent / limit');
  lines.push(
    formatTable(
      ['', '', ''],
      [
        ['  sessions', count(d.spend.sessions), count(b.maxSessions)],
        ['  turns', count(d.spend.turns), count(b.maxTurns)],
        ['  tokens', count(d.spend.tokens), count(b.maxTokens)],
        ['  cost', usd(d.spend.costUsd), usd(b.maxCostUsd)],
        ['  wall clock', formatMs(elapsed), formatMs(b.maxWallClockMs)],
      ],
    )
      .split('\n')
      .slice(1)
      .join('\n'),
  );
  if (d.proof === null) lines.push('Proof     (none)');
  else {
    const seals = d.proof.seals.length;
    lines.push(
      `Proof     ${d.proof.proofId} (${plural(d.proof.entries.length, 'entry', 'entries')}, ${plural(seals, 'seal', 'seals')})`,
    );
    for (const e of d.proof.entries)
      lines.push(
        `  #${e.seq} ${escapeControl(e.gate)}: ${e.verdict}${e.note !== undefined ? ` (${truncate(escapeControl(e.note), 160)})` : ''}`,
      );
  }
  return lines.join('\n');
}
