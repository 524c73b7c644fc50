import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type StageFixture, stageFixture } from '../../test/helpers/stage-context.js';
import { prepareRun } from './prepare-run.js';
import type { SessionFacts } from './session-facts.js';

let f: StageFixture | undefined;
afterEach(() => {
  f?.dispose();
  f = undefined;
});

async function prepare(fixture: StageFixture) {
  let facts: SessionFacts | undefined;
  const prepared = await prepareRun(fixture.ctx, (read) => {
    facts = read;
  });
  return { prepared, facts };
}

describe('prepareRun', () => {
  it('opens a new session on its first step with the brief queued and the rules in the system prompt', async () => {
    f = await stageFixture();
    const { prepared, facts } = await prepare(f);
    expect(facts?.workflowId).toBe('test.agent-coding');
    if (!('run' in prepared)) throw new Error(`ended: ${prepared.ending.kind}`);
    const { run } = prepared;
    expect(run.driver.state.kind).toBe('step');
    expect(run.rerun).toEqual([]);
    expect(run.conversation.pending.map((b) => (b.type === 'text' ? b.text : ''))).toEqual([
      expect.stringContaining('Fix the failing test'),
      expect.stringContaining('Step id: investigate'),
    ]);
    expect(run.system.map((s) => s.text).join('\n')).toContain('Always run ./test.sh.');
  });

  it('ends as cancelled for an aborted session, with its facts read', async () => {
    f = await stageFixture();
    const summary = (await f.h.store.getSummary(f.sessionId))._unsafeUnwrap();
    (
      await f.h.store.append({
        sessionId: f.sessionId,
        expectedSeq: summary.lastSeq,
        events: [{ kind: 'session_aborted', data: { reason: 'operator', actor: 'cli:alice' } }],
      })
    )._unsafeUnwrap();
    const { prepared, facts } = await prepare(f);
    expect(facts).toBeDefined();
    expect(prepared).toEqual({ ending: { kind: 'cancelled', reason: 'The session was aborted: operator' } });
  });

  it('fails with WORKTREE_MISSING when the worktree is gone', async () => {
    f = await stageFixture();
    rmSync(f.h.worktree, { recursive: true, force: true });
    const { prepared } = await prepare(f);
    expect(prepared).toMatchObject({ ending: { kind: 'failed', error: { code: 'WORKTREE_MISSING' } } });
  });

  it('fails with ENGINE_ERROR when the token cannot be rehydrated', async () => {
    f = await stageFixture({ continueToken: 'ct_forged' });
    const { prepared } = await prepare(f);
    expect(prepared).toMatchObject({ ending: { kind: 'failed', error: { code: 'ENGINE_ERROR' } } });
  });
});
