import type { ContinueResponse } from '@worktrain/engine';
import { describe, expect, it } from 'vitest';
import { renderStepResponse } from './render.js';

const base = {
  sessionId: 'sess_1',
  continueToken: 'ct_next',
  checkpointToken: 'ck_1',
  isComplete: false,
  pending: { stepId: 'plan', title: 'Plan the change', prompt: 'List the files you will touch.' },
  preferences: { autonomy: 'guided', riskPolicy: 'conservative' },
  nextIntent: 'perform_pending_then_continue',
  nextCall: { tool: 'continue_workflow', params: { continueToken: 'ct_next' } },
} as const;

describe('renderStepResponse', () => {
  it('puts the prompt first and the exact next call (with the latest token) after it', () => {
    const text = renderStepResponse({ ...base, kind: 'ok' }, 'advance');
    expect(text.startsWith('# Plan the change')).toBe(true);
    expect(text.indexOf('List the files')).toBeLessThan(text.indexOf('{"continueToken":"ct_next"}'));
    expect(text).toContain('step `plan`');
  });

  it('lists each blocker with its fix and offers the retry token', () => {
    const blocked: ContinueResponse = {
      ...base,
      kind: 'blocked',
      blockers: [
        {
          code: 'MISSING_REQUIRED_OUTPUT',
          pointer: '/output/artifacts',
          message: 'Needs a loop decision.',
          suggestedFix: 'Add wr.loop_control.',
        },
      ],
      retryable: true,
      retryContinueToken: 'ct_retry',
    };
    const text = renderStepResponse(blocked, 'advance');
    expect(text).toContain('**MISSING_REQUIRED_OUTPUT**: Needs a loop decision.');
    expect(text).toContain('Fix: Add wr.loop_control.');
    expect(text).toContain('{"continueToken":"ct_retry"}');
    expect(text).not.toContain('{"continueToken":"ct_next"}');
  });

  it('tells the agent to stop and ask the user when a block cannot be retried', () => {
    const blocked: ContinueResponse = { ...base, kind: 'blocked', blockers: [], retryable: false };
    expect(renderStepResponse(blocked, 'advance')).toContain('cannot be retried');
  });

  it('words confirmation by autonomy: wait in guided mode, proceed in full auto', () => {
    const guided = renderStepResponse(
      { ...base, kind: 'ok', nextIntent: 'await_user_confirmation' },
      'advance',
    );
    expect(guided).toContain('wait for their go-ahead');
    const auto = renderStepResponse(
      {
        ...base,
        kind: 'ok',
        nextIntent: 'await_user_confirmation',
        preferences: { autonomy: 'full_auto_never_stop', riskPolicy: 'balanced' },
      },
      'advance',
    );
    expect(auto).toContain('proceed unless the user has objected');
  });

  it('marks rehydrated steps, reports completion and parked gates without a token', () => {
    expect(renderStepResponse({ ...base, kind: 'ok' }, 'rehydrate')).toContain('# Plan the change (resumed)');
    const done = renderStepResponse(
      { ...base, kind: 'ok', isComplete: true, pending: null, nextCall: null, nextIntent: 'complete' },
      'advance',
    );
    expect(done).toContain('# Workflow complete');
    expect(done).not.toContain('ct_next');
    const gate = renderStepResponse(
      {
        kind: 'gate_checkpoint',
        sessionId: 'sess_1',
        gateToken: 'gt_1',
        stepId: 'review',
        gateKind: 'human_approval',
      },
      'advance',
    );
    expect(gate).toContain('human approval gate');
    expect(gate).not.toContain('gt_1');
  });
});
