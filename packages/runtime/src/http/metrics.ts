import type { Operations } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { SESSION_STATUSES_FOR_METRICS } from './metric-names.js';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * Prometheus text exposition (format 0.0.4): queue depth by queue and state, sessions by status (over
 * the 1000 most recently updated sessions), sessions running in this daemon, webhooks by trigger and status,
 * and the trigger intake's group commits (transactions and the admissions they carried).
 */
export async function renderMetrics(parts: RuntimeParts, ops: Operations): Promise<string> {
  const lines: string[] = [];
  lines.push(
    '# HELP worktrain_queue_tasks Tasks in the queue by state.',
    '# TYPE worktrain_queue_tasks gauge',
  );
  const stats = await ops.queueStats();
  if (stats.isOk())
    for (const [queue, counts] of Object.entries(stats.value.queues))
      for (const [state, n] of Object.entries(counts))
        lines.push(`worktrain_queue_tasks{queue="${esc(queue)}",state="${state}"} ${n}`);
  lines.push('# HELP worktrain_sessions Sessions by status.', '# TYPE worktrain_sessions gauge');
  const sessions = await parts.store.listSessions({ limit: 1000 });
  const byStatus = new Map<string, number>(SESSION_STATUSES_FOR_METRICS.map((s) => [s, 0]));
  if (sessions.isOk())
    for (const s of sessions.value) byStatus.set(s.status, (byStatus.get(s.status) ?? 0) + 1);
  for (const [status, n] of byStatus) lines.push(`worktrain_sessions{status="${status}"} ${n}`);
  lines.push(
    '# HELP worktrain_active_sessions Sessions running in this daemon now.',
    '# TYPE worktrain_active_sessions gauge',
    `worktrain_active_sessions ${parts.active.list().length}`,
  );
  lines.push(
    '# HELP worktrain_webhooks_total Webhook requests by trigger and HTTP status.',
    '# TYPE worktrain_webhooks_total counter',
  );
  for (const w of ops.webhooks.snapshot())
    lines.push(`worktrain_webhooks_total{trigger="${esc(w.triggerId)}",status="${w.status}"} ${w.count}`);
  lines.push(
    '# HELP worktrain_trigger_group_commits_total Shared transactions committed by the trigger intake (webhooks, poll pages).',
    '# TYPE worktrain_trigger_group_commits_total counter',
    `worktrain_trigger_group_commits_total ${parts.router.commitBatches}`,
    '# HELP worktrain_trigger_group_commit_calls_total Admissions those shared transactions carried.',
    '# TYPE worktrain_trigger_group_commit_calls_total counter',
    `worktrain_trigger_group_commit_calls_total ${parts.router.commitBatchCalls}`,
  );
  return `${lines.join('\n')}\n`;
}
