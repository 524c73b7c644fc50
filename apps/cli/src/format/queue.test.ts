import { describe, expect, it } from 'vitest';
import { formatAge, renderQueueStats } from './queue.js';

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
