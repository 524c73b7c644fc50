import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { Cron } from 'croner';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { nextRuns, openTriggerStore, TriggerRouter, TriggerScheduler } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const wall = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    ms,
  );

describe('nextRuns across DST transitions', () => {
  it('keeps 09:00 local in New York across the March 2026 spring-forward (14:00Z → 13:00Z)', () => {
    const runs = nextRuns('0 9 * * *', 'America/New_York', Date.UTC(2026, 2, 6, 15), 3)._unsafeUnwrap();
    expect(runs.map((r) => new Date(r).toISOString())).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
  });

  it('keeps 09:00 local in Berlin across the October 2026 fall-back (07:00Z → 08:00Z)', () => {
    const runs = nextRuns('0 9 * * *', 'Europe/Berlin', Date.UTC(2026, 9, 24, 12), 2)._unsafeUnwrap();
    expect(runs.map((r) => new Date(r).toISOString())).toEqual([
      '2026-10-25T08:00:00.000Z',
      '2026-10-26T08:00:00.000Z',
    ]);
  });

  it('fires at the wall time in every zone over a year of weekly runs', () => {
    for (const zone of [
      'Australia/Sydney',
      'America/Sao_Paulo',
      'Asia/Kolkata',
      'Europe/London',
      'America/Los_Angeles',
    ]) {
      const runs = nextRuns('30 7 * * 1', zone, Date.UTC(2026, 0, 1), 53)._unsafeUnwrap();
      expect(runs).toHaveLength(53);
      for (const r of runs) expect(wall(r, zone)).toBe('07:30');
      for (let i = 1; i < runs.length; i++)
        expect((runs[i] ?? 0) - (runs[i - 1] ?? 0)).toBeGreaterThanOrEqual(6.9 * 86_400_000);
    }
  });

  it('matches croner itself across DST transitions in several zones (property)', () => {
    const zones = [
      'America/New_York',
      'Europe/Berlin',
      'Europe/London',
      'Australia/Sydney',
      'America/Sao_Paulo',
      'Asia/Kolkata',
      'Pacific/Auckland',
    ];
    // Expressions that land in DST gaps and repeated hours (02:30, 01:30) as well as plain ones.
    const expr = fc.constantFrom(
      '30 2 * * *',
      '30 1 * * *',
      '0 */3 * * *',
      '15 0-4 * * 0',
      '0 9 * * 1-5',
      '*/20 2 * * *',
    );
    fc.assert(
      fc.property(
        expr,
        fc.constantFrom(...zones),
        // Starts spread over 2026, a few days before and after each zone's transitions.
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
        (cron, zone, from) => {
          const ours = nextRuns(cron, zone, from, 12)._unsafeUnwrap();
          const theirs = new Cron(cron, { timezone: zone, paused: true, mode: '5-part', domAndDow: false })
            .nextRuns(12, new Date(from))
            .map((d) => d.getTime());
          expect(ours).toEqual(theirs);
        },
      ),
      { numRuns: 150 },
    );
    // And explicitly at the 2026 transitions of New York (8 Mar, 1 Nov) and Berlin (29 Mar, 25 Oct).
    for (const [zone, day] of [
      ['America/New_York', Date.UTC(2026, 2, 7)],
      ['America/New_York', Date.UTC(2026, 9, 31)],
      ['Europe/Berlin', Date.UTC(2026, 2, 28)],
      ['Europe/Berlin', Date.UTC(2026, 9, 24)],
    ] as const) {
      const ours = nextRuns('30 2 * * *', zone, day, 4)._unsafeUnwrap();
      const theirs = new Cron('30 2 * * *', {
        timezone: zone,
        paused: true,
        mode: '5-part',
        domAndDow: false,
      })
        .nextRuns(4, new Date(day))
        .map((d) => d.getTime());
      expect(ours).toEqual(theirs);
    }
  });

  it('rejects an expression with no next run and a malformed one', () => {
    expect(nextRuns('0 0 30 2 *', 'UTC', 0, 1)._unsafeUnwrapErr().code).toBe('CRON_INVALID');
    expect(nextRuns('61 * * * *', 'UTC', 0, 1)._unsafeUnwrapErr().code).toBe('CRON_INVALID');
  });
});

