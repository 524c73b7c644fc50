import { type Clock, okAsync } from '@worktrain/contracts';
import type { LoadedWorkflow, WorkflowRegistry } from '@worktrain/engine';

/** How long a resolved workflow is reused before the directories are scanned again, ms. */
export const WORKFLOW_LOOKUP_TTL_MS = 1000;

/**
 * Wraps a workflow registry so that starting many sessions of one workflow does not rescan every workflow
 * directory (a readdir and a stat per file of each source, per session): a successful `get` of one
 * (workflow id, workspace) is reused for `ttlMs`. Edits to workflow files are therefore seen by sessions
 * started at most `ttlMs` later; errors (not found, invalid) are never cached, and `list` always scans.
 * A running session is unaffected either way: it is pinned to the compiled version it started with.
 */
export function cacheWorkflowLookups(
  registry: WorkflowRegistry,
  clock: Clock,
  ttlMs = WORKFLOW_LOOKUP_TTL_MS,
): WorkflowRegistry {
  const hits = new Map<string, { workflow: LoadedWorkflow; at: number }>();
  return {
    list: (input) => registry.list(input),
    get(workflowId, input) {
      const key = `${workflowId}\u0000${input?.workspacePath ?? ''}`;
      const hit = hits.get(key);
      const now = clock.now();
      if (hit !== undefined && now - hit.at < ttlMs) return okAsync(hit.workflow);
      return registry.get(workflowId, input).map((workflow) => {
        hits.set(key, { workflow, at: now });
        return workflow;
      });
    },
  };
}
