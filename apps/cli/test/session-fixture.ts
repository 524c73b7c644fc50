import { join } from 'node:path';
import type { NewSessionEvent } from '@worktrain/contracts';
import { manualClock } from '@worktrain/contracts';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';

/** Opens (creating) the SQLite session store of a data directory, as the daemon or MCP server would. */
export function openStore(home: string, startMs = Date.UTC(2026, 10, 25, 12)): SqliteSessionStore {
  const opened = createSqliteSessionStore({ path: join(home, 'worktrain.db'), clock: manualClock(startMs) });
  if (opened.isErr()) throw new Error(`cannot open store: ${opened.error.message}`);
  return opened.value;
}

/** The first events of a session of `workflowId`: created, started, first step node. */
export function sessionStart(workflowId: string, goal: string): NewSessionEvent[] {
  return [
    {
      kind: 'session_created',
      data: {
        workflowId,
        workflowVersion: '1.0.0',
        workflowHash: `sha256:${'a'.repeat(64)}`,
        goal,
        title: goal,
        workspacePath: null,
        parentSessionId: null,
        source: 'test',
        context: { ticket: 'T-1' },
      },
    },
    { kind: 'session_started', data: {} },
    {
      kind: 'node_created',
      data: { nodeId: 'node_1', parentNodeId: null, nodeKind: 'step', stepId: 'plan', state: {} },
    },
  ];
}

/** An advance from `plan` to `implement` with notes and a context change. */
export function advanceEvents(): NewSessionEvent[] {
  return [
    {
      kind: 'output_appended',
      data: { nodeId: 'node_1', stepId: 'plan', notesMarkdown: 'Plan: do the thing.', artifacts: [] },
    },
    { kind: 'context_set', data: { nodeId: 'node_1', values: { approach: 'small-steps' } } },
    { kind: 'advance_recorded', data: { fromNodeId: 'node_1', toNodeId: 'node_2', attempt: 0, fork: false } },
    {
      kind: 'node_created',
      data: { nodeId: 'node_2', parentNodeId: 'node_1', nodeKind: 'step', stepId: 'implement', state: {} },
    },
  ];
}

export function completionEvents(): NewSessionEvent[] {
  return [
    { kind: 'advance_recorded', data: { fromNodeId: 'node_2', toNodeId: 'node_3', attempt: 0, fork: false } },
    {
      kind: 'node_created',
      data: { nodeId: 'node_3', parentNodeId: 'node_2', nodeKind: 'complete', stepId: null, state: {} },
    },
  ];
}

/** Appends `events` to `sessionId` after its current last seq; returns the new last seq. */
export async function append(
  store: SqliteSessionStore,
  sessionId: string,
  expectedSeq: number,
  events: NewSessionEvent[],
) {
  const appended = await store.append({ sessionId, expectedSeq, events });
  if (appended.isErr()) throw new Error(`append failed: ${appended.error.message}`);
  return appended.value.lastSeq;
}