const HOURLY = (extra = '') => `
triggers:
  - id: hourly
    provider: schedule
    workflowId: wr.report
    workspace: /w
    cron: "0 * * * *"
    timezone: Europe/Paris${extra}
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const T0 = Date.UTC(2026, 10, 25, 10, 0, 30);

async function tasks(x: Harness) {
  return (await x.queue.list())
    ._unsafeUnwrap()
    .map((t) => (t.payload as { sourceId: string }).sourceId)
    .sort();
}

describe('schedule runs', () => {
  it('fires each tick once and never twice for the same instant', async () => {
    h = await harness(HOURLY());
    h.clock.set(T0);
    const s = new TriggerScheduler({ router: h.router, store: h.store, queue: h.queue, clock: h.clock });
    const first = await s.runOnce('hourly');
    expect(first.outcomes).toHaveLength(0);
    expect(first.nextRunAt).toBe(Date.UTC(2026, 10, 25, 11));
    h.clock.set(Date.UTC(2026, 10, 25, 11, 0, 0, 5));
    expect((await s.runOnce('hourly')).outcomes.map((o) => o.status)).toEqual(['enqueued']);
    expect((await s.runOnce('hourly')).outcomes).toHaveLength(0);
    expect(await tasks(h)).toEqual(['schedule:hourly:2026-11-25T11:00:00.000Z']);
  });

  it('a restart across a tick fires it exactly once', async () => {
    h = await harness(HOURLY());
    h.clock.set(T0);
    await new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock }).runOnce('hourly');
    // "Restart": new store handle, router and scheduler on the same database file, 20 s after the tick.
    h.clock.set(Date.UTC(2026, 10, 25, 11, 0, 20));
    for (let i = 0; i < 2; i++) {
      const store = openTriggerStore({ path: h.dbPath }, { clock: h.clock })._unsafeUnwrap();
      const router = new TriggerRouter({ config: h.config, store, clock: h.clock });
      await new TriggerScheduler({ router, store, clock: h.clock }).runOnce('hourly');
      store.close();
    }
    expect(await tasks(h)).toEqual(['schedule:hourly:2026-11-25T11:00:00.000Z']);
  });

  it('without catchUp skips ticks missed while down and records why', async () => {
    h = await harness(HOURLY());
    h.clock.set(T0);
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    await s.runOnce('hourly');
    h.clock.set(Date.UTC(2026, 10, 25, 13, 30));
    const r = await s.runOnce('hourly');
    expect(r.outcomes).toHaveLength(0);
    expect(r.skipped).toHaveLength(3);
    expect(
      h.store
        .listEvents({ triggerId: 'hourly' })
        ._unsafeUnwrap()
        .filter((e) => e.kind === 'skipped'),
    ).toHaveLength(3);
    expect(r.nextRunAt).toBe(Date.UTC(2026, 10, 25, 14));
  });

  it('with catchUp fires every missed tick', async () => {
    h = await harness(HOURLY('\n    catchUp: true'));
    h.clock.set(T0);
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    await s.runOnce('hourly');
    h.clock.set(Date.UTC(2026, 10, 25, 13, 30));
    expect((await s.runOnce('hourly')).outcomes).toHaveLength(3);
    expect(await tasks(h)).toHaveLength(3);
  });

  it('skips a tick while the previous task is unfinished and records a skipped event', async () => {
    h = await harness(HOURLY());
    h.clock.set(T0);
    const s = new TriggerScheduler({ router: h.router, store: h.store, queue: h.queue, clock: h.clock });
    await s.runOnce('hourly');
    h.clock.set(Date.UTC(2026, 10, 25, 11, 0, 1));
    await s.runOnce('hourly');
    h.clock.set(Date.UTC(2026, 10, 25, 12, 0, 1));
    const r = await s.runOnce('hourly');
    expect(r.outcomes).toHaveLength(0);
    expect(r.skipped[0]).toContain('still unfinished');
    expect(
      h.store
        .listEvents({ triggerId: 'hourly' })
        ._unsafeUnwrap()
        .map((e) => e.kind),
    ).toContain('skipped');
    // Once the previous task is done, the next tick fires.
    const [leased] = (
      await h.queue.claim({ queue: 'tasks', workerId: 'w', n: 1, leaseMs: 60_000 })
    )._unsafeUnwrap();
    await h.queue.complete({ taskId: leased?.id ?? '', leaseToken: leased?.leaseToken ?? '' });
    h.clock.set(Date.UTC(2026, 10, 25, 13, 0, 1));
    expect((await s.runOnce('hourly')).outcomes.map((o) => o.status)).toEqual(['enqueued']);
  });

  it('records a tick its dispatchCondition ignores, so a restart does not evaluate it again', async () => {
    h = await harness(HOURLY('\n    dispatchCondition: { path: "$.nope", exists: true }'));
    h.clock.set(T0);
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    await s.runOnce('hourly');
    h.clock.set(Date.UTC(2026, 10, 25, 11, 0, 1));
    expect((await s.runOnce('hourly')).outcomes.map((o) => o.status)).toEqual(['ignored']);
    expect(h.store.getPollState('hourly')._unsafeUnwrap().cursor).toEqual({
      lastTick: Date.UTC(2026, 10, 25, 11),
    });
    const again = await new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock }).runOnce(
      'hourly',
    );
    expect(again.outcomes).toEqual([]);
    expect(again.nextRunAt).toBe(Date.UTC(2026, 10, 25, 12));
  });

  it('manual fire enqueues at once with a manual source id', async () => {
    h = await harness(HOURLY());
    h.clock.set(T0);
    const r = await new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock }).fire('hourly');
    expect(r.outcomes[0]?.candidate?.sourceId).toBe('schedule:hourly:manual:2026-11-25T10:00:30.000Z');
    expect(r.outcomes[0]?.candidate?.metadata).toMatchObject({ manual: true });
  });
});
