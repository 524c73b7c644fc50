import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, connectStdio, makeSandbox, type Sandbox, workrailFixturesDir } from './helpers.js';

/**
 * Drives WorkRail's own `test-artifact-loop-control` workflow (copied unchanged, see SOURCE.txt) with the
 * calls a WorkRail client makes: start_workflow {workflowId, workspacePath}, then continue_workflow with
 * {continueToken, output: {notesMarkdown, artifacts}} copying each response's continueToken.
 */
describe('WorkRail fixture test-artifact-loop-control through worktrain-mcp', () => {
  let sandbox: Sandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = makeSandbox([workrailFixturesDir]);
    ({ client } = await connectStdio(sandbox));
  });

  afterAll(async () => {
    await client?.close();
    sandbox?.cleanup();
  });

  it('runs the loop twice via wr.loop_control artifacts, honours the assessment follow-up, and completes', async () => {
    const start = await callOk(client, 'start_workflow', {
      workflowId: 'test-artifact-loop-control',
      workspacePath: sandbox.workspace,
    });
    // metaGuidance is surfaced on start.
    expect(start.body.metaGuidance).toEqual(
      expect.arrayContaining([expect.stringContaining('artifact-based loop control')]),
    );
    let response = start.body;
    const visited: string[] = [];
    let decisions = 0;
    let followupSeen = false;
    for (let guard = 0; guard < 20 && !response.isComplete; guard++) {
      const stepId: string = response.pending.stepId;
      visited.push(stepId);
      let output: Record<string, unknown>;
      if (stepId === 'init-loop') {
        output = {
          notesMarkdown: 'Initialised the loop.',
          artifacts: [
            {
              kind: 'wr.loop_control',
              decision: 'continue',
              metadata: { reason: 'Starting iteration loop' },
            },
          ],
        };
      } else if (stepId === 'decide-continue') {
        decisions++;
        expect(response.nextIntent).toBe('await_user_confirmation');
        output = {
          notesMarkdown: `Decision ${decisions}.`,
          artifacts: [
            {
              kind: 'wr.loop_control',
              decision: decisions >= 2 ? 'stop' : 'continue',
              metadata: { iterationIndex: decisions },
            },
          ],
        };
      } else if (stepId === 'complete') {
        output = {
          notesMarkdown: 'Assessed readiness.',
          artifacts: [
            {
              kind: 'wr.assessment',
              assessmentId: 'readiness_gate',
              dimensions: { confidence: followupSeen ? 'high' : 'low' },
            },
          ],
        };
      } else {
        output = { notesMarkdown: `Did the work of ${stepId}.` };
      }
      const next = await callOk(client, 'continue_workflow', {
        continueToken: response.continueToken,
        output,
      });
      if (next.body.kind === 'blocked') {
        // A "low" confidence requires a follow-up before the step can complete (assessmentConsequences).
        expect(stepId).toBe('complete');
        expect(next.body.assessmentFollowup?.guidance).toContain('Review the loop result');
        followupSeen = true;
        response = { ...next.body, continueToken: next.body.retryContinueToken ?? next.body.continueToken };
        continue;
      }
      response = next.body;
    }
    expect(response.isComplete).toBe(true);
    expect(followupSeen).toBe(true);
    expect(visited).toEqual([
      'init-loop',
      'do-work',
      'decide-continue',
      'do-work',
      'decide-continue',
      'complete',
      'complete',
    ]);
  });
});
