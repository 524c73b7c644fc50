/** Options and outcomes of `runSession` (the loop's public types). */
import type { Clock, Logger } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import type { SessionStore } from '@worktrain/session-store';
import type { AgentError } from './errors.js';
import type { ActionGate } from './loop/action-gate.js';
import type { Budget, BudgetHit, SharedBudget } from './loop/budget.js';
import type { ConversationStore } from './loop/conversation-store.js';
import type { Delegator } from './loop/delegation.js';
import type { RulesLimits } from './loop/prompt.js';
import type { SteerSource } from './loop/steer.js';
import type { ModelProvider } from './model/provider.js';
import type { AgentTool } from './tools/types.js';

/** Options of {@link runSession}, field by field. */
export interface RunSessionOptions {
  readonly engine: Engine;
  /** The session log the engine writes to; the loop appends its own events there. */
  readonly store: SessionStore;
  /** Where the conversation is persisted (SQLite `agent_conversations`, or memory in tests). */
  readonly conversations: ConversationStore;
  readonly provider: ModelProvider;
  /** Tools offered to the model (default: `createDefaultTools()`). */
  readonly tools?: readonly AgentTool[];
  /** The session's git worktree; every file tool is confined to it. */
  readonly worktree: string;
  readonly sessionId: string;
  /** A `ct_…` (or `st_…`) token of the session's pending step, from startWorkflow / a previous run. */
  readonly continueToken: string;
  readonly budget?: Partial<Budget>;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Kill switch: aborting stops the model stream and kills running commands within a second. */
  readonly signal?: AbortSignal;
  /** Steer messages, drained before each model turn. */
  readonly steer?: SteerSource;
  /** Receives `signal_coordinator` calls (they are also recorded as decision traces). */
  readonly onCoordinatorSignal?: (signal: { kind: string; message: string }) => void | Promise<void>;
  readonly rules?: Partial<RulesLimits>;
  /** Extra system instructions (e.g. the daemon's soul file), placed after the base instructions. */
  readonly instructions?: string;
  /** Characters of a tool result kept in its event (default 2000; the model sees up to the tool cap). */
  readonly eventResultChars?: number;
  /**
   * The blast-radius gate (see {@link ActionGate}): asked before every `bash` command and when the
   * session's cost first exceeds each of its spend thresholds. A refused command is a tool error the model
   * sees; a refused spend ends the run (`budget_exceeded`, budget `money`). Time waiting for a decision
   * does not count against `budget.maxWallClockMs`. Absent: no gate (only the hard budgets).
   */
  readonly actionGate?: ActionGate;
  /**
   * A budget this session shares with others (its pipeline's): charged after every model turn, checked
   * before every model request; when spent the run ends with `budget_exceeded` (budget `pipeline`).
   */
  readonly sharedBudget?: SharedBudget;
  /**
   * Runs a parallel step's delegations as child sessions (the daemon's launcher); the step then advances
   * with their merged results without a model turn. Absent: the model is prompted to delegate.
   */
  readonly delegate?: Delegator;
}

export interface SessionStats {
  /** Model turns over the whole session (including earlier runs). */
  readonly turns: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costUsd: number;
  /** Wall clock of this run in ms. */
  readonly wallClockMs: number;
}

/** How a run ended, without the common fields. */
export type SessionEnding =
  | { readonly kind: 'completed' }
  | {
      readonly kind: 'gate';
      /** Present when this run parked the session; absent when it was found already parked (resume). */
      readonly gateToken?: string;
      readonly stepId: string;
      readonly gateKind: 'coordinator_eval' | 'human_approval' | 'confirmation_required';
    }
  | ({ readonly kind: 'budget_exceeded' } & BudgetHit)
  | { readonly kind: 'failed'; readonly error: AgentError }
  | { readonly kind: 'cancelled'; readonly reason: string };
/** How a run ended: completed, parked at a gate, over a budget, failed or cancelled. */
export type SessionOutcome = SessionEnding & { readonly sessionId: string; readonly stats: SessionStats };
