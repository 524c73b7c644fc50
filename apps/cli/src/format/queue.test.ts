import { describe, expect, it } from 'vitest';
import { formatAge, renderPurge, renderQueueStats } from './queue.js';

describe('formatAge', () => {
  it('prints the two largest units', () => {
    expect(formatAge(800)).toBe('800ms');
    expect(formatAge(65_000)).toBe('1m 5s');
    expect(formatAge(3 * 86_400_000 + 4 * 3_600_000 + 59_000)).toBe('3d 4h');
    expect(formatAge(3_600_000 + 7000)).toBe('1h 0m');
  });
});

describe('renderQueueStats', () => {
  const zero = { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 };

  it('says when there is no database or no task', () => {
    const empty = { queues: {}, total: zero, oldestReadyAgeMs: null };
    expect(renderQueueStats(empty, false)).toBe('no tasks yet');
    expect(renderQueueStats(empty, true)).toBe('no tasks');
  });

  it('sorts queues by name and adds a total row', () => {
    const text = renderQueueStats(
      {
        queues: { sweeps: { ...zero, dead: 2 }, reviews: { ...zero, pending: 3 } },
        total: { ...zero, pending: 3, dead: 2 },
        oldestReadyAgeMs: 90_000,
      },
      true,
    );
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^QUEUE\s+PENDING\s+LEASED\s+FAILED\s+DEAD\s+SUCCEEDED$/);
    expect(lines[1]).toMatch(/^reviews\s+3\s+0\s+0\s+0\s+0$/);
    expect(lines[2]).toMatch(/^sweeps\s+0\s+0\s+0\s+2\s+0$/);
    expect(lines[3]).toMatch(/^\(total\)\s+3\s+0\s+0\s+2\s+0$/);
    expect(lines.at(-1)).toBe('oldest ready task: 1m 30s waiting');
  });
});

describe('renderPurge', () => {
  const task = {
    id: 'task_a',
    queue: 'reviews',
    payload: null,
    priority: 0,
    runAt: 0,
    dedupeKey: null,
    attempt: 1,
    maxAttempts: 1,
    state: 'dead' as const,
    leaseToken: null,
    leaseOwner: null,
    leasedUntil: null,
    lastError: { class: 'validation' as const, message: 'bad input' },
    createdAt: 0,
    updatedAt: 0,
    finishedAt: Date.UTC(2026, 0, 2),
  };
  const cutoff = Date.UTC(2026, 0, 10);

  it('reports a real purge and its archive', () => {
    expect(renderPurge({ purged: 3, archivePath: '/a.jsonl' }, cutoff)).toBe(
      'purged 3 finished tasks (finished before 2026-01-10T00:00:00Z); archived to /a.jsonl',
    );
  });

  it('says a dry run changed nothing, lists the tasks and counts the ones not listed', () => {
    const text = renderPurge(
      { purged: 5, archivePath: null, wouldPurge: [task], dryRun: true, wouldArchiveTo: '/a.jsonl' },
      cutoff,
    );
    const [head, , header, row, more] = text.split('\n');
    expect(head).toBe(
      'dry run: would purge 5 finished tasks (finished before 2026-01-10T00:00:00Z); would archive to /a.jsonl; nothing was changed',
    );
    expect(header).toMatch(/^TASK\s+QUEUE\s+STATE\s+FINISHED\s+LAST ERROR$/);
    expect(row).toMatch(/^task_a\s+reviews\s+dead\s+2026-01-02\S*\s+validation: bad input$/);
    expect(more).toBe('… and 4 more');
    expect(renderPurge({ purged: 0, archivePath: null, wouldPurge: [], dryRun: true }, cutoff)).toBe(
      'dry run: would purge 0 finished tasks (finished before 2026-01-10T00:00:00Z); nothing was changed',
    );
  });
});
