import { rmSync } from 'node:fs';
import { isEventKind } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type StageFixture, stageFixture } from '../../test/helpers/stage-context.js';
import type { ActionGate, ActionGateRequest } from './action-gate.js';
import { emptyTotals } from './budget.js';
import { createSteerQueue } from './steer.js';
import { beforeTurn, SpendTiers } from './turn-guards.js';

let f: StageFixture | undefined;
afterEach(() => {
  f?.dispose();
  f = undefined;
});

describe('SpendTiers', () => {
  it('keeps finite non-negative thresholds once, ascending', () => {
    expect(new SpendTiers([5, 1, Number.NaN, -1, 1, Number.POSITIVE_INFINITY]).thresholds).toEqual([1, 5]);
  });

  it('is due once the cost exceeds a threshold, until cleared', () => {
    const tiers = new SpendTiers([1]);
    expect(tiers.isDue(1, 1)).toBe(false);
    expect(tiers.isDue(1, 1.01)).toBe(true);
    tiers.clear(1);
    expect(tiers.isDue(1, 2)).toBe(false);
  });
});

describe('beforeTurn', () => {
  it('records and queues steer messages, then stores the pending content as one message', async () => {
    const steer = createSteerQueue();
    steer.push({ message: 'use pnpm', actor: 'cli:bob' });
    f = await stageFixture({ steer });
    const conversation = f.conversation();
    conversation.push({ type: 'text', text: 'Step id: investigate' });
    const ending = await beforeTurn({
      ctx: f.ctx,
      totals: emptyTotals(),
      conversation,
      spend: new SpendTiers([]),
    });
    expect(ending).toBeUndefined();
    expect(conversation.pending).toEqual([]);
    const [message] = conversation.messages;
    expect(message?.content.map((b) => (b.type === 'text' ? b.text : ''))).toEqual([
      'Step id: investigate',
      expect.stringContaining('use pnpm'),
    ]);
    expect((await f.events()).filter((e) => isEventKind(e, 'steer_injected'))).toHaveLength(1);
  });

  it('stops at a hard budget before anything else', async () => {
    f = await stageFixture({ budget: { maxTurns: 3 } });
    const totals = { ...emptyTotals(), turns: 3 };
    const ending = await beforeTurn({
      ctx: f.ctx,
      totals,
      conversation: f.conversation(),
      spend: new SpendTiers([]),
    });
    expect(ending).toMatchObject({ kind: 'budget_exceeded', budget: 'turns', limit: 3 });
  });

  it('fails with WORKTREE_MISSING when the worktree was deleted', async () => {
    f = await stageFixture();
    rmSync(f.h.worktree, { recursive: true, force: true });
    const ending = await beforeTurn({
      ctx: f.ctx,
      totals: emptyTotals(),
      conversation: f.conversation(),
      spend: new SpendTiers([]),
    });
    expect(ending).toMatchObject({ kind: 'failed', error: { code: 'WORKTREE_MISSING' } });
  });

  it('asks the gate for each crossed spend tier once and ends at a refused one', async () => {
    const asked: ActionGateRequest[] = [];
    const gate: ActionGate = {
      spendThresholdsUsd: [2, 1],
      decide: async (request) => {
        asked.push(request);
        return request.kind === 'spend' && request.thresholdUsd === 2
          ? { allowed: false, actor: 'cli:alice', reason: 'too expensive' }
          : { allowed: true, actor: 'cli:alice' };
      },
    };
    f = await stageFixture({ actionGate: gate });
    const spend = new SpendTiers(gate.spendThresholdsUsd);
    const conversation = f.conversation();
    const cheap = await beforeTurn({
      ctx: f.ctx,
      totals: { ...emptyTotals(), costUsd: 1.5 },
      conversation,
      spend,
    });
    expect(cheap).toBeUndefined();
    const dear = await beforeTurn({
      ctx: f.ctx,
      totals: { ...emptyTotals(), costUsd: 2.5 },
      conversation,
      spend,
    });
    expect(dear).toEqual({ kind: 'budget_exceeded', budget: 'money', limit: 2, observed: 2.5 });
    expect(asked).toEqual([
      { kind: 'spend', usd: 1.5, thresholdUsd: 1 },
      { kind: 'spend', usd: 2.5, thresholdUsd: 2 },
    ]);
  });
});
