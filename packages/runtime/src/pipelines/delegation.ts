/**
 * Parallel steps fanned out by the daemon (issue #15): each delegation of a session's pending parallel step
 * becomes a child session (the session is its parent) started by the {@link RuntimeSessionLauncher}, the
 * children are joined with `await`, and the step advances with their typed artifacts merged in order and a
 * note per child. Children share their parent's budget: a pipeline child's delegations count against the
 * pipeline. A delegation's key is `<step>-r<round>-<n>`: a daemon restarted mid-join finds the same children,
 * and the next round of a loop starts new ones.
 */
import type { Delegator, SharedBudget } from '@worktrain/agent';
import type { Logger } from '@worktrain/contracts';
import type { BudgetGate, ChildHandle } from '@worktrain/coordinator-kit';
import type { SessionStore } from '@worktrain/session-store';
import { readMeta } from '../lifecycle/session-meta.js';
import { readAll } from '../session-log.js';
import type { RuntimeSessionLauncher } from './launcher.js';

/** How long a parallel step waits for its children, ms: 2 h (the agent's own wall clock still applies). */
export const DELEGATION_TIMEOUT_MS = 2 * 3_600_000;

/** The parent's shared budget as a gate for its children (none: no limit beyond each child's own). */
function gateOf(shared: SharedBudget | undefined): BudgetGate {
  return {
    charge: (_key, delta) =>
      shared?.charge({ turns: delta.turns ?? 0, tokens: delta.tokens ?? 0, costUsd: delta.costUsd ?? 0 }),
    exhausted: () => {
      const hit = shared?.exhausted() ?? null;
      return hit === null ? null : { limit: 'maxCostUsd', max: hit.max, observed: hit.observed };
    },
  };
}

export function createDelegator(deps: {
  readonly launcher: RuntimeSessionLauncher;
  readonly store: SessionStore;
  readonly logger: Logger;
}): Delegator {
  return async ({ sessionId, stepId, delegations, signal }) => {
    const meta = await readMeta(deps.store, sessionId);
    const events = await readAll(deps.store, sessionId);
    if (meta === null || events.isErr())
      return { error: `session ${sessionId} has no daemon meta or readable log to delegate from` };
    const created = events.value[0];
    const goal = created?.kind === 'session_created' ? (created.data.goal ?? '') : '';
    // Completed runs of this step so far: a loop's next round starts new children.
    const round =
      events.value.filter((e) => e.kind === 'output_appended' && e.data.stepId === stepId).length + 1;
    const gate = gateOf(await deps.launcher.sharedBudgetFor(sessionId));
    const handles: ChildHandle[] = [];
    for (const [i, d] of delegations.entries()) {
      const spawned = await deps.launcher.spawn(
        sessionId,
        {
          key: `${stepId}-r${round}-${i + 1}`,
          workflowId: d.workflowId,
          goal: d.goal ?? `${d.workflowId} for: ${goal}`,
          context: { ...d.inputs },
          workspace: meta.repoPath,
          deliver: false,
        },
        gate,
      );
      if (spawned.isErr()) return { error: spawned.error.message };
      handles.push(spawned.value);
    }
    const outcomes = await deps.launcher.await(handles, {
      timeoutMs: DELEGATION_TIMEOUT_MS,
      signal,
      budget: gate,
    });
    if (outcomes.isErr()) return { error: outcomes.error.message };
    const lines = outcomes.value.map((o, i) => {
      const what = delegations[i]?.workflowId ?? o.key;
      return o.status === 'completed'
        ? `- ${what} (session ${o.sessionId}): completed, ${o.artifacts.length} artifact(s)`
        : `- ${what} (session ${o.sessionId}): ${o.status}: ${o.reason}`;
    });
    deps.logger.info({ sessionId, stepId, children: handles.length }, 'parallel step joined');
    return {
      ok: {
        notesMarkdown: `Delegations of ${stepId}, run as child sessions by the daemon:\n${lines.join('\n')}`,
        artifacts: outcomes.value.flatMap((o) => (o.status === 'completed' ? o.artifacts : [])),
      },
    };
  };
}
