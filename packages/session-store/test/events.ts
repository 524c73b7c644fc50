import type { NewSessionEvent, SessionEventData } from '@worktrain/contracts';

/** Builders of valid events for tests. */
export function created(overrides: Partial<SessionEventData<'session_created'>> = {}): NewSessionEvent {
  return {
    kind: 'session_created',
    data: {
      workflowId: 'coding-task',
      workflowVersion: '1.0.0',
      workflowHash: `sha256:${'a'.repeat(64)}`,
      goal: 'Fix the login bug',
      title: 'Login fix',
      workspacePath: '/repo',
      parentSessionId: null,
      source: 'test',
      context: { ticket: 'ABC-1' },
      ...overrides,
    },
  };
}

export function node(
  nodeId: string,
  stepId: string | null,
  nodeKind: 'step' | 'checkpoint' | 'gate' | 'complete' = 'step',
  parentNodeId: string | null = null,
): NewSessionEvent {
  return { kind: 'node_created', data: { nodeId, parentNodeId, nodeKind, stepId, state: { at: nodeId } } };
}

export function advance(fromNodeId: string, toNodeId: string): NewSessionEvent {
  return { kind: 'advance_recorded', data: { fromNodeId, toNodeId, attempt: 0, fork: false } };
}

export function notes(
  nodeId: string,
  stepId: string,
  notesMarkdown: string,
  artifacts: unknown[] = [],
): NewSessionEvent {
  return {
    kind: 'output_appended',
    data: {
      nodeId,
      stepId,
      notesMarkdown,
      artifacts: artifacts as SessionEventData<'output_appended'>['artifacts'],
    },
  };
}

export function blocked(nodeId: string, stepId: string): NewSessionEvent {
  return {
    kind: 'blocked_attempt',
    data: {
      nodeId,
      stepId,
      attempt: 1,
      blockers: [
        { code: 'MISSING_REQUIRED_NOTES', pointer: '/output/notesMarkdown', message: 'notes required' },
      ],
      retryable: true,
      consecutive: 1,
    },
  };
}

export function gateParked(nodeId: string, stepId: string): NewSessionEvent {
  return { kind: 'gate_parked', data: { nodeId, stepId, gateKind: 'human_approval' } };
}

export function gateResolved(nodeId: string, stepId: string): NewSessionEvent {
  return { kind: 'gate_resolved', data: { nodeId, stepId, verdict: 'approved', actor: 'alice' } };
}

export function completed(outcome: 'success' | 'failure' | 'cancelled'): NewSessionEvent {
  return { kind: 'session_completed', data: { outcome } };
}

export function aborted(reason = 'killed by user'): NewSessionEvent {
  return { kind: 'session_aborted', data: { reason, actor: 'cli' } };
}

export function steer(message: string): NewSessionEvent {
  return { kind: 'steer_injected', data: { message, actor: 'tester' } };
}

export function llmTurn(
  turn: number,
  inputTokens: number,
  outputTokens: number,
  costUsd: number,
): NewSessionEvent[] {
  return [
    { kind: 'llm_turn_started', data: { turn, model: 'claude-test', provider: 'scripted', scripted: true } },
    {
      kind: 'llm_turn_completed',
      data: {
        turn,
        model: 'claude-test',
        stopReason: 'end_turn',
        inputTokens,
        outputTokens,
        costUsd,
        durationMs: 5,
      },
    },
  ];
}
