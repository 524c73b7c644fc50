import { errAsync, isEventKind, makeError, okAsync, ResultAsync } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { scripted } from '../../test/helpers/harness.js';
import { type StageFixture, stageFixture } from '../../test/helpers/stage-context.js';
import type { ModelProvider, TurnResponse } from '../model/provider.js';
import { emptyTotals } from './budget.js';
import { runModelTurn } from './model-turn.js';

let f: StageFixture | undefined;
afterEach(() => {
  f?.dispose();
  f = undefined;
});

function provider(turn: ModelProvider['turn']): ModelProvider {
  return { name: 'test', model: 'test-model', scripted: false, turn, cost: () => 0.5 };
}

async function oneTurn(p: ModelProvider, budget = {}) {
  f = await stageFixture({ budget });
  const conversation = f.conversation();
  conversation.push({ type: 'text', text: 'Step id: investigate' });
  conversation.flush();
  const totals = emptyTotals();
  const result = await runModelTurn({ ctx: f.ctx, provider: p, system: [], tools: [], conversation, totals });
  return { result, totals, conversation };
}

describe('runModelTurn', () => {
  it('records the turn, adds its usage and cost, and stores the message', async () => {
    const { result, totals, conversation } = await oneTurn(
      scripted([
        {
          text: 'Looking.',
          toolCalls: [{ name: 'read_file', input: { path: 'a' } }],
          usage: { inputTokens: 10, outputTokens: 5 },
        },
      ]),
    );
    expect('turn' in result && result.turnIndex).toBe(0);
    expect(totals).toMatchObject({ turns: 1, inputTokens: 10, outputTokens: 5 });
    expect(conversation.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const kinds = (await f?.events())?.map((e) => e.kind).filter((k) => k.startsWith('llm_turn'));
    expect(kinds).toEqual(['llm_turn_started', 'llm_turn_completed']);
  });

  it('ends with the stall budget when no chunk arrives within stallTimeoutMs', async () => {
    const silent = provider((request) =>
      ResultAsync.fromSafePromise(
        new Promise<void>((aborted) => request.signal?.addEventListener('abort', () => aborted())),
      ).andThen(() => errAsync(makeError('ABORTED', 'aborted'))),
    );
    const { result } = await oneTurn(silent, { stallTimeoutMs: 30 });
    expect(result).toMatchObject({ ending: { kind: 'budget_exceeded', budget: 'stall', limit: 30 } });
  });

  it('fails with MODEL_ERROR carrying the provider code', async () => {
    const failing = provider(() => errAsync(makeError('AUTHENTICATION', 'bad key')));
    const { result } = await oneTurn(failing);
    expect(result).toMatchObject({
      ending: { kind: 'failed', error: { code: 'MODEL_ERROR', details: { modelCode: 'AUTHENTICATION' } } },
    });
  });

  it('fails with REFUSAL after storing a refused turn', async () => {
    const refusal: TurnResponse = {
      message: { role: 'assistant', content: [{ type: 'text', text: 'No.' }] },
      stopReason: 'refusal',
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      model: 'test-model',
      attempts: 1,
    };
    const { result, conversation } = await oneTurn(provider(() => okAsync(refusal)));
    expect(result).toMatchObject({
      ending: { kind: 'failed', error: { details: { modelCode: 'REFUSAL' } } },
    });
    expect(conversation.messages.at(-1)).toEqual(refusal.message);
    expect(
      (await f?.events())?.some((e) => isEventKind(e, 'llm_turn_completed') && e.data.costUsd === 0.5),
    ).toBe(true);
  });
});
