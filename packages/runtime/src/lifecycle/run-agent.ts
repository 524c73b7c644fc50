/**
 * Stage "run agent": one agent run of the session in its worktree. Records which sandbox its commands run
 * under (`sandbox_enforced` / `sandbox_off`), builds the session's sandbox policy (with the trigger's extra
 * network hosts), opens one long-lived sandbox for the run and closes it after, registers the run as
 * active (kill switch, steering) and turns a kill into `session_aborted`.
 */
import { createDefaultTools, resumeSession, runSession, type SessionOutcome } from '@worktrain/agent';
import type { WorktreeGitRef } from '@worktrain/contracts';
import { TaskFailure } from '@worktrain/queue';
import type { AgentActionGate } from '../action-gate.js';
import type { LifecycleDeps } from './deps.js';
import { recordEvents } from './record.js';
import { readMeta } from './session-meta.js';

/** What one agent run works on. */
export interface AgentRunInput {
  readonly sessionId: string;
  readonly taskId: string;
  /** Absolute path of the session's worktree. */
  readonly worktree: string;
  readonly gitRef: WorktreeGitRef | undefined;
  /** The first step's token of a session started by this attempt; null resumes the session. */
  readonly continueToken: string | null;
  /** The worker's stop signal (daemon stopping, lease lost): aborts the run. */
  readonly signal: AbortSignal;
  /** The policy gate of the agent's own commands and spending (null: no approvals wiring). */
  readonly actionGate: AgentActionGate | null;
}

type AgentRunDeps = Pick<
  LifecycleDeps,
  | 'engine'
  | 'store'
  | 'conversations'
  | 'provider'
  | 'budget'
  | 'sharedBudgetFor'
  | 'delegate'
  | 'active'
  | 'sandbox'
  | 'networkAllowFor'
  | 'events'
  | 'clock'
  | 'logger'
>;

/**
 * Runs the agent and returns how the run ended. Throws {@link TaskFailure}: `validation` when no model is
 * configured (MODEL_NOT_CONFIGURED), `execution` when the model provider fails, there is no sandbox (fail
 * closed, DESIGN §7) or it does not start, `cancelled` when the session was killed during the run.
 */
export async function runAgent(deps: AgentRunDeps, input: AgentRunInput): Promise<SessionOutcome> {
  const { sessionId, taskId, worktree, signal } = input;
  const provider = deps.provider();
  if (provider.isErr())
    throw new TaskFailure(
      // No model configured: retrying cannot help until config.yaml changes and the daemon restarts.
      provider.error.details?.modelCode === 'MODEL_NOT_CONFIGURED' ? 'validation' : 'execution',
      `No model: ${provider.error.message}`,
    );
  const { sandbox } = deps.sandbox;
  if (sandbox === null)
    throw new TaskFailure(
      'execution',
      `No sandbox, so no agent run: ${deps.sandbox.error?.message ?? 'unavailable'} Fix: ${String(deps.sandbox.error?.details?.fix ?? 'see worktrain doctor')}`,
    );
  const described = deps.sandbox.describe();
  await recordEvents(deps.store, sessionId, [
    {
      kind: 'decision_trace',
      data: {
        nodeId: null,
        decision: sandbox.info.enforced ? 'sandbox_enforced' : 'sandbox_off',
        reason: sandbox.info.enforced
          ? `agent commands run under ${sandbox.info.version ?? sandbox.info.backend}, limits: ${sandbox.info.limits}`
          : sandbox.info.warnings.join('; '),
        data: described,
      },
    },
  ]);
  const triggerId = (await readMeta(deps.store, sessionId))?.triggerId ?? null;
  const extraAllow = triggerId === null ? [] : (deps.networkAllowFor?.(triggerId) ?? []);
  const policy = deps.sandbox.policyFor(sessionId, worktree, input.gitRef, extraAllow);
  // One long-lived sandbox per run: each agent command is a fork inside it (issue 12's start-up goal).
  const runner = await sandbox.open(policy);
  if (runner.isErr())
    throw new TaskFailure('execution', `The session's sandbox did not start: ${runner.error.message}`);
  const shared = await deps.sharedBudgetFor?.(sessionId);
  const entry = deps.active.register(sessionId, taskId, deps.clock.now());
  const onStop = (): void => entry.controller.abort();
  signal.addEventListener('abort', onStop, { once: true });
  try {
    const common = {
      engine: deps.engine,
      store: deps.store,
      conversations: deps.conversations,
      provider: provider.value,
      tools: createDefaultTools({ bash: { sandbox, policy, runner: runner.value } }),
      worktree,
      sessionId,
      budget: deps.budget,
      clock: deps.clock,
      logger: deps.logger,
      signal: entry.controller.signal,
      steer: entry.steer,
      ...(input.actionGate === null ? {} : { actionGate: input.actionGate }),
      ...(shared === undefined ? {} : { sharedBudget: shared }),
      ...(deps.delegate === undefined ? {} : { delegate: deps.delegate }),
    };
    const outcome =
      input.continueToken !== null
        ? await runSession({ ...common, continueToken: input.continueToken })
        : await resumeSession(common);
    if (outcome.kind === 'cancelled' && entry.kill !== null) {
      await recordEvents(deps.store, sessionId, [
        {
          kind: 'session_aborted',
          data: { reason: entry.kill.reason, actor: entry.kill.actor, code: 'KILLED' },
        },
      ]);
      deps.events.emit({ type: 'session_killed', sessionId, taskId, data: { actor: entry.kill.actor } });
      throw new TaskFailure('cancelled', `killed by ${entry.kill.actor}: ${entry.kill.reason}`, false);
    }
    return outcome;
  } finally {
    signal.removeEventListener('abort', onStop);
    await runner.value.close();
    deps.active.unregister(sessionId);
  }
}
