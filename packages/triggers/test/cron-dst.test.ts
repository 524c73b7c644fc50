import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { nextRuns, TriggerScheduler } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

// Computed with croner 11; how is in fixtures/cron-dst/SOURCE.txt.
const Vectors = z.object({
  croner: z.string(),
  tzdata: z.string(),
  vectors: z.array(
    z.object({
      name: z.string(),
      zone: z.string(),
      direction: z.enum(['spring-forward', 'fall-back']),
      cron: z.string(),
      from: z.iso.datetime(),
      count: z.number().int().positive(),
      runs: z.array(z.object({ utc: z.iso.datetime(), local: z.string() })),
    }),
  ),
});
const fixture = Vectors.parse(
  JSON.parse(readFileSync(new URL('./fixtures/cron-dst/vectors.json', import.meta.url), 'utf8')),
);

/** `2026-10-25T01:00+00:00`: wall time and offset of `ms` in `zone`, as generate.ts writes it. */
function local(ms: number, zone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : String(p.timeZoneName).replace('GMT', '');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}${offset}`;
}

describe('cron DST vectors (croner 11)', () => {
  it('covers both directions in at least five zones, one of them with a 30-minute shift', () => {
    const zones = new Set(fixture.vectors.map((v) => v.zone));
    expect(zones.size).toBeGreaterThanOrEqual(5);
    for (const zone of zones)
      expect(new Set(fixture.vectors.filter((v) => v.zone === zone).map((v) => v.direction)).size).toBe(2);
    expect(zones).toContain('Australia/Lord_Howe');
  });

  it.each(fixture.vectors.map((v) => [`${v.zone} ${v.direction}: ${v.name}`, v] as const))(
    'nextRuns gives the croner 11 instants: %s',
    (_, v) => {
      const runs = nextRuns(v.cron, v.zone, Date.parse(v.from), v.count)._unsafeUnwrap();
      expect(runs.map((r) => new Date(r).toISOString())).toEqual(v.runs.map((r) => r.utc));
    },
  );

  it(`this Node's tz database gives the wall times the vectors were computed with`, () => {
    // If this fails, Node's tzdata moved a 2026 transition: regenerate (SOURCE.txt) and re-check the cases.
    for (const v of fixture.vectors)
      expect(v.runs.map((r) => local(Date.parse(r.utc), v.zone))).toEqual(v.runs.map((r) => r.local));
  });

  it('an hourly job in Europe/London runs at 00:00Z and again at 01:00Z on 2026-10-25 (both 01:00 local)', () => {
    const runs = nextRuns('0 * * * *', 'Europe/London', Date.UTC(2026, 9, 24, 23, 30), 3)._unsafeUnwrap();
    expect(runs.map((r) => new Date(r).toISOString())).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  it('a daily time in a spring-forward gap runs at the end of the gap, the same day', () => {
    // 02:30 does not exist in New York on 2026-03-08 (02:00 EST → 03:00 EDT): the run is at 03:00 EDT.
    const runs = nextRuns('30 2 * * *', 'America/New_York', Date.UTC(2026, 2, 7, 12), 2)._unsafeUnwrap();
    expect(runs.map((r) => new Date(r).toISOString())).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('schedule ticks across a DST end', () => {
  it('the scheduler fires an hourly Europe/London trigger at 00:00Z, 01:00Z and 02:00Z on 2026-10-25', async () => {
    h = await harness(`
triggers:
  - id: hourly
    provider: schedule
    workflowId: wr.report
    workspace: /w
    cron: "0 * * * *"
    timezone: Europe/London
`);
    h.clock.set(Date.UTC(2026, 9, 24, 23, 30));
    const s = new TriggerScheduler({ router: h.router, store: h.store, queue: h.queue, clock: h.clock });
    let next = (await s.runOnce('hourly')).nextRunAt;
    const fired: string[] = [];
    for (let i = 0; i < 3 && next !== null; i++) {
      h.clock.set(next + 5);
      const r = await s.runOnce('hourly');
      fired.push(...r.outcomes.map((o) => o.candidate?.sourceId ?? o.status));
      // Finish the task so the next tick is not skipped as "previous task still unfinished".
      const [leased] = (
        await h.queue.claim({ queue: 'tasks', workerId: 'w', n: 1, leaseMs: 60_000 })
      )._unsafeUnwrap();
      await h.queue.complete({ taskId: leased?.id ?? '', leaseToken: leased?.leaseToken ?? '' });
      next = r.nextRunAt;
    }
    expect(fired).toEqual([
      'schedule:hourly:2026-10-25T00:00:00.000Z',
      'schedule:hourly:2026-10-25T01:00:00.000Z',
      'schedule:hourly:2026-10-25T02:00:00.000Z',
    ]);
  });
});
