import type { AuditEntry, PurgeResult, QueueStats, StateCounts, Task } from '@worktrain/queue';
import { formatTable, formatTime, indent, truncate } from './table.js';
import { escapeControl } from './terminal-text.js';

/** Most payload lines `queue inspect` prints in text (json prints the whole payload). */
const PAYLOAD_LINES = 40;

function errorCell(task: Task): string {
  return task.lastError ? truncate(`${task.lastError.class}: ${task.lastError.message}`, 60) : '-';
}

/** Text of `queue list`: a table, or a sentence when there is nothing to show. */
export function renderQueueList(tasks: readonly Task[], databaseExists: boolean): string {
  if (!databaseExists) return 'no tasks yet';
  if (tasks.length === 0) return 'no tasks match';
  return formatTable(
    ['TASK', 'QUEUE', 'STATE', 'PRIORITY', 'ATTEMPT', 'RUN AT', 'UPDATED', 'LAST ERROR'],
    tasks.map((t) => [
      t.id,
      t.queue,
      t.state,
      String(t.priority),
      `${t.attempt}/${t.maxAttempts}`,
      formatTime(t.runAt),
      formatTime(t.updatedAt),
      errorCell(t),
    ]),
  );
}

/** Text of `queue dead-letters`: one row per dead letter with its reason class and message. */
export function renderDeadLetters(tasks: readonly Task[], databaseExists: boolean): string {
  if (!databaseExists) return 'no dead letters (no tasks yet)';
  if (tasks.length === 0) return 'no dead letters';
  return formatTable(
    ['TASK', 'QUEUE', 'ATTEMPTS', 'DEAD SINCE', 'CLASS', 'MESSAGE'],
    tasks.map((t) => [
      t.id,
      t.queue,
      `${t.attempt}/${t.maxAttempts}`,
      formatTime(t.finishedAt ?? t.updatedAt),
      t.lastError?.class ?? '-',
      truncate(t.lastError?.message ?? '', 80),
    ]),
  );
}

/** Text of `queue inspect`: every field of the task, its payload and its audit trail (oldest first). */
export function renderTaskInspect(task: Task, history: readonly AuditEntry[]): string {
  const lines = [
    `Task       ${task.id}`,
    `Queue      ${task.queue}`,
    `State      ${task.state}`,
    `Priority   ${task.priority}`,
    `Attempt    ${task.attempt} of ${task.maxAttempts}`,
    `Run at     ${formatTime(task.runAt)}`,
    `Dedupe key ${task.dedupeKey ?? '-'}`,
    `Created    ${formatTime(task.createdAt)}`,
    `Updated    ${formatTime(task.updatedAt)}`,
    `Finished   ${task.finishedAt === null ? '-' : formatTime(task.finishedAt)}`,
  ];
  if (task.state === 'leased' && task.leaseOwner !== null) {
    const until = task.leasedUntil === null ? '' : ` until ${formatTime(task.leasedUntil)}`;
    lines.push(`Lease      ${task.leaseOwner}${until}`);
  } else if (task.leaseOwner !== null) lines.push(`Last owner ${task.leaseOwner}`);
  if (task.lastError)
    lines.push(`Last error ${task.lastError.class}: ${escapeControl(task.lastError.message)}`);
  lines.push('', 'Payload', indent(payloadExcerpt(task.payload)));
  lines.push('', `History (${history.length} transitions)`);
  if (history.length === 0) lines.push('  (none)');
  else {
    lines.push(
      indent(
        formatTable(
          ['AT', 'ACTOR', 'FROM', 'TO', 'REASON'],
          history.map((h) => [formatTime(h.at), h.actor, h.from ?? '-', h.to, truncate(h.reason ?? '', 80)]),
        ),
      ),
    );
  }
  return lines.join('\n');
}

function payloadExcerpt(payload: unknown): string {
  const all = JSON.stringify(payload, null, 2).split('\n');
  if (all.length <= PAYLOAD_LINES) return all.join('\n');
  return [
    ...all.slice(0, PAYLOAD_LINES),
    `… ${all.length - PAYLOAD_LINES} more lines (--format json prints it all)`,
  ].join('\n');
}

