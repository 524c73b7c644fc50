/**
 * `spawn` / `await` for coordinator scripts: idempotent spawning per parent and key (derived from the
 * workflow and goal when not given), typed outcomes in order, and an unknown workflow refused.
 */
import { describe, expect, it } from 'vitest';
import { createCoordinator } from '../src/index.js';
import { scriptedLauncher } from './helpers/scripted-launcher.js';

const verdict = {
  kind: 'wr.review_verdict',
  verdict: 'clean',
  confidence: 'high',
  findings: [],
  summary: 'ok',
};

describe('createCoordinator', () => {
  it('spawns children once per key and awaits their typed outcomes in order', async () => {
    const launcher = scriptedLauncher((key) =>
      key.startsWith('wr.mr-review') ? { artifacts: [verdict] } : { status: 'failed', reason: 'no tests' },
    );
    const c = createCoordinator(launcher);
    const review = (
      await c.spawn('wr.mr-review', { goal: 'Review #1', parent: 'pl_1', workspace: '/r' })
    )._unsafeUnwrap();
    const again = (
      await c.spawn('wr.mr-review', { goal: 'Review #1', parent: 'pl_1', workspace: '/r' })
    )._unsafeUnwrap();
    expect(again).toEqual(review);
    const code = (
      await c.spawn('wr.coding-task', { goal: 'Code', parent: 'pl_1', workspace: '/r', key: 'code' })
    )._unsafeUnwrap();
    expect(launcher.spawned).toHaveLength(2);
    const outcomes = (await c.await([review, code], { timeout: 1000 }))._unsafeUnwrap();
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'failed']);
    expect(outcomes[0]?.status === 'completed' ? outcomes[0].artifacts : []).toEqual([verdict]);
  });

  it('refuses an unknown workflow with SPAWN_FAILED', async () => {
    const c = createCoordinator(scriptedLauncher(() => undefined));
    const r = await c.spawn('wr.unknown', { goal: 'x', parent: 'pl_1', workspace: '/r' });
    expect(r._unsafeUnwrapErr().code).toBe('SPAWN_FAILED');
  });
});
