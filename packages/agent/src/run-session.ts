/**
 * The agent loop: drives one workflow session with a model and tools until the workflow completes, parks
 * at a gate, a budget is hit, it is cancelled, or something fails. Every model turn and tool call is
 * recorded in the session log; the conversation is persisted message by message so a resumed session
 * continues with its history (see `resumeSession`). The stages live in `loop/`: prepare the run, the
 * checks before a turn, one model turn, the turn's tool calls, and closing the run.
 */

import { describeThrown, makeError, silentLogger } from '@worktrain/contracts';
import { emptyTotals, RepeatedCallDetector } from './loop/budget.js';
import { closeRun } from './loop/closing.js';
import { NUDGE } from './loop/conversation.js';
import { delegateStep } from './loop/delegation.js';
import { runModelTurn } from './loop/model-turn.js';
import { prepareRun } from './loop/prepare-run.js';
import { createRunContext, type RunContext } from './loop/run-context.js';
import { Stop } from './loop/run-control.js';
import type { SessionFacts } from './loop/session-facts.js';
import { createSessionHooks } from './loop/session-hooks.js';
import { createToolRunner, executeToolCalls } from './loop/tool-calls.js';
import { beforeTurn, SpendTiers } from './loop/turn-guards.js';
import type { RunSessionOptions, SessionEnding, SessionOutcome, SessionStats } from './session-types.js';

/**
 * Runs the session until it completes, parks at a gate, hits a budget, is cancelled or fails. Never
 * throws: every ending is a {@link SessionOutcome}, recorded in the log (`budget_exceeded`,
 * `issue_reported` for failures, `usage_recorded` always).
 */
export async function runSession(options: RunSessionOptions): Promise<SessionOutcome> {
  const logger = (options.logger ?? silentLogger).child({ sessionId: options.sessionId });
  const ctx = createRunContext(options);
  let facts: SessionFacts | undefined;
  let ending: SessionEnding;
  try {
    ending = await drive(ctx, (f) => {
      facts = f;
    });
  } catch (thrown) {
    ending =
      thrown instanceof Stop
        ? thrown.ending
        : {
            kind: 'failed',
            error: makeError(
              'ENGINE_ERROR',
              `Unexpected failure in the agent loop: ${describeThrown(thrown)}`,
            ),
          };
  } finally {
    ctx.control.dispose();
  }
  const stats: SessionStats = {
    ...(facts?.totals ?? emptyTotals()),
    wallClockMs: ctx.clock.now() - ctx.control.startedAt,
  };
  await closeRun({
    store: options.store,
    sessionId: options.sessionId,
    logger,
    ending,
    stats,
    withUsage: facts !== undefined,
  });
  return { ...ending, sessionId: options.sessionId, stats };
}

/** Prepare, run the commands left waiting for the gate, then turn after turn until an ending. */
async function drive(ctx: RunContext, onFacts: (facts: SessionFacts) => void): Promise<SessionEnding> {
  const prepared = await prepareRun(ctx, onFacts);
  if ('ending' in prepared) return prepared.ending;
  const { facts, driver, tools, system, conversation, rerun } = prepared.run;
  const { totals } = facts;
  const hooks = createSessionHooks(driver, ctx.record, ctx.options.onCoordinatorSignal);
  const runTool = createToolRunner(ctx, tools, hooks);
  const repeated = new RepeatedCallDetector(ctx.budget.maxRepeatedCalls);
  const spend = new SpendTiers(ctx.options.actionGate?.spendThresholdsUsd ?? []);
  const definitions = tools.map((t) => t.definition);

  for (const call of rerun) {
    if (ctx.control.aborted) return ctx.control.abortEnding();
    conversation.push(await runTool(Math.max(0, totals.turns - 1), call.id, call.name, call.input));
  }
  for (;;) {
    const stop = await beforeTurn({ ctx, totals, conversation, spend });
    if (stop !== undefined) return stop;
    // A parallel step the runtime fans out: no model turn for it.
    const delegated = await delegateStep(ctx, driver, conversation);
    if (delegated?.ending !== undefined) return delegated.ending;
    if (delegated !== null) continue;
    const model = await runModelTurn({
      ctx,
      provider: ctx.options.provider,
      system,
      tools: definitions,
      conversation,
      totals,
    });
    if ('ending' in model) return model.ending;
    const calls = model.turn.message.content.filter((b) => b.type === 'tool_use');
    if (calls.length === 0) {
      conversation.push({ type: 'text', text: NUDGE });
      continue;
    }
    const ended = await executeToolCalls({
      ctx,
      runTool,
      driver,
      conversation,
      repeated,
      turnIndex: model.turnIndex,
      calls,
    });
    if (ended !== undefined) return ended;
  }
}