const STATE_COLUMNS = ['pending', 'leased', 'failed', 'dead', 'succeeded'] as const;

function countsRow(name: string, counts: StateCounts): string[] {
  return [name, ...STATE_COLUMNS.map((s) => String(counts[s]))];
}

/**
 * Text of `queue stats`: counts per queue and state, a total row, and the age of the oldest ready task;
 * `queue` names the `--queue` filter, for the sentence shown when that queue has no tasks.
 */
export function renderQueueStats(stats: QueueStats, databaseExists: boolean, queue?: string): string {
  if (!databaseExists) return 'no tasks yet';
  const names = Object.keys(stats.queues).sort();
  if (names.length === 0) return queue === undefined ? 'no tasks' : `no tasks in queue ${queue}`;
  const rows = names.map((name) => countsRow(name, stats.queues[name] ?? stats.total));
  const table = formatTable(
    ['QUEUE', ...STATE_COLUMNS.map((s) => s.toUpperCase())],
    [...rows, countsRow('(total)', stats.total)],
  );
  const oldest = stats.oldestReadyAgeMs === null ? 'none' : `${formatAge(stats.oldestReadyAgeMs)} waiting`;
  return `${table}\n\noldest ready task: ${oldest}`;
}

/** The `--since` / `--limit` bounds of a purge, for its sentence. */
export interface PurgeBounds {
  /** Lower bound of the finish time (ms since epoch), or null. */
  readonly sinceMs: number | null;
  readonly limit: number | null;
}

function purgeWindow(cutoffMs: number, bounds: PurgeBounds): string {
  const since = bounds.sinceMs === null ? '' : ` and since ${formatTime(bounds.sinceMs)}`;
  const limit = bounds.limit === null ? '' : `; at most ${bounds.limit}, oldest first`;
  return `(finished before ${formatTime(cutoffMs)}${since}${limit})`;
}

/** Text of `queue purge`; with `dryRun`, what would be purged: a sentence and a table of the tasks. */
export function renderPurge(
  result: PurgeResult & { readonly dryRun?: boolean; readonly wouldArchiveTo?: string | null },
  cutoffMs: number,
  bounds: PurgeBounds = { sinceMs: null, limit: null },
): string {
  const noun = result.purged === 1 ? 'task' : 'tasks';
  const window = purgeWindow(cutoffMs, bounds);
  if (result.dryRun === true) {
    const archive = result.wouldArchiveTo ? `; would archive to ${result.wouldArchiveTo}` : '';
    const head = `dry run: would purge ${result.purged} finished ${noun} ${window}${archive}; nothing was changed`;
    const tasks = result.wouldPurge ?? [];
    if (tasks.length === 0) return head;
    const table = formatTable(
      ['TASK', 'QUEUE', 'STATE', 'FINISHED', 'LAST ERROR'],
      tasks.map((t) => [t.id, t.queue, t.state, formatTime(t.finishedAt ?? t.updatedAt), errorCell(t)]),
    );
    const more = result.purged > tasks.length ? `\n… and ${result.purged - tasks.length} more` : '';
    return `${head}\n\n${table}${more}`;
  }
  const archived = result.archivePath !== null ? `; archived to ${result.archivePath}` : '';
  return `purged ${result.purged} finished ${noun} ${window}${archived}`;
}

/** Text of `queue requeue` / `queue cancel`. */
export function renderTaskChange(verb: string, task: Task): string {
  const error = task.lastError ? ` (${task.lastError.class}: ${truncate(task.lastError.message, 80)})` : '';
  return `${verb} ${task.id} (queue ${task.queue}): now ${task.state}${error}`;
}

/** A duration in ms as `3d 4h`, `12m 5s` or `800ms`: the two largest units. */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const units: ReadonlyArray<readonly [string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = ms;
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) parts.push(`${n}${name}`);
    rest -= n * size;
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
