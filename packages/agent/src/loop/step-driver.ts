/**
 * The session's position in its workflow and the engine calls that move it: rehydrate (find the pending
 * step), and complete_step → `continueWorkflow` (ok → next step or complete; blocked → the blockers go back
 * to the model with the retry token kept; gate_checkpoint → the session parks).
 */
import { describeThrown } from '@worktrain/contracts';
import type { ContinueResponse, Engine, EngineError, PendingStep } from '@worktrain/engine';
import type { StepCompletion, StepOutput } from '../tools/types.js';

export type StepState =
  | { readonly kind: 'step'; readonly pending: PendingStep; readonly continueToken: string }
  | { readonly kind: 'complete' }
  | {
      readonly kind: 'gate';
      readonly gateToken: string;
      readonly stepId: string;
      readonly gateKind: 'coordinator_eval' | 'human_approval' | 'confirmation_required';
    };

/** A stop the step driver asks the loop for (circuit breaker open, non-retryable block). */
export type DriverStop =
  | { readonly kind: 'blocked_attempts'; readonly observed: number; readonly message: string }
  | { readonly kind: 'engine_error'; readonly error: EngineError };

function describeResponse(
  response: ContinueResponse,
): StepState | { blocked: true; retryToken?: string; text: string; retryable: boolean } {
  if (response.kind === 'gate_checkpoint')
    return {
      kind: 'gate',
      gateToken: response.gateToken,
      stepId: response.stepId,
      gateKind: response.gateKind,
    };
  if (response.kind === 'blocked') {
    const lines = response.blockers.map(
      (b) =>
        `- ${b.code} at ${b.pointer}: ${b.message}${b.suggestedFix === undefined ? '' : ` (fix: ${b.suggestedFix})`}`,
    );
    if (response.assessmentFollowup !== undefined)
      lines.push(
        `Follow-up required: ${response.assessmentFollowup.title}: ${response.assessmentFollowup.guidance}`,
      );
    return {
      blocked: true,
      ...(response.retryContinueToken === undefined ? {} : { retryToken: response.retryContinueToken }),
      retryable: response.retryable,
      text: `The step output was not accepted:\n${lines.join('\n')}\nFix these problems and call complete_step again.`,
    };
  }
  if (response.isComplete || response.pending === null) return { kind: 'complete' };
  if (response.continueToken === undefined) return { kind: 'complete' };
  return { kind: 'step', pending: response.pending, continueToken: response.continueToken };
}

/** Drives the engine for one session; `state` is the current position. */
export class StepDriver {
  state: StepState;
  /** Set when the engine said the session cannot go on (the loop stops with this). */
  stop: DriverStop | undefined;
  /** Incremented each time the step advances (the loop renders the next step when it changes). */
  advances = 0;
  private consecutiveBlocked = 0;

  constructor(
    private readonly engine: Engine,
    initial: StepState,
  ) {
    this.state = initial;
  }

  /** The current position (a method, so callers re-read it after awaits). */
  current(): StepState {
    return this.state;
  }

  /** Rehydrates the session from a continue or resume token. */
  static async open(
    engine: Engine,
    token: string,
  ): Promise<{ ok: StepDriver; metaGuidance: readonly string[] } | { error: EngineError }> {
    const rehydrated = await engine.continueWorkflow({ continueToken: token, intent: 'rehydrate' });
    if (rehydrated.isErr()) return { error: rehydrated.error };
    const state = describeResponse(rehydrated.value);
    if ('blocked' in state)
      return { error: { code: 'INPUT_INVALID', message: 'Rehydration returned a blocked response.' } };
    const metaGuidance =
      rehydrated.value.kind === 'gate_checkpoint' ? [] : (rehydrated.value.metaGuidance ?? []);
    return { ok: new StepDriver(engine, state), metaGuidance };
  }

  /** The complete_step hook: submits output for the pending step. */
  async complete(output: StepOutput): Promise<StepCompletion> {
    if (this.state.kind !== 'step')
      return {
        content: 'There is no pending step: the workflow is complete or waiting at a gate.',
        isError: true,
      };
    let response: Awaited<ReturnType<Engine['continueWorkflow']>>;
    try {
      response = await this.engine.continueWorkflow({
        continueToken: this.state.continueToken,
        intent: 'advance',
        output: {
          ...(output.notesMarkdown === undefined ? {} : { notesMarkdown: output.notesMarkdown }),
          ...(output.artifacts === undefined ? {} : { artifacts: output.artifacts }),
        },
        ...(output.context === undefined ? {} : { context: output.context }),
      });
    } catch (thrown) {
      return { content: `The engine failed: ${describeThrown(thrown)}`, isError: true };
    }
    if (response.isErr()) {
      const e = response.error;
      if (e.code === 'CIRCUIT_OPEN') {
        this.stop = { kind: 'blocked_attempts', observed: this.consecutiveBlocked + 1, message: e.message };
      } else if (
        e.code === 'OUTPUT_TOO_LARGE' ||
        e.code === 'INPUT_INVALID' ||
        e.code === 'CONTEXT_TOO_DEEP'
      ) {
        return { content: `The output was refused (${e.code}): ${e.message}`, isError: true };
      } else {
        this.stop = { kind: 'engine_error', error: e };
      }
      return { content: `The engine refused the output (${e.code}): ${e.message}`, isError: true };
    }
    const next = describeResponse(response.value);
    if ('blocked' in next) {
      this.consecutiveBlocked += 1;
      if (next.retryToken !== undefined && this.state.kind === 'step')
        this.state = { ...this.state, continueToken: next.retryToken };
      if (!next.retryable || next.retryToken === undefined)
        this.stop = { kind: 'blocked_attempts', observed: this.consecutiveBlocked, message: next.text };
      return { content: next.text, isError: true };
    }
    this.consecutiveBlocked = 0;
    this.state = next;
    this.advances += 1;
    if (next.kind === 'complete')
      return { content: 'Step accepted. The workflow is complete.', isError: false };
    if (next.kind === 'gate')
      return {
        content: 'Step accepted. The session now waits for a review gate; stop here.',
        isError: false,
      };
    return {
      content: `Step accepted. Next step: ${next.pending.stepId} (its instructions follow).`,
      isError: false,
    };
  }
}

/** The gate fields of an ending at the driver's current gate (a programmer error when not at a gate). */
export function gateOf(driver: StepDriver): {
  gateToken: string;
  stepId: string;
  gateKind: 'coordinator_eval' | 'human_approval' | 'confirmation_required';
} {
  const state = driver.state;
  if (state.kind !== 'gate') throw new Error('gateOf: the session is not at a gate');
  return { gateToken: state.gateToken, stepId: state.stepId, gateKind: state.gateKind };
}
