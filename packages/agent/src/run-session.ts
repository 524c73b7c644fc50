// Over 400 lines on purpose, for now: `runSession` is one closure; splitting it into per-stage modules
// (prepare, turn, tool call, closing) is issue #14 ("stages, not closures").
/**
 * The agent loop: drives one workflow session with a model and tools until the workflow completes, parks
 * at a gate, a budget is hit, it is cancelled, or something fails. Every model turn and tool call is
 * recorded in the session log; the conversation is persisted message by message so a resumed session
 * continues with its history (see `resumeSession`).
 */

import type { Logger, NewSessionEvent } from '@worktrain/contracts';
import { describeThrown, type JsonObject, makeError, silentLogger, systemClock } from '@worktrain/contracts';
import { ACTION_GATE_TRACES, type ActionGateDecision, type ActionGateRequest } from './loop/action-gate.js';
import {
  addUsage,
  type Budget,
  checkBeforeTurn,
  DEFAULT_BUDGET,
  emptyTotals,
  RepeatedCallDetector,
} from './loop/budget.js';
import { closingEvents } from './loop/closing.js';
import { interruptedResults, lastStepId, mergeForRequest, summarizeInput } from './loop/messages.js';
import {
  DEFAULT_RULES_LIMITS,
  loadRulesFiles,
  renderBrief,
  renderStep,
  renderSystem,
} from './loop/prompt.js';
import { agentEventKeys, appendAtHead } from './loop/session-events.js';
import { readSessionFacts, type SessionFacts } from './loop/session-facts.js';
import { StepDriver } from './loop/step-driver.js';
import type { ContentBlock, ModelMessage, ToolResultBlock } from './model/provider.js';
import type { RunSessionOptions, SessionEnding, SessionOutcome, SessionStats } from './session-types.js';
import { createDefaultTools } from './tools/index.js';
import { worktreeRoot } from './tools/sandbox.js';
import { DEFAULT_TOOL_LIMITS, type SessionHooks, truncateMiddle } from './tools/types.js';

type Ending = SessionEnding;

/** Internal: unwinds the loop with an ending (never escapes runSession). */
class Stop extends Error {
  constructor(readonly ending: Ending) {
    super(ending.kind);
  }
}

const NUDGE =
  'You ended your turn without calling a tool. Continue the current step with the tools, and call complete_step when it is done.';
const NOT_STARTED =
  'Not run: the session stopped while an earlier call of this turn waited for approval. Call it again if it is still needed.';
const RESUMED =
  'The session was resumed after an interruption. Continue the current step; check the worktree for the effect of any interrupted tool call.';

/**
 * Runs the session until it completes, parks at a gate, hits a budget, is cancelled or fails. Never
 * throws: every ending is a {@link SessionOutcome}, recorded in the log (`budget_exceeded`,
 * `issue_reported` for failures, `usage_recorded` always).
 */
