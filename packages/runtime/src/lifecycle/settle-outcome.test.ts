import type { SessionEnding, SessionOutcome } from '@worktrain/agent';
import { TaskFailure } from '@worktrain/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import { settleOutcome } from './settle-outcome.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

const STATS = {
  turns: 1,
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd: 0,
  wallClockMs: 0,
};
const outcome = (sessionId: string, ending: SessionEnding): SessionOutcome => ({
  ...ending,
  sessionId,
  stats: STATS,
});

const deps = () => ({ store: rig.store, gates: rig.gates, events: rig.events, clock: rig.clock });

describe('settle outcome stage', () => {
  it('lets a completed run go on to delivery', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    await expect(
      settleOutcome(deps(), sessionId, outcome(sessionId, { kind: 'completed' })),
    ).resolves.toBeUndefined();
    expect(rig.emitted).toEqual([expect.objectContaining({ type: 'session_finished', sessionId })]);
  });

  it('parks a gate with its token so an approval can resume it', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    await settleOutcome(
      deps(),
      sessionId,
      outcome(sessionId, {
        kind: 'gate',
        gateToken: 'gate-token',
        stepId: 'fix',
        gateKind: 'human_approval',
      }),
    );
    expect(rig.gates.get(sessionId)).toMatchObject({ gateToken: 'gate-token', stepId: 'fix' });
  });

  it('ends the session failed and dead-letters the task when a budget is exceeded', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const failure = await settleOutcome(
      deps(),
      sessionId,
      outcome(sessionId, { kind: 'budget_exceeded', budget: 'turns', limit: 1, observed: 1 }),
    ).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ failureClass: 'execution', retryable: false });
    expect((await rig.store.getSummary(sessionId))._unsafeUnwrap().status).toBe('failed');
  });

  it('retries the task of a run interrupted by a stopping daemon', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const failure = await settleOutcome(
      deps(),
      sessionId,
      outcome(sessionId, { kind: 'cancelled', reason: 'stopping' }),
    ).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failureClass: 'execution', retryable: true });
  });
});
