import { afterEach, describe, expect, it } from 'vitest';
import type { ContinueResponse } from '../src/api.js';
import { createEngine } from '../src/engine/index.js';
import { type Harness, makeHarness, staticRegistry } from './helpers/engine-harness.js';
import { GATE_WORKFLOW, MAIN_WORKFLOW, VALID_VERDICT } from './helpers/test-workflows.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function expectOk(r: ContinueResponse): Extract<ContinueResponse, { kind: 'ok' }> {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}

describe('engine flow over a SQLite file', () => {
  it('runs a forEach loop, skips a runCondition step, blocks a bad contract and accepts the fix', async () => {
    h = makeHarness([MAIN_WORKFLOW]);
    const { engine, store } = h;
    const start = (
      await engine.startWorkflow({
        workflowId: 'test.main',
        context: { topic: 'auth', mode: 'quick', files: ['a.ts', 'b.ts'] },
        source: 'test',
      })
    )._unsafeUnwrap();
    expect(start.pending?.prompt).toContain('Investigate auth.');
    expect(start.metaGuidance).toEqual(['Keep notes short.']);

    let r = expectOk(
      (
        await engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'intro done' },
        })
      )._unsafeUnwrap(),
    );
    const reviewed: string[] = [];
    while (r.pending?.stepId === 'review-file') {
      reviewed.push(r.pending.prompt);
      r = expectOk(
        (
          await engine.continueWorkflow({
            continueToken: r.continueToken ?? '',
            output: { notesMarkdown: 'reviewed' },
          })
        )._unsafeUnwrap(),
      );
    }
    expect(reviewed.map((p) => p.split('\n')[0])).toEqual(['Review a.ts.', 'Review b.ts.']);
    expect(r.pending?.stepId).toBe('verdict');

    const bad = (
      await engine.continueWorkflow({
        continueToken: r.continueToken ?? '',
        output: { artifacts: [{ kind: 'wr.review_verdict', verdict: 'maybe' }] },
      })
    )._unsafeUnwrap();
    expect(bad.kind).toBe('blocked');
    if (bad.kind !== 'blocked') return;
    expect(bad.retryable).toBe(true);
    expect(bad.blockers.length).toBeGreaterThan(0);
    expect(
      bad.blockers.every((b) => b.code === 'INVALID_REQUIRED_OUTPUT' || b.code === 'MISSING_REQUIRED_OUTPUT'),
    ).toBe(true);
    const sorted = [...bad.blockers].sort((a, b) => (a.code + a.pointer < b.code + b.pointer ? -1 : 1));
    expect(bad.blockers).toEqual(sorted);

    r = expectOk(
      (
        await engine.continueWorkflow({
          continueToken: bad.retryContinueToken ?? '',
          output: { artifacts: [VALID_VERDICT] },
        })
      )._unsafeUnwrap(),
    );
    expect(r.pending?.stepId).toBe('report');
    const noSummary = (
      await engine.continueWorkflow({
        continueToken: r.continueToken ?? '',
        output: { notesMarkdown: 'all fine' },
      })
    )._unsafeUnwrap();
    expect(noSummary.kind === 'blocked' && noSummary.blockers.map((b) => [b.code, b.message])).toEqual([
      ['VALIDATION_FAILED', 'The report needs a Summary section'],
    ]);
    if (noSummary.kind !== 'blocked') return;
    const end = expectOk(
      (
        await engine.continueWorkflow({
          continueToken: noSummary.retryContinueToken ?? '',
          output: { notesMarkdown: '## Summary\nall fine' },
        })
      )._unsafeUnwrap(),
    );
    expect(end.isComplete).toBe(true);

    const events = (await store.readEvents(start.sessionId))._unsafeUnwrap();
    const skipped = events.find((e) => e.kind === 'decision_trace' && e.data.decision === 'step_skipped');
    expect(skipped?.kind === 'decision_trace' && skipped.data.data).toMatchObject({ stepId: 'deep' });
    expect(events.some((e) => e.kind === 'node_created' && e.data.stepId === 'deep')).toBe(false);
    expect(
      events
        .filter((e) => e.kind === 'validation_performed')
        .map((e) => e.kind === 'validation_performed' && e.data.passed),
    ).toEqual([false, true, false, true]);
    expect((await store.verify(start.sessionId))._unsafeUnwrap().ok).toBe(true);
  });

  it('interactive confirmation: the step asks to await the user and the next continue resolves the gate', async () => {
    h = makeHarness([GATE_WORKFLOW]);
    const start = (await h.engine.startWorkflow({ workflowId: 'test.gate' }))._unsafeUnwrap();
    expect(start.nextIntent).toBe('await_user_confirmation');
    expect((await h.store.getSummary(start.sessionId))._unsafeUnwrap().status).toBe('awaiting_approval');
    const next = expectOk(
      (
        await h.engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: { notesMarkdown: 'plan ok, user said go' },
        })
      )._unsafeUnwrap(),
    );
    expect(next.pending?.stepId).toBe('ship');
    expect(next.nextIntent).toBe('perform_pending_then_continue');
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    const resolved = events.find((e) => e.kind === 'gate_resolved');
    expect(resolved?.kind === 'gate_resolved' && [resolved.data.verdict, resolved.data.actor]).toEqual([
      'approved',
      'user',
    ]);
  });

  it('autonomous confirmation: gate_checkpoint, rejection blocks with a retry token, approval advances', async () => {
    h = makeHarness([GATE_WORKFLOW]);
    const start = (
      await h.engine.startWorkflow({ workflowId: 'test.gate', mode: 'autonomous' })
    )._unsafeUnwrap();
    expect(start.nextIntent).toBe('perform_pending_then_continue');
    const gate = (
      await h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: 'plan v1' },
      })
    )._unsafeUnwrap();
    expect(gate.kind).toBe('gate_checkpoint');
    if (gate.kind !== 'gate_checkpoint') return;
    expect(gate.gateToken).toMatch(/^gt_/);
    expect(gate.gateKind).toBe('confirmation_required');
    // Continuing again while the gate waits returns the same gate.
    const again = (
      await h.engine.continueWorkflow({
        continueToken: start.continueToken ?? '',
        output: { notesMarkdown: 'plan v1' },
      })
    )._unsafeUnwrap();
    expect(again).toEqual(gate);

    const rejected = (
      await h.engine.resolveGate({
        gateToken: gate.gateToken,
        verdict: 'rejected',
        actor: 'alice',
        reason: 'too risky',
      })
    )._unsafeUnwrap();
    expect(rejected.kind).toBe('blocked');
    if (rejected.kind !== 'blocked') return;
    expect(rejected.blockers[0]?.message).toContain('too risky');
    expect(rejected.pending?.stepId).toBe('plan');
    const stale = await h.engine.resolveGate({
      gateToken: gate.gateToken,
      verdict: 'approved',
      actor: 'alice',
    });
    expect(stale._unsafeUnwrapErr().code).toBe('TOKEN_STALE');

    const gate2 = (
      await h.engine.continueWorkflow({
        continueToken: rejected.retryContinueToken ?? '',
        output: { notesMarkdown: 'plan v2, safer' },
      })
    )._unsafeUnwrap();
    if (gate2.kind !== 'gate_checkpoint') throw new Error('expected a second gate');
    const approved = expectOk(
      (
        await h.engine.resolveGate({ gateToken: gate2.gateToken, verdict: 'approved', actor: 'alice' })
      )._unsafeUnwrap(),
    );
    expect(approved.pending?.stepId).toBe('ship');
    // Resolving again with the same call is a replay, not a second advance.
    const replay = expectOk(
      (
        await h.engine.resolveGate({ gateToken: gate2.gateToken, verdict: 'approved', actor: 'alice' })
      )._unsafeUnwrap(),
    );
    expect(replay.replayed).toBe(true);
    expect(replay.continueToken).toBe(approved.continueToken);
  });

  it('checkpoint then rehydrate from a new engine instance ("new chat") and keep going', async () => {
    h = makeHarness([MAIN_WORKFLOW]);
    const start = (
      await h.engine.startWorkflow({ workflowId: 'test.main', context: { topic: 'x', files: [] } })
    )._unsafeUnwrap();
    const ck1 = (
      await h.engine.checkpointWorkflow({ checkpointToken: start.checkpointToken ?? '' })
    )._unsafeUnwrap();
    const ck2 = (
      await h.engine.checkpointWorkflow({ checkpointToken: start.checkpointToken ?? '' })
    )._unsafeUnwrap();
    expect(ck1.resumeToken).toMatch(/^st_/);
    expect(ck2.checkpointNodeId).toBe(ck1.checkpointNodeId);
    const events = (await h.store.readEvents(start.sessionId))._unsafeUnwrap();
    expect(events.filter((e) => e.kind === 'checkpoint_created')).toHaveLength(1);

    const fresh = createEngine({
      store: h.store,
      keyring: h.keyring,
      workflows: staticRegistry([MAIN_WORKFLOW]),
    });
    const re = expectOk((await fresh.continueWorkflow({ continueToken: ck1.resumeToken }))._unsafeUnwrap());
    expect(re.nextIntent).toBe('rehydrate_only');
    expect(re.pending?.stepId).toBe('intro');
    expect(re.metaGuidance).toEqual(['Keep notes short.']);
    const wrong = await fresh.continueWorkflow({
      continueToken: ck1.resumeToken,
      intent: 'advance',
      output: { notesMarkdown: 'x' },
    });
    expect(wrong._unsafeUnwrapErr().code).toBe('TOKEN_WRONG_KIND');
    const moved = expectOk(
      (
        await fresh.continueWorkflow({
          continueToken: re.continueToken ?? '',
          output: { notesMarkdown: 'intro after resume' },
        })
      )._unsafeUnwrap(),
    );
    expect(moved.pending?.stepId).toBe('verdict');
  });
});
