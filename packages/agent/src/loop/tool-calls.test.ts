import { isEventKind } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { type StageFixture, stageFixture } from '../../test/helpers/stage-context.js';
import type { ToolUseBlock } from '../model/provider.js';
import { createDefaultTools } from '../tools/index.js';
import { RepeatedCallDetector } from './budget.js';
import { createSessionHooks } from './session-hooks.js';
import { StepDriver } from './step-driver.js';
import { createToolRunner, executeToolCalls } from './tool-calls.js';

let f: StageFixture | undefined;
afterEach(() => {
  f?.dispose();
  f = undefined;
});

const use = (id: string, name: string, input: ToolUseBlock['input']): ToolUseBlock => ({
  type: 'tool_use',
  id,
  name,
  input,
});

async function setup(maxRepeatedCalls = 5) {
  f = await stageFixture();
  const opened = await StepDriver.open(f.h.engine, f.continueToken);
  if ('error' in opened) throw new Error(opened.error.message);
  const driver = opened.ok;
  const runTool = createToolRunner(
    f.ctx,
    createDefaultTools(),
    createSessionHooks(driver, f.ctx.record, undefined),
  );
  const conversation = f.conversation();
  const repeated = new RepeatedCallDetector(maxRepeatedCalls);
  const run = (calls: ToolUseBlock[]) =>
    executeToolCalls({ ctx: f!.ctx, runTool, driver, conversation, repeated, turnIndex: 0, calls });
  return { driver, conversation, run };
}

describe('createToolRunner', () => {
  it('answers an unknown tool with an error listing the tools, and records the call', async () => {
    const { conversation, run } = await setup();
    expect(await run([use('t1', 'teleport', {})])).toBeUndefined();
    const [result] = conversation.pending;
    expect(result).toMatchObject({ type: 'tool_result', toolUseId: 't1', isError: true });
    expect(result?.type === 'tool_result' && result.content).toContain('read_file');
    const log = (await f?.events()) ?? [];
    expect(log.filter((e) => isEventKind(e, 'tool_call_completed')).map((e) => e.data)).toEqual([
      expect.objectContaining({ toolCallId: 't1', name: 'teleport', isError: true }),
    ]);
  });
});

describe('executeToolCalls', () => {
  it("runs the calls after an advance to another step and queues that step's text", async () => {
    const { driver, conversation, run } = await setup();
    const ending = await run([
      use('t1', 'complete_step', { notesMarkdown: 'add() subtracts.' }),
      use('t2', 'read_file', { path: 'src/add.js' }),
    ]);
    expect(ending).toBeUndefined();
    expect(driver.advances).toBe(1);
    const ids = conversation.pending.flatMap((b) => (b.type === 'tool_result' ? [b.toolUseId] : []));
    expect(ids).toEqual(['t1', 't2']); // still on a step: the second call runs
    const text = conversation.pending.find((b) => b.type === 'text');
    expect(text?.type === 'text' && text.text).toContain('Step id: fix');
  });

  it('ends with the repeated-calls budget at the same call made too often', async () => {
    const { run } = await setup(3);
    const read = (id: string) => use(id, 'read_file', { path: 'src/add.js' });
    expect(await run([read('t1'), read('t2')])).toBeUndefined();
    expect(await run([read('t3')])).toEqual({
      kind: 'budget_exceeded',
      budget: 'repeated_calls',
      limit: 3,
      observed: 3,
    });
  });

  it('ends with the abort ending when the run was cancelled', async () => {
    const { run } = await setup();
    f?.ctx.control.cancel();
    expect(await run([use('t1', 'read_file', { path: 'x' })])).toMatchObject({ kind: 'cancelled' });
  });
});
