import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContinueResponse } from '../src/api.js';
import { type Harness, makeHarness } from './helpers/engine-harness.js';
import { corpusDir } from './helpers/workrail-corpus.js';

function fixture(): JsonObject {
  return JSON.parse(readFileSync(join(corpusDir, 'workflows', 'test-artifact-loop-control.json'), 'utf8'));
}

let h: Harness | undefined;
afterEach(() => h?.close());

function okResponse(r: ContinueResponse) {
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}

describe('WorkRail fixture test-artifact-loop-control, driven as a WorkRail client', () => {
  it('runs init → loop (2 iterations, stop by artifact) → assessment with follow-up → complete', async () => {
    h = makeHarness([fixture()]);
    const { engine, store } = h;
    const start = (
      await engine.startWorkflow({ workflowId: 'test-artifact-loop-control', goal: 'demo', source: 'test' })
    )._unsafeUnwrap();
    expect(start.pending?.stepId).toBe('init-loop');
    expect(start.metaGuidance?.length).toBe(4);
    expect(start.nextIntent).toBe('perform_pending_then_continue');
    expect(start.continueToken).toMatch(/^ct_/);
    expect(start.checkpointToken).toMatch(/^ck_/);

    let r = okResponse(
      (
        await engine.continueWorkflow({
          continueToken: start.continueToken ?? '',
          output: {
            notesMarkdown: 'Initialised.',
            artifacts: [{ kind: 'wr.loop_control', decision: 'continue', metadata: { reason: 'Starting' } }],
          },
        })
      )._unsafeUnwrap(),
    );
    const seen: string[] = [];
    for (let iteration = 1; iteration <= 2; iteration++) {
      expect(r.pending?.stepId).toBe('do-work');
      seen.push(r.pending?.stepId ?? '');
      r = okResponse(
        (
          await engine.continueWorkflow({
            continueToken: r.continueToken ?? '',
            output: { notesMarkdown: `work ${iteration}` },
          })
        )._unsafeUnwrap(),
      );
      expect(r.pending?.stepId).toBe('decide-continue');
      // requireConfirmation: true → the agent must wait for the user before continuing.
      expect(r.nextIntent).toBe('await_user_confirmation');
      seen.push(r.pending?.stepId ?? '');
      const decision = iteration === 1 ? 'continue' : 'stop';
      r = okResponse(
        (
          await engine.continueWorkflow({
            continueToken: r.continueToken ?? '',
            output: {
              notesMarkdown: `decided ${decision}`,
              artifacts: [
                { kind: 'wr.loop_control', decision, metadata: { reason: 'x', iterationIndex: iteration } },
              ],
            },
          })
        )._unsafeUnwrap(),
      );
    }
    expect(seen).toEqual(['do-work', 'decide-continue', 'do-work', 'decide-continue']);
    expect(r.pending?.stepId).toBe('complete');

    // Missing assessment → blocked.
    const blocked = (
      await engine.continueWorkflow({
        continueToken: r.continueToken ?? '',
        output: { notesMarkdown: 'done' },
      })
    )._unsafeUnwrap();
    expect(blocked.kind).toBe('blocked');
    if (blocked.kind !== 'blocked') return;
    expect(blocked.blockers.map((b) => b.code)).toEqual(['MISSING_REQUIRED_OUTPUT']);
    // A "LOW" rating is normalised and triggers the follow-up consequence.
    const low = (
      await engine.continueWorkflow({
        continueToken: blocked.retryContinueToken ?? '',
        output: {
          notesMarkdown: 'done',
          artifacts: [{ kind: 'wr.assessment', dimensions: { confidence: 'LOW' } }],
        },
      })
    )._unsafeUnwrap();
    expect(low.kind).toBe('blocked');
    if (low.kind !== 'blocked') return;
    expect(low.blockers.map((b) => b.code)).toEqual(['ASSESSMENT_FOLLOWUP_REQUIRED']);
    expect(low.assessmentFollowup?.guidance).toContain('Review the loop result');
    const done = okResponse(
      (
        await engine.continueWorkflow({
          continueToken: low.retryContinueToken ?? '',
          output: {
            notesMarkdown: 'Reviewed again; confident.',
            artifacts: [{ kind: 'wr.assessment', dimensions: { confidence: 'High' } }],
          },
        })
      )._unsafeUnwrap(),
    );
    expect(done.isComplete).toBe(true);
    expect(done.nextIntent).toBe('complete');
    expect(done.pending).toBeNull();

    const events = (await store.readEvents(start.sessionId))._unsafeUnwrap();
    const kinds = events.map((e) => e.kind);
    expect(kinds.filter((k) => k === 'gate_parked')).toHaveLength(2);
    expect(kinds.filter((k) => k === 'gate_resolved')).toHaveLength(2);
    expect(kinds.at(-1)).toBe('session_completed');
    const recorded = events.find((e) => e.kind === 'assessment_recorded');
    expect(recorded?.kind === 'assessment_recorded' && recorded.data.normalizationNotes[0]).toContain(
      '"High" to "high"',
    );
    const loopDecisions = events.flatMap((e) => (e.kind === 'decision_trace' ? [e.data.decision] : []));
    expect(loopDecisions).toEqual(['loop_entered', 'loop_iteration', 'loop_exited', 'workflow_complete']);
    expect((await store.verify(start.sessionId))._unsafeUnwrap().ok).toBe(true);
    const summary = (await store.getSummary(start.sessionId))._unsafeUnwrap();
    expect(summary.status).toBe('completed');
  });
});
