import { createSteerQueue, type SteerMessage, type SteerSource } from '@worktrain/agent';

/** A session a worker of this daemon is running right now. */
export interface ActiveSession {
  readonly sessionId: string;
  readonly taskId: string;
  readonly startedAt: number;
  readonly controller: AbortController;
  readonly steer: SteerSource & { push(message: SteerMessage): void };
  /** Set by the kill switch before aborting, so the worker records `session_aborted`, not a retry. */
  kill: { readonly actor: string; readonly reason: string } | null;
}

/** The registry of running sessions: the kill switch and steering act through it. */
export interface ActiveSessions {
  register(sessionId: string, taskId: string, now: number): ActiveSession;
  unregister(sessionId: string): void;
  get(sessionId: string): ActiveSession | undefined;
  list(): ActiveSession[];
  /** Marks and aborts one session; false when this daemon is not running it. */
  kill(sessionId: string, actor: string, reason: string): boolean;
  /** Aborts every running session without marking it killed (shutdown: they resume after a restart). */
  abortAll(): void;
  /**
   * Keeps a steer message for a session that is not running yet (`sessions continue --message`); it is
   * handed to the session's steer queue when a worker of this process registers it. In memory only: a
   * restart before the session runs drops it.
   */
  queueSteer(sessionId: string, message: SteerMessage): void;
}

export function createActiveSessions(): ActiveSessions {
  const map = new Map<string, ActiveSession>();
  const pending = new Map<string, SteerMessage[]>();
  return {
    register: (sessionId, taskId, now) => {
      const entry: ActiveSession = {
        sessionId,
        taskId,
        startedAt: now,
        controller: new AbortController(),
        steer: createSteerQueue(),
        kill: null,
      };
      for (const message of pending.get(sessionId) ?? []) entry.steer.push(message);
      pending.delete(sessionId);
      map.set(sessionId, entry);
      return entry;
    },
    queueSteer: (sessionId, message) => {
      const running = map.get(sessionId);
      if (running !== undefined) running.steer.push(message);
      else pending.set(sessionId, [...(pending.get(sessionId) ?? []), message]);
    },
    unregister: (sessionId) => {
      map.delete(sessionId);
    },
    get: (sessionId) => map.get(sessionId),
    list: () => [...map.values()],
    kill: (sessionId, actor, reason) => {
      const entry = map.get(sessionId);
      if (entry === undefined) return false;
      entry.kill ??= { actor, reason };
      entry.controller.abort();
      return true;
    },
    abortAll: () => {
      for (const entry of map.values()) entry.controller.abort();
    },
  };
}
