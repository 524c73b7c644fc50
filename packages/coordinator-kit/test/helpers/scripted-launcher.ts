/**
 * A SessionLauncher for the runner's unit tests: children are entries of a script (outcome per key) rather
 * than sessions; the runtime's real launcher is tested with the daemon. It keeps what a real one must:
 * spawn is idempotent per (pipeline, key), a child charges the budget as it "runs" and stops with
 * `budget_stop` when the gate says the budget is spent.
 */
import { err, type JsonObject, ok } from '@worktrain/contracts';
import { coordinatorError } from '../../src/errors.js';
import type {
  BudgetGate,
  ChildDelivery,
  ChildHandle,
  ChildOutcome,
  ChildUsage,
  SessionLauncher,
  SpawnRequest,
} from '../../src/index.js';

export interface ScriptedChild {
  readonly status?: 'completed' | 'failed' | 'killed';
  readonly artifacts?: readonly JsonObject[];
  readonly delivery?: ChildDelivery;
  readonly reason?: string;
  /** What the child spends while it runs, charged in `steps` equal parts. */
  readonly usage?: ChildUsage;
  readonly steps?: number;
}

export interface ScriptedLauncher extends SessionLauncher {
  readonly spawned: string[];
  /** Every request that started a child, in order. */
  readonly requests: SpawnRequest[];
  readonly stopped: string[];
}

export function scriptedLauncher(script: (key: string) => ScriptedChild | undefined): ScriptedLauncher {
  const sessions = new Map<string, { sessionId: string; budget: BudgetGate }>();
  const spawned: string[] = [];
  const requests: SpawnRequest[] = [];
  const stopped: string[] = [];
  /** Runs children interleaved, one model request each per round, as parallel sessions would. */
  const runAll = (handles: readonly ChildHandle[]): ChildOutcome[] => {
    const live = handles.map((handle) => {
      const child = script(handle.key) ?? {};
      return {
        handle,
        child,
        total: child.usage ?? { turns: 1, tokens: 100, costUsd: 0.01 },
        steps: child.steps ?? 1,
        done: 0,
        spent: { turns: 0, tokens: 0, costUsd: 0 },
        outcome: undefined as ChildOutcome | undefined,
      };
    });
    while (live.some((c) => c.outcome === undefined)) {
      for (const c of live) {
        if (c.outcome !== undefined) continue;
        const { key, sessionId } = c.handle;
        const budget = sessions.get(key)?.budget;
        if (c.done === c.steps) {
          const status = c.child.status ?? 'completed';
          c.outcome =
            status === 'completed'
              ? {
                  status,
                  key,
                  sessionId,
                  artifacts: c.child.artifacts ?? [],
                  usage: c.spent,
                  delivery: c.child.delivery ?? null,
                }
              : { status, key, sessionId, reason: c.child.reason ?? status, usage: c.spent };
          continue;
        }
        // A real child asks before every model request.
        const hit = budget?.exhausted();
        if (hit != null) {
          c.outcome = {
            status: 'budget_stop',
            key,
            sessionId,
            reason: `budget: ${hit.limit}`,
            usage: c.spent,
          };
          continue;
        }
        const delta = {
          turns: c.total.turns / c.steps,
          tokens: c.total.tokens / c.steps,
          costUsd: c.total.costUsd / c.steps,
        };
        budget?.charge(key, delta);
        c.spent = {
          turns: c.spent.turns + delta.turns,
          tokens: c.spent.tokens + delta.tokens,
          costUsd: c.spent.costUsd + delta.costUsd,
        };
        c.done += 1;
      }
    }
    return live.map((c) => c.outcome as ChildOutcome);
  };
  return {
    spawned,
    requests,
    stopped,
    async spawn(pipelineId, request, budget) {
      const existing = sessions.get(request.key);
      if (existing !== undefined) return ok({ key: request.key, sessionId: existing.sessionId });
      if (request.workflowId === 'wr.unknown')
        return err(coordinatorError('SPAWN_FAILED', 'unknown workflow', { key: request.key }));
      const sessionId = `sess_${pipelineId}_${request.key}`;
      sessions.set(request.key, { sessionId, budget });
      spawned.push(request.key);
      requests.push(request);
      return ok({ key: request.key, sessionId });
    },
    async await(handles) {
      return ok(runAll(handles));
    },
    async stop(handles) {
      stopped.push(...handles.map((h) => h.key));
    },
  };
}