export async function runSession(options: RunSessionOptions): Promise<SessionOutcome> {
  const clock = options.clock ?? systemClock;
  const logger = (options.logger ?? silentLogger).child({ sessionId: options.sessionId });
  const budget: Budget = { ...DEFAULT_BUDGET, ...options.budget };
  const startedAt = clock.now();
  const run = new AbortController();
  let abortReason: 'cancelled' | 'wall_clock' | undefined;
  const onExternalAbort = (): void => {
    abortReason ??= 'cancelled';
    run.abort();
  };
  if (options.signal?.aborted === true) onExternalAbort();
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  // The wall clock runs except while the action gate waits for a person (see `askGate`).
  let pausedMs = 0;
  let wallTimer: NodeJS.Timeout | undefined;
  const activeMs = (): number => clock.now() - startedAt - pausedMs;
  const armWall = (): void => {
    clearTimeout(wallTimer);
    wallTimer = setTimeout(
      () => {
        abortReason ??= 'wall_clock';
        run.abort();
      },
      Math.max(0, budget.maxWallClockMs - activeMs()),
    );
  };
  armWall();
  let facts: SessionFacts | undefined;
  /** tool_use ids whose gate wait was cut by a stop: their completion is not recorded (asked again on resume). */
  const abandoned = new Set<string>();

  const record = async (events: readonly NewSessionEvent[], idempotencyKey?: string): Promise<void> => {
    const appended = await appendAtHead(options.store, options.sessionId, events, idempotencyKey);
    if (appended.isErr())
      throw new Stop({
        kind: 'failed',
        error: makeError('STORE_ERROR', `Cannot record session events: ${appended.error.message}`, {
          storeCode: appended.error.code,
        }),
      });
  };
  const stats = (): SessionStats => ({
    ...(facts?.totals ?? emptyTotals()),
    wallClockMs: clock.now() - startedAt,
  });

  let ending: Ending;
  try {
    ending = await loop();
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
    clearTimeout(wallTimer);
    options.signal?.removeEventListener('abort', onExternalAbort);
    run.abort(); // stop anything still running (bash children of an unfinished call)
  }
  const s = stats();
  const closing = closingEvents(ending, s, facts !== undefined);
  if (closing.length > 0) {
    const appended = await appendAtHead(options.store, options.sessionId, closing);
    if (appended.isErr())
      logger.error({ code: appended.error.code }, 'cannot record the end of the agent run');
  }
  logEnding(logger, ending, s.turns);
  return { ...ending, sessionId: options.sessionId, stats: s };

  async function loop(): Promise<Ending> {
    const factsResult = await readSessionFacts(options.store, options.sessionId);
    if (factsResult.isErr()) return { kind: 'failed', error: factsResult.error };
    facts = factsResult.value;
    if (facts.abortedReason !== undefined)
      return { kind: 'cancelled', reason: `The session was aborted: ${facts.abortedReason}` };
    if (facts.parkedGate !== undefined) return { kind: 'gate', ...facts.parkedGate };
    const totals = facts.totals;
    const opened = await StepDriver.open(options.engine, options.continueToken);
    if ('error' in opened)
      return {
        kind: 'failed',
        error: makeError('ENGINE_ERROR', `Cannot rehydrate the session: ${opened.error.message}`, {
          engineCode: opened.error.code,
        }),
      };
    const driver = opened.ok;
    const root = worktreeRoot(options.worktree);
    if (root.isErr()) return { kind: 'failed', error: makeError('WORKTREE_MISSING', root.error.message) };
    const tools = options.tools ?? createDefaultTools();
    const toolByName = new Map(tools.map((t) => [t.definition.name, t]));
    const system = renderSystem({
      metaGuidance: opened.metaGuidance,
      rules: loadRulesFiles(options.worktree, { ...DEFAULT_RULES_LIMITS, ...options.rules }),
      ...(options.instructions === undefined ? {} : { extraInstructions: options.instructions }),
    });
    const history = options.conversations.load(options.sessionId);
    if (history.isErr())
      return { kind: 'failed', error: makeError('CONVERSATION_ERROR', history.error.message) };
    const messages: ModelMessage[] = history.value;
    let pending: ContentBlock[] = [];
    const rerun: { id: string; name: string; input: JsonObject }[] = [];
    const persist = (message: ModelMessage): void => {
      const saved = options.conversations.append(options.sessionId, messages.length, [message]);
      if (saved.isErr())
        throw new Stop({ kind: 'failed', error: makeError('CONVERSATION_ERROR', saved.error.message) });
      messages.push(message);
    };
    const flushPending = (): void => {
      if (pending.length === 0) return;
      persist({ role: 'user', content: pending });
      pending = [];
    };

    if (driver.state.kind === 'complete') return { kind: 'completed' };
    if (driver.state.kind === 'gate') return { kind: 'gate', ...gateOf(driver) };
    if (messages.length === 0) {
      pending.push({
        type: 'text',
        text: renderBrief({
          workflowId: facts.workflowId,
          ...(facts.goal === undefined ? {} : { goal: facts.goal }),
          context: facts.context,
        }),
      });
      pending.push({ type: 'text', text: renderStep(driver.state.pending) });
    } else {
      // A command that was waiting for approval when the run stopped never ran: it is asked again (same
      // tool_use id, so the gate finds the same request) instead of being answered as interrupted.
      // Calls after it in the same turn never started (tools run one at a time).
      let afterWaiting = false;
      for (const result of interruptedResults(messages)) {
        const call = lastToolUse(messages, result.toolUseId);
        if (options.actionGate !== undefined && call !== undefined && facts.gateWaiting.has(call.id)) {
          rerun.push(call);
          afterWaiting = true;
        } else pending.push(afterWaiting ? { ...result, content: NOT_STARTED } : result);
      }
      const text =
        lastStepId(messages) === driver.state.pending.stepId ? RESUMED : renderStep(driver.state.pending);
      pending.push({ type: 'text', text });
    }

    const repeated = new RepeatedCallDetector(budget.maxRepeatedCalls);
    const spendThresholds = [...new Set(options.actionGate?.spendThresholdsUsd ?? [])]
      .filter((t) => Number.isFinite(t) && t >= 0)
      .sort((a, b) => a - b);
    const spendCleared = new Set<number>();
    const hooks: SessionHooks = {
      completeStep: (output) => driver.complete(output),
      reportIssue: async (issue) => record([{ kind: 'issue_reported', data: issue }]),
      signalCoordinator: async (signal) => {
        await record([
          {
            kind: 'decision_trace',
            data: {
              nodeId: null,
              decision: `signal_coordinator:${signal.kind}`,
              reason: signal.message,
              ...(signal.data === undefined ? {} : { data: signal.data }),
            },
          },
        ]);
        await options.onCoordinatorSignal?.({ kind: signal.kind, message: signal.message });
      },
      recordSandboxEvent: async (event) =>
        record([
          {
            kind: 'decision_trace',
            data:
              event.kind === 'network_denied'
                ? {
                    nodeId: null,
                    decision: 'sandbox_network_denied',
                    reason: `connection to ${event.host}:${event.port} refused: ${event.reason}`,
                    data: { host: event.host, port: event.port },
                  }
                : {
                    nodeId: null,
                    decision: 'sandbox_limit_hit',
                    reason: `the sandbox's ${event.limit} limit was reached`,
                    data: { limit: event.limit },
                  },
          },
        ]),
    };
    const eventChars = options.eventResultChars ?? 2000;
    for (const call of rerun) {
      if (run.signal.aborted) return abortEnding();
      pending.push(await runTool(Math.max(0, totals.turns - 1), call.id, call.name, call.input));
    }

    for (;;) {
      if (run.signal.aborted) return abortEnding();
      const hit = checkBeforeTurn(budget, totals, activeMs());
      if (hit !== undefined) return { kind: 'budget_exceeded', ...hit };
      // The kill switch of another process (CLI, console) records session_aborted; stop before the next turn.
      const summary = await options.store.getSummary(options.sessionId);
      if (summary.isOk() && summary.value.status === 'aborted')
        return { kind: 'cancelled', reason: 'The session was aborted by another process.' };
      if (worktreeRoot(options.worktree).isErr())
        return {
          kind: 'failed',
          error: makeError(
            'WORKTREE_MISSING',
            `The worktree ${options.worktree} was deleted while the session was running.`,
          ),
        };
      // The spend tiers of the policy: each threshold the cost has crossed is cleared once per run.
      for (const threshold of spendThresholds) {
        if (totals.costUsd <= threshold || spendCleared.has(threshold)) continue;
        const usd = Math.round(totals.costUsd * 10_000) / 10_000;
        const decision = await askGate({ kind: 'spend', usd, thresholdUsd: threshold });
        if (run.signal.aborted) return abortEnding();
        if (!decision.allowed) {
          flushPending();
          return { kind: 'budget_exceeded', budget: 'money', limit: threshold, observed: totals.costUsd };
        }
        spendCleared.add(threshold);
      }
      for (const steer of options.steer?.drain() ?? []) {
        await record([{ kind: 'steer_injected', data: { message: steer.message, actor: steer.actor } }]);
        pending.push({
          type: 'text',
          text: `Message from ${steer.actor} (operator steering; follow it if it does not conflict with the workflow):\n${steer.message}`,
        });
      }
      flushPending();

      const turnIndex = totals.turns;
      await record(
        [
          {
            kind: 'llm_turn_started',
            data: {
              turn: turnIndex,
              model: options.provider.model,
              provider: options.provider.name,
              scripted: options.provider.scripted,
            },
          },
        ],
        agentEventKeys.turnStarted(options.sessionId, turnIndex),
      );
      const turnAbort = new AbortController();
      const onRunAbort = (): void => turnAbort.abort();
      run.signal.addEventListener('abort', onRunAbort, { once: true });
      let stalled = false;
      let stallTimer: NodeJS.Timeout | undefined;
      const armStall = (): void => {
        clearTimeout(stallTimer);
        stallTimer = setTimeout(() => {
          stalled = true;
          turnAbort.abort();
        }, budget.stallTimeoutMs);
      };
      armStall();
      const turnStart = clock.now();
      const result = await options.provider.turn({
        system,
        messages: mergeForRequest(messages),
        tools: tools.map((t) => t.definition),
        signal: turnAbort.signal,
        onProgress: armStall,
      });
      clearTimeout(stallTimer);
      run.signal.removeEventListener('abort', onRunAbort);
      if (result.isErr()) {
        if (stalled)
          return {
            kind: 'budget_exceeded',
            budget: 'stall',
            limit: budget.stallTimeoutMs,
            observed: clock.now() - turnStart,
          };
        if (run.signal.aborted) return abortEnding();
        return {
          kind: 'failed',
          error: makeError('MODEL_ERROR', result.error.message, {
            modelCode: result.error.code,
            ...result.error.details,
          }),
        };
      }
      const turn = result.value;
      const cost = options.provider.cost(turn.usage);
      addUsage(totals, turn.usage, cost);
      await record(
        [
          {
            kind: 'llm_turn_completed',
            data: {
              turn: turnIndex,
              model: turn.model,
              stopReason: turn.stopReason,
              inputTokens: turn.usage.inputTokens,
              outputTokens: turn.usage.outputTokens,
              cacheReadTokens: turn.usage.cacheReadTokens,
              cacheWriteTokens: turn.usage.cacheWriteTokens,
              ...(cost === undefined ? {} : { costUsd: cost }),
              durationMs: Math.max(0, clock.now() - turnStart),
            },
          },
        ],
        agentEventKeys.turnCompleted(options.sessionId, turnIndex),
      );
      persist(turn.message);

      const calls = turn.message.content.filter((b) => b.type === 'tool_use');
      if (turn.stopReason === 'refusal')
        return {
          kind: 'failed',
          error: makeError('MODEL_ERROR', 'The model refused to continue (stop reason "refusal").', {
            modelCode: 'REFUSAL',
          }),
        };
      if (calls.length === 0) {
        pending.push({ type: 'text', text: NUDGE });
        continue;
      }
      const advancesBefore = driver.advances;
      for (const call of calls) {
        if (run.signal.aborted) return abortEnding();
        const repeat = repeated.record(call.name, call.input);
        if (repeat !== undefined) return { kind: 'budget_exceeded', ...repeat };
        const resultBlock = await runTool(turnIndex, call.id, call.name, call.input);
        pending.push(resultBlock);
        if (driver.stop !== undefined) {
          flushPending();
          const stop = driver.stop;
          if (stop.kind === 'blocked_attempts')
            return {
              kind: 'budget_exceeded',
              budget: 'blocked_attempts',
              limit: stop.observed,
              observed: stop.observed,
            };
          return {
            kind: 'failed',
            error: makeError('ENGINE_ERROR', stop.error.message, { engineCode: stop.error.code }),
          };
        }
        if (driver.current().kind !== 'step') {
          // The workflow ended or parked: answer the remaining calls so the stored conversation stays valid.
          for (const skipped of calls.slice(calls.indexOf(call) + 1))
            pending.push({
              type: 'tool_result',
              toolUseId: skipped.id,
              content: 'Not run: the step was already completed.',
              isError: true,
            });
          break;
        }
      }
      if (driver.advances !== advancesBefore) {
        repeated.reset();
        const state = driver.current();
        if (state.kind === 'complete') {
          flushPending();
          return { kind: 'completed' };
        }
        if (state.kind === 'gate') {
          flushPending();
          return { kind: 'gate', ...gateOf(driver) };
        }
        pending.push({ type: 'text', text: renderStep(state.pending) });
      }
    }

    async function runTool(
      turn: number,
      id: string,
      name: string,
      input: JsonObject,
    ): Promise<ToolResultBlock> {
      await record(
        [{ kind: 'tool_call_started', data: { toolCallId: id, name, input: summarizeInput(input) } }],
        agentEventKeys.toolStarted(options.sessionId, turn, id),
      );
      const started = clock.now();
      const tool = toolByName.get(name);
      let content: string;
      let isError: boolean;
      if (tool === undefined) {
        content = `Unknown tool "${name}". Available: ${[...toolByName.keys()].join(', ')}.`;
        isError = true;
      } else {
        try {
          const out = await tool.execute(input, {
            worktree: options.worktree,
            sessionId: options.sessionId,
            signal: run.signal,
            hooks,
            toolUseId: id,
            ...(options.actionGate === undefined
              ? {}
              : { gate: (request) => askGate({ ...request, toolUseId: id }) }),
          });
          content = out.content;
          isError = out.isError;
        } catch (thrown) {
          if (thrown instanceof Stop) throw thrown;
          content = `The tool failed: ${describeThrown(thrown)}`;
          isError = true;
        }
      }
      const forModel = truncateMiddle(content, DEFAULT_TOOL_LIMITS.maxResultChars);
      if (abandoned.has(id)) return { type: 'tool_result', toolUseId: id, content: forModel.text, isError };
      const forEvent = truncateMiddle(forModel.text, eventChars);
      await record(
        [
          {
            kind: 'tool_call_completed',
            data: {
              toolCallId: id,
              name,
              durationMs: Math.max(0, clock.now() - started),
              isError,
              result: forEvent.text,
              truncated: forModel.truncated || forEvent.truncated,
            },
          },
        ],
        agentEventKeys.toolCompleted(options.sessionId, turn, id),
      );
      return { type: 'tool_result', toolUseId: id, content: forModel.text, isError };
    }
  }

  /**
   * Asks the action gate (if any). While the gate waits for a person the wall clock is stopped, and a kill
   * recorded by another process (CLI) is noticed by polling the session summary; the kill switch and the
   * daemon stopping fire `run.signal`. A gate that throws is a refusal (fail closed). Waits and refusals
   * are recorded as `decision_trace` events; an immediate allow only in the gate's own audit trail.
   */
  async function askGate(request: ActionGateRequest): Promise<ActionGateDecision> {
    const gate = options.actionGate;
    if (gate === undefined) return { allowed: true, actor: 'none' };
    const trace =
      request.kind === 'run_command' ? { ...request, command: summarizeCommand(request.command) } : request;
    const wait = new AbortController();
    const onRunAbort = (): void => wait.abort();
    if (run.signal.aborted) wait.abort();
    run.signal.addEventListener('abort', onRunAbort, { once: true });
    let waitStart: number | undefined;
    let poll: NodeJS.Timeout | undefined;
    let decision: ActionGateDecision;
    try {
      decision = await gate.decide(request, {
        sessionId: options.sessionId,
        signal: wait.signal,
        onWaiting: async (waiting) => {
          if (waitStart !== undefined) return;
          waitStart = clock.now();
          clearTimeout(wallTimer);
          poll = setInterval(() => {
            void options.store.getSummary(options.sessionId).then((summary) => {
              if (summary.isOk() && summary.value.status === 'aborted') {
                abortReason ??= 'cancelled';
                run.abort();
              }
            });
          }, GATE_KILL_POLL_MS);
          await record([
            {
              kind: 'decision_trace',
              data: {
                nodeId: null,
                decision: ACTION_GATE_TRACES.waiting,
                reason: `waiting for a decision on ${waiting.summary} (${waiting.tier})`,
                data: { request: trace, requestId: waiting.requestId, tier: waiting.tier },
              },
            },
          ]);
        },
      });
    } catch (thrown) {
      decision = {
        allowed: false,
        actor: 'worktrain',
        reason: `the action gate failed: ${describeThrown(thrown)}`,
      };
    } finally {
      clearInterval(poll);
      run.signal.removeEventListener('abort', onRunAbort);
    }
    const waitedMs = waitStart === undefined ? 0 : Math.max(0, clock.now() - waitStart);
    if (waitStart !== undefined) {
      pausedMs += waitedMs;
      if (!run.signal.aborted) armWall();
    }
    if (run.signal.aborted) {
      // Not run and not decided: a resumed run asks again (see `gateWaiting`), so no result is recorded.
      if (request.kind === 'run_command') abandoned.add(request.toolUseId);
      return {
        allowed: false,
        actor: 'worktrain',
        reason: 'the session was cancelled while waiting for a decision',
      };
    }
    if (waitStart !== undefined || !decision.allowed)
      await record([
        {
          kind: 'decision_trace',
          data: {
            nodeId: null,
            decision: ACTION_GATE_TRACES.decided,
            reason: `${decision.allowed ? 'allowed' : 'refused'} by ${decision.actor}${decision.reason === undefined ? '' : `: ${decision.reason}`}`,
            data: {
              request: trace,
              allowed: decision.allowed,
              actor: decision.actor,
              ...(decision.reason === undefined ? {} : { reason: decision.reason }),
              waitedMs,
            },
          },
        },
      ]);
    return decision;
  }

  function abortEnding(): Ending {
    if (abortReason === 'wall_clock') {
      const observed = activeMs();
      return {
        kind: 'budget_exceeded',
        budget: 'wall_clock',
        limit: budget.maxWallClockMs,
        observed: Math.max(observed, budget.maxWallClockMs),
      };
    }
    return { kind: 'cancelled', reason: 'The session was cancelled (kill switch).' };
  }
}

