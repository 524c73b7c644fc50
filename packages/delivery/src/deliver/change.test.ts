import { silentLogger } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../test/setup.js';
import { createStageRecorder } from '../recorder.js';
import { deliveryChange, handoffStage } from './change.js';
import { createStageRunner } from './run-stage.js';
import { validateStage } from './validate-stage.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

async function change(extra: Parameters<Harness['input']>[0] = {}) {
  const recorder = createStageRecorder(h.store, h.sessionId, '1', 'github');
  const stage = createStageRunner(recorder, silentLogger);
  const parsed = (await handoffStage(stage, recorder))._unsafeUnwrap();
  const base = { input: h.input(extra), deps: h.deps(), wt: h.worktree, branch: `worktrain/${h.sessionId}` };
  return { stage, result: await deliveryChange(base, parsed) };
}

describe('handoff stage and the change', () => {
  it("derives the summary from the session's title and the targets from the handoff", async () => {
    const { result } = await change({ targets: ['docs/**'] });
    const c = result._unsafeUnwrap();
    expect(c.change).toEqual({
      type: 'fix',
      scope: 'page',
      summary: 'Clamp the page index',
      issueNumber: h.issueNumber,
    });
    expect(c.targets).toEqual(['src/page.ts', 'test/page.test.ts', 'docs/**']);
    expect(c.baseRef).toBe('refs/remotes/origin/main');
  });

  it('refuses an empty summary with INVALID_INPUT', async () => {
    const { result } = await change({ change: { summary: '  ' } });
    expect(result._unsafeUnwrapErr().code).toBe('INVALID_INPUT');
  });
});

describe('validate stage', () => {
  it('passes changes inside the targets', async () => {
    await h.write({ 'src/page.ts': 'export const page = 0;\n', 'test/page.test.ts': 'ok\n' });
    const { stage, result } = await change();
    const changes = (await validateStage(stage, result._unsafeUnwrap()))._unsafeUnwrap();
    expect(changes.changes.map((x) => x.path).sort()).toEqual(['src/page.ts', 'test/page.test.ts']);
  });

  it('refuses a change outside the declared targets', async () => {
    await h.write({ 'src/other.ts': 'export const other = 1;\n' });
    const { stage, result } = await change();
    const refused = await validateStage(stage, result._unsafeUnwrap());
    expect(refused.isErr()).toBe(true);
  });
});
