/**
 * The action gate port: the agent asks it before an action whose blast radius a policy may limit — a
 * `bash` command, and spending past a threshold. The agent knows no policy; the daemon wires the port to
 * its `policy.yaml` and durable approval requests (`@worktrain/runtime`), so a command can wait hours for a
 * person's decision. Without a gate the agent runs every command and stops only at its hard budgets.
 */

/** What the agent is about to do. */
export type ActionGateRequest =
  | {
      /** A `bash` tool call, asked before the command is spawned. */
      readonly kind: 'run_command';
      /** The command line exactly as the model gave it. */
      readonly command: string;
      /** The model's `tool_use` id: stable for this call across a resume, so a key for a durable request. */
      readonly toolUseId: string;
    }
  | {
      /** The session's cumulative model cost first exceeded `thresholdUsd`; asked before the next model request. */
      readonly kind: 'spend';
      /** Cumulative model cost of the session so far, USD (over every run of the session). */
      readonly usd: number;
      /** The threshold crossed (one of {@link ActionGate.spendThresholdsUsd}), USD. */
      readonly thresholdUsd: number;
    };

/**
 * The gate's answer. `actor` says who decided (`policy:low`, `policy:timeout`, `cli:alice`, `api:ops`,
 * `worktrain` for a failure to ask); `reason` is shown to the model for a refused command and recorded.
 */
export type ActionGateDecision =
  | { readonly allowed: true; readonly actor: string; readonly reason?: string }
  | { readonly allowed: false; readonly actor: string; readonly reason: string };

/** What the loop gives the gate with each request. */
export interface ActionGateContext {
  readonly sessionId: string;
  /**
   * Fires when the session is killed (kill switch, daemon stopping, a kill recorded by another process).
   * The gate must then stop waiting promptly (within its poll interval) and resolve; the loop ignores the
   * answer and ends the run as cancelled. A request left pending stays pending for the next run.
   */
  readonly signal: AbortSignal;
  /**
   * The gate calls this once, before it starts waiting for a decision that is not immediate (a medium or
   * high tier request). The loop records a `decision_trace` (`action_gate_waiting`) and stops the run's
   * wall clock until the decision: time spent waiting for a person does not count against
   * `budget.maxWallClockMs`. Not called for decisions known at once (low tier, already decided).
   */
  readonly onWaiting: (waiting: {
    /** The durable request's id (e.g. an `appr_…` approval id), for the record. */
    readonly requestId: string;
    /** Tier or other label of the request, for the record (`medium`, `high`). */
    readonly tier: string;
    /** One line for humans. */
    readonly summary: string;
  }) => Promise<void>;
}

/**
 * The port. `decide` never rejects: a failure to reach a decision (store error) must resolve as a refusal
 * with actor `worktrain` (fail closed). It may wait as long as a person takes (hours); asking again for the
 * same request (same `toolUseId`, or same `thresholdUsd` for the same session) must find the same durable
 * request and its decision, so a run resumed after a restart waits on the request it waited on before.
 */
export interface ActionGate {
  /**
   * USD amounts at which the loop asks for `spend` (ascending or not; duplicates ignored). The loop asks
   * once per run for each threshold the cumulative cost exceeds (`cost > threshold`), before the next model
   * request; a refusal ends the session (`budget_exceeded`, budget `money`, limit = the threshold).
   */
  readonly spendThresholdsUsd: readonly number[];
  decide(request: ActionGateRequest, context: ActionGateContext): Promise<ActionGateDecision>;
}

/** The `decision_trace.decision` values the loop records for the gate. */
export const ACTION_GATE_TRACES = {
  /** The gate is waiting for a decision (data: request, requestId, tier, summary). */
  waiting: 'action_gate_waiting',
  /** A decision after a wait, or any refusal (data: request, allowed, actor, reason, waitedMs). */
  decided: 'action_gate_decided',
} as const;
