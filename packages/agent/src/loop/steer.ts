/** Steering: messages an operator or coordinator injects into a running session before its next turn. */

export interface SteerMessage {
  readonly message: string;
  /** Who steered (`cli:alice`, `coordinator`, `api`). */
  readonly actor: string;
}

/** Source of steer messages; `drain` returns and removes the pending ones. */
export interface SteerSource {
  drain(): SteerMessage[];
}

/** A simple in-process steer queue (the daemon's HTTP `steer` endpoint pushes into one per session). */
export function createSteerQueue(): SteerSource & { push(message: SteerMessage): void; size(): number } {
  let pending: SteerMessage[] = [];
  return {
    push: (message) => {
      pending.push(message);
    },
    drain: () => {
      const out = pending;
      pending = [];
      return out;
    },
    size: () => pending.length,
  };
}
