/**
 * In-process daemon events (the `/api/v1/events` SSE stream and the console's live view): tasks claimed,
 * sessions started and ended, kills, webhooks. Not durable; session events are the durable record.
 */
export interface DaemonEvent {
  readonly type:
    | 'daemon_started'
    | 'daemon_stopping'
    | 'webhook_received'
    | 'task_enqueued'
    | 'task_claimed'
    | 'task_completed'
    | 'task_failed'
    | 'session_started'
    | 'session_resumed'
    | 'worktree_ready'
    | 'session_finished'
    | 'session_killed'
    | 'delivery_finished';
  readonly at: number;
  readonly taskId?: string;
  readonly sessionId?: string;
  readonly data?: Record<string, unknown>;
}

export interface DaemonEventBus {
  emit(event: Omit<DaemonEvent, 'at'>): void;
  subscribe(listener: (event: DaemonEvent) => void): () => void;
}

export function createDaemonEventBus(now: () => number): DaemonEventBus {
  const listeners = new Set<(event: DaemonEvent) => void>();
  return {
    emit: (event) => {
      const full: DaemonEvent = { ...event, at: now() };
      for (const l of [...listeners]) {
        try {
          l(full);
        } catch {
          // a failing listener (closed SSE stream) must not break the emitter
        }
      }
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
