/**
 * The ports and shapes of pipelines (DESIGN §9): a pipeline is a parent record with its own event log whose
 * named stages spawn child sessions through a {@link SessionLauncher}, await their typed outcomes and move
 * on by deterministic code. The runtime implements the launcher (children are sessions with the pipeline
 * as `parentSessionId`, run by the daemon's workers); tests implement it over the scripted model.
 */
import type { JsonObject, Result } from '@worktrain/contracts';
import type { CoordinatorError } from '../errors.js';

/** What a child spent; every field a running total. */
export interface ChildUsage {
  readonly turns: number;
  readonly tokens: number;
  /** USD. */
  readonly costUsd: number;
}

/** How a child session ended, as the launcher read it from the session's log. */
export type ChildOutcome =
  | {
      readonly status: 'completed';
      readonly key: string;
      readonly sessionId: string;
      /** The typed artifacts (`wr.*` kinds) the session's steps produced, in order. */
      readonly artifacts: readonly JsonObject[];
      readonly usage: ChildUsage;
      /** What delivery did with the child's work (null for a child that is not delivered). */
      readonly delivery: ChildDelivery | null;
    }
  | {
      readonly status: 'failed' | 'budget_stop' | 'killed';
      readonly key: string;
      readonly sessionId: string;
      readonly reason: string;
      readonly usage: ChildUsage;
    };

/**
 * A delivered child's change as the runtime recorded it (evidence the runtime gathered itself, never the
 * agent's claim): the PR/MR, the pushed head, the checks it ran in the sandbox and the patch validator's
 * verdict.
 */
export interface ChildDelivery {
  /** The PR/MR's web URL and number (GitLab: iid). */
  readonly url: string;
  readonly number: number;
  /** The head branch pushed to. */
  readonly branch: string;
  /** The commit delivery pushed (the PR's head when it pushed). */
  readonly headSha: string;
  /** Paths the change touches (relative to the repository root). */
  readonly changedFiles: readonly string[];
  /** The configured checks (tests) delivery ran in the sandbox on that commit; null when none are configured. */
  readonly checks: {
    readonly passed: boolean;
    readonly results: readonly {
      readonly name: string;
      readonly exitCode: number | null;
      readonly timedOut: boolean;
      /** sha256 (hex) of the check's kept stdout and stderr. */
      readonly outputSha256: string;
    }[];
  } | null;
  /** The patch validator's verdict on the diff (scope, size, secrets, protected paths). */
  readonly patch: { readonly passed: boolean; readonly problems: readonly string[] };
}

/** One child to start. `key` is unique within the pipeline and makes spawning idempotent. */
export interface SpawnRequest {
  /** e.g. `code`, `review-1`, `fix-2`: a second spawn with the same key returns the first child. */
  readonly key: string;
  readonly workflowId: string;
  readonly goal: string;
  readonly context: JsonObject;
  /** The repository (path of its checkout) the child works on. */
  readonly workspace: string;
  /**
   * Work on this existing branch (a fix round on the PR's branch) instead of a new `worktrain/<id>` one.
   * Absent: a fresh branch from the base.
   */
  readonly branch?: string;
  /** Whether the child's result is delivered (commit, push, PR/MR) or only read (a review). */
  readonly deliver: boolean;
}

/** A started child. */
export interface ChildHandle {
  readonly key: string;
  readonly sessionId: string;
}

/**
 * Starts and watches child sessions. Implementations must make `spawn` idempotent on
 * `(pipelineId, request.key)` — a coordinator resumed after a crash spawns again and must get the same
 * child — and must stop a child at its next model request once `budget.exhausted()` is non-null.
 */
export interface SessionLauncher {
  /** Errors: SPAWN_FAILED (unknown workflow, no workspace, queue refused). */
  spawn(
    pipelineId: string,
    request: SpawnRequest,
    budget: BudgetGate,
  ): Promise<Result<ChildHandle, CoordinatorError>>;
  /**
   * Resolves when every handle has ended (in the handles' order). Errors: AWAIT_TIMEOUT after `timeoutMs`
   * (details.pending: keys), AWAIT_CANCELLED when `signal` aborts. Children keep running on an error.
   */
  await(
    handles: readonly ChildHandle[],
    options: {
      readonly timeoutMs: number;
      readonly signal?: AbortSignal;
      /** The pipeline's budget gate, for children that (re)start while awaited (after a restart). */
      readonly budget?: BudgetGate;
    },
  ): Promise<Result<readonly ChildOutcome[], CoordinatorError>>;
  /** Kills the children still running (the kill switch), recording `reason`. Never throws. */
  stop(handles: readonly ChildHandle[], reason: string): Promise<void>;
}

/** The pipeline budget as a launcher sees it: charge spend, ask whether anything is left. */
export interface BudgetGate {
  /** Adds a child's new spend (deltas, not totals). */
  charge(childKey: string, delta: Partial<ChildUsage>): void;
  /** The first limit reached, or null while there is budget left. */
  exhausted(): BudgetHit | null;
}

/** Limits of one pipeline, over all its children (parallel ones included). */
export interface PipelineBudget {
  readonly maxSessions: number;
  readonly maxTurns: number;
  readonly maxTokens: number;
  /** USD. */
  readonly maxCostUsd: number;
  /** ms from the pipeline's start. */
  readonly maxWallClockMs: number;
}

/** Which limit was reached, its value and what was observed. */
export interface BudgetHit {
  readonly limit: keyof PipelineBudget;
  readonly max: number;
  readonly observed: number;
}