/** How often a gate wait checks whether another process killed the session (ms). */
const GATE_KILL_POLL_MS = 1000;

/** The `tool_use` block with this id in the last assistant message. */
function lastToolUse(
  messages: readonly ModelMessage[],
  id: string,
): { id: string; name: string; input: JsonObject } | undefined {
  const last = [...messages].reverse().find((m) => m.role === 'assistant');
  for (const block of last?.content ?? [])
    if (block.type === 'tool_use' && block.id === id)
      return { id: block.id, name: block.name, input: block.input };
  return undefined;
}

function summarizeCommand(command: string): string {
  return command.length > 1000
    ? `${command.slice(0, 1000)}…[${command.length - 1000} more characters]`
    : command;
}

/**
 * Logs how a run ended at a level that says whether someone should look: a failure (with its code and
 * message) and a budget hit at warn, so `worktrain logs --level warn` shows them; the rest at info.
 */
function logEnding(logger: Logger, ending: Ending, turns: number): void {
  switch (ending.kind) {
    case 'failed':
      logger.warn(
        { outcome: 'failed', turns, code: ending.error.code },
        `agent run failed (${ending.error.code}): ${ending.error.message}`,
      );
      return;
    case 'budget_exceeded':
      logger.warn(
        {
          outcome: 'budget_exceeded',
          turns,
          budget: ending.budget,
          limit: ending.limit,
          observed: ending.observed,
        },
        `agent run stopped: ${ending.budget} budget exceeded (${ending.observed} of ${ending.limit})`,
      );
      return;
    case 'cancelled':
      logger.info({ outcome: 'cancelled', turns }, `agent run cancelled: ${ending.reason}`);
      return;
    default:
      logger.info({ outcome: ending.kind, turns }, 'agent run ended');
  }
}

function gateOf(driver: StepDriver): {
  gateToken: string;
  stepId: string;
  gateKind: 'coordinator_eval' | 'human_approval' | 'confirmation_required';
} {
  const state = driver.state;
  if (state.kind !== 'gate') throw new Error('gateOf: the session is not at a gate');
  return { gateToken: state.gateToken, stepId: state.stepId, gateKind: state.gateKind };
}
