import { afterEach, describe, expect, it } from 'vitest';
import { type StageFixture, stageFixture } from '../../test/helpers/stage-context.js';
import { ACTION_GATE_TRACES, type ActionGate } from './action-gate.js';
import { summarizeCommand } from './ask-gate.js';

let f: StageFixture | undefined;
afterEach(() => {
  f?.dispose();
  f = undefined;
});

const command = { kind: 'run_command', command: 'make deploy', toolUseId: 'tu_1' } as const;

describe('askActionGate', () => {
  it('allows everything without recording when the run has no gate', async () => {
    f = await stageFixture();
    expect(await f.ctx.askGate(command)).toEqual({ allowed: true, actor: 'none' });
    expect(await f.decisions()).toEqual([]);
  });

  it('records nothing for an immediate allow', async () => {
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: async () => ({ allowed: true, actor: 'policy:low' }),
    };
    f = await stageFixture({ actionGate: gate });
    expect(await f.ctx.askGate(command)).toEqual({ allowed: true, actor: 'policy:low' });
    expect(await f.decisions()).toEqual([]);
  });

  it('records a wait and its decision, and does not count the wait against the wall clock', async () => {
    let activeDuringWait = -1;
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: async (_request, context) => {
        await context.onWaiting({ requestId: 'appr_1', tier: 'high', summary: 'make deploy' });
        activeDuringWait = f?.ctx.control.activeMs() ?? -1;
        return { allowed: true, actor: 'cli:alice' };
      },
    };
    let now = 0;
    f = await stageFixture({ actionGate: gate, clock: { now: () => now } });
    now = 10;
    const decision = f.ctx.askGate(command);
    now = 5000; // the person takes a while
    expect(await decision).toEqual({ allowed: true, actor: 'cli:alice' });
    expect(activeDuringWait).toBeGreaterThanOrEqual(0);
    expect(f.ctx.control.activeMs()).toBeLessThan(5000);
    expect(await f.decisions()).toEqual([ACTION_GATE_TRACES.waiting, ACTION_GATE_TRACES.decided]);
  });

  it('treats a gate that throws as a refusal by worktrain and records it', async () => {
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: async () => {
        throw new Error('approval store offline');
      },
    };
    f = await stageFixture({ actionGate: gate });
    const decision = await f.ctx.askGate(command);
    expect(decision).toMatchObject({ allowed: false, actor: 'worktrain' });
    expect(decision.reason).toContain('approval store offline');
    expect(await f.decisions()).toEqual([ACTION_GATE_TRACES.decided]);
  });

  it('refuses a command whose wait a stop cut short, marks it abandoned and records no decision', async () => {
    const gate: ActionGate = {
      spendThresholdsUsd: [],
      decide: (_request, context) =>
        new Promise((resolve) => {
          void context.onWaiting({ requestId: 'appr_2', tier: 'high', summary: 'make deploy' }).then(() => {
            f?.ctx.control.cancel();
          });
          context.signal.addEventListener('abort', () => resolve({ allowed: true, actor: 'late' }));
        }),
    };
    f = await stageFixture({ actionGate: gate });
    expect(await f.ctx.askGate(command)).toMatchObject({ allowed: false, actor: 'worktrain' });
    expect(f.ctx.abandoned.has('tu_1')).toBe(true);
    expect(await f.decisions()).toEqual([ACTION_GATE_TRACES.waiting]);
  });
});

describe('summarizeCommand', () => {
  it('keeps a short command and cuts a long one at 1 000 characters', () => {
    expect(summarizeCommand('ls')).toBe('ls');
    expect(summarizeCommand('x'.repeat(1005))).toBe(`${'x'.repeat(1000)}…[5 more characters]`);
  });
});
