import { manualClock } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type StageFixture, stageFixture } from '../../test/helpers/stage-context.js';
import { DEFAULT_BUDGET } from './budget.js';
import { eventRecorder, RunControl, Stop } from './run-control.js';

describe('RunControl', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires its signal with a wall_clock ending when the active time reaches the budget', () => {
    const clock = manualClock();
    const control = new RunControl(clock, { ...DEFAULT_BUDGET, maxWallClockMs: 1000 });
    clock.advance(1000);
    vi.advanceTimersByTime(1000);
    expect(control.aborted).toBe(true);
    expect(control.abortEnding()).toEqual({
      kind: 'budget_exceeded',
      budget: 'wall_clock',
      limit: 1000,
      observed: 1000,
    });
    control.dispose();
  });

  it('does not count a paused wait against the wall clock', () => {
    const clock = manualClock();
    const control = new RunControl(clock, { ...DEFAULT_BUDGET, maxWallClockMs: 1000 });
    clock.advance(400);
    control.pauseWall();
    clock.advance(5000);
    vi.advanceTimersByTime(5000);
    expect(control.aborted).toBe(false);
    control.resumeWall(5000);
    expect(control.activeMs()).toBe(400);
    clock.advance(599);
    vi.advanceTimersByTime(599);
    expect(control.aborted).toBe(false);
    clock.advance(1);
    vi.advanceTimersByTime(1);
    expect(control.abortReason).toBe('wall_clock');
    control.dispose();
  });

  it('ends as cancelled when the external signal fires, even if the wall clock fires later', () => {
    const clock = manualClock();
    const external = new AbortController();
    const control = new RunControl(clock, { ...DEFAULT_BUDGET, maxWallClockMs: 10 }, external.signal);
    external.abort();
    clock.advance(10);
    vi.advanceTimersByTime(10);
    expect(control.abortEnding()).toEqual({
      kind: 'cancelled',
      reason: 'The session was cancelled (kill switch).',
    });
    control.dispose();
  });

  it('starts cancelled when the external signal had already fired', () => {
    const external = new AbortController();
    external.abort();
    const control = new RunControl(manualClock(), DEFAULT_BUDGET, external.signal);
    expect(control.abortReason).toBe('cancelled');
    control.dispose();
  });
});

describe('eventRecorder', () => {
  let f: StageFixture | undefined;
  afterEach(() => {
    f?.dispose();
    f = undefined;
  });

  it('appends to the session log', async () => {
    f = await stageFixture();
    await eventRecorder(
      f.h.store,
      f.sessionId,
    )([{ kind: 'issue_reported', data: { severity: 'info', summary: 'noted' } }]);
    expect((await f.events()).some((e) => e.kind === 'issue_reported')).toBe(true);
  });

  it('throws Stop with a STORE_ERROR failure when the store refuses the append', async () => {
    f = await stageFixture();
    const thrown = await eventRecorder(
      f.h.store,
      'no-such-session',
    )([{ kind: 'issue_reported', data: { severity: 'info', summary: 'lost' } }]).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(Stop);
    expect((thrown as Stop).ending).toMatchObject({ kind: 'failed', error: { code: 'STORE_ERROR' } });
  });
});
