/**
 * The engine's public API types: the contract the MCP server, the CLI and (later) the daemon code against.
 * Shapes follow WorkRail's v2 MCP tool outputs so existing agent prompts keep working
 * (source: EtienneBBeaulac/workrail src/mcp/output-schemas.ts, MIT).
 */
import type {
  Blocker,
  Clock,
  IdGenerator,
  JsonObject,
  JsonValue,
  Logger,
  ResultAsync,
  WorkTrainError,
} from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';

export type EngineErrorCode =
  | 'WORKFLOW_NOT_FOUND'
  | 'WORKFLOW_INVALID'
  | 'COMPILE_FAILED'
  | 'INPUT_INVALID'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_BAD_SIGNATURE'
  | 'TOKEN_UNKNOWN_KEY'
  | 'TOKEN_WRONG_KIND'
  | 'TOKEN_SESSION_MISMATCH'
  | 'TOKEN_STALE'
  | 'TOKEN_NODE_NOT_FOUND'
  | 'SESSION_NOT_FOUND'
  | 'SESSION_ENDED'
  | 'ADVANCE_CONFLICT'
  | 'CIRCUIT_OPEN'
  | 'OUTPUT_TOO_LARGE'
  | 'CONTEXT_TOO_DEEP'
  | 'SNAPSHOT_MISSING'
  | 'KEYRING_IO'
  | 'KEYRING_CORRUPT'
  | 'STORE_ERROR'
  | 'INTERNAL_ERROR';
/**
 * Errors of the engine. `STORE_ERROR` carries the session store's code in `details.storeCode`;
 * `INTERNAL_ERROR` is a bug (an unexpected exception, logged), returned rather than thrown.
 */
export type EngineError = WorkTrainError<EngineErrorCode>;

export type ModelTier = 'lightweight' | 'mid' | 'heavy';

/** The step the agent must perform now. */
export interface PendingStep {
  readonly stepId: string;
  readonly title: string;
  /** Fully rendered prompt (promptBlocks, refs, features, bindings, loop variables resolved). */
  readonly prompt: string;
  readonly agentRole?: string;
  readonly modelTier?: ModelTier;
  /**
   * A parallel step's delegations that apply now, inputs resolved: a runtime may start each as a child
   * session and advance with their merged results instead of prompting its agent (the daemon does).
   */
  readonly delegations?: readonly PendingDelegation[];
}

/** One delegation of a pending parallel step. */
export interface PendingDelegation {
  readonly workflowId: string;
  /** The delegation's own goal; null: the runtime derives one from the parent's. */
  readonly goal: string | null;
  /** The child's initial context: `contextMapping` values read from the parent's context, then `args`. */
  readonly inputs: JsonObject;
  readonly modelTier: ModelTier | null;
}

export interface Preferences {
  readonly autonomy: 'guided' | 'full_auto_stop_on_user_deps' | 'full_auto_never_stop';
  readonly riskPolicy: 'conservative' | 'balanced' | 'aggressive';
}

export type NextIntent =
  | 'perform_pending_then_continue'
  | 'await_user_confirmation'
  | 'rehydrate_only'
  | 'complete';

export type NextCall = {
  readonly tool: 'continue_workflow';
  readonly params: { readonly continueToken: string };
} | null;

/** Common fields of start/continue responses. */
export interface StepResponseBase {
  readonly sessionId: string;
  /** `ct_…`: advance authority for the pending node. Present whenever `pending` is non-null. */
  readonly continueToken?: string;
  /** `ck_…`: lets the agent checkpoint the current node. */
  readonly checkpointToken?: string;
  readonly isComplete: boolean;
  readonly pending: PendingStep | null;
  readonly preferences: Preferences;
  readonly nextIntent: NextIntent;
  readonly nextCall: NextCall;
  /** Workflow metaGuidance, surfaced on start and rehydrate only. */
  readonly metaGuidance?: readonly string[];
}

export type StartResponse = StepResponseBase;

export type ContinueResponse =
  | (StepResponseBase & { readonly kind: 'ok'; readonly replayed?: boolean })
  | (StepResponseBase & {
      readonly kind: 'blocked';
      /** Sorted deterministically by code then pointer. */
      readonly blockers: readonly Blocker[];
      readonly retryable: boolean;
      /** `ct_…` for the retry (next attempt of the same node). */
      readonly retryContinueToken?: string;
      readonly assessmentFollowup?: { readonly title: string; readonly guidance: string };
    })
  | {
      /** Autonomous sessions: the step's output was accepted but a gate must be resolved first. */
      readonly kind: 'gate_checkpoint';
      readonly sessionId: string;
      readonly gateToken: string;
      readonly stepId: string;
      readonly gateKind: 'coordinator_eval' | 'human_approval' | 'confirmation_required';
    };

export interface CheckpointResponse {
  readonly sessionId: string;
  readonly checkpointNodeId: string;
  /** `st_…`: read-only token; pass to continue_workflow with intent "rehydrate" in a later chat. */
  readonly resumeToken: string;
  readonly nextCall: NextCall;
}

export interface ResumeCandidate {
  readonly sessionId: string;
  readonly workflowId: string;
  readonly sessionTitle: string | null;
  readonly resumeToken: string;
  readonly snippet: string;
  readonly confidence: 'strong' | 'medium' | 'weak';
  readonly matchExplanation: string;
  readonly pendingStepId: string | null;
  readonly isComplete: boolean;
  readonly lastModifiedMs: number | null;
  readonly whyMatched: readonly string[];
  readonly nextCall: {
    readonly tool: 'continue_workflow';
    readonly params: { readonly continueToken: string; readonly intent: 'rehydrate' };
  };
}

export interface WorkflowListItem {
  readonly workflowId: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly kind: 'workflow';
  readonly workflowHash: string | null;
  readonly source: { readonly kind: 'bundled' | 'user' | 'project' | 'custom'; readonly path: string };
  readonly examples?: readonly string[];
}

export interface StartInput {
  readonly workflowId: string;
  readonly workspacePath?: string;
  readonly goal?: string;
  readonly context?: JsonObject;
  readonly parentSessionId?: string;
  /** 'interactive' (default): confirmation gates ask the user; 'autonomous': gates return gate_checkpoint. */
  readonly mode?: 'interactive' | 'autonomous';
  readonly source?: 'mcp' | 'cli' | 'daemon' | 'coordinator' | 'api' | 'test';
}

export interface ContinueInput {
  readonly continueToken: string;
  readonly intent?: 'advance' | 'rehydrate';
  readonly output?: { readonly notesMarkdown?: string; readonly artifacts?: readonly JsonValue[] };
  readonly context?: JsonObject;
  readonly workspacePath?: string;
}

/** Limits applied to agent input. Units: bytes for sizes. Defaults in `DEFAULT_ENGINE_LIMITS`. */
export interface EngineLimits {
  /** Max UTF-8 bytes of `output.notesMarkdown` (default 262 144 = 256 KiB). */
  readonly maxNotesBytes: number;
  /** Max serialised bytes of all artifacts of one advance (default 1 048 576). */
  readonly maxArtifactsBytes: number;
  /** Max nesting depth of context / artifacts (default 64). */
  readonly maxJsonDepth: number;
  /** Max serialised bytes of the merged context (default 262 144). */
  readonly maxContextBytes: number;
  /** Consecutive blocked attempts on one node before the circuit breaker opens (default 5). */
  readonly maxConsecutiveBlocked: number;
}

/** The engine. All methods return errors as values; none throws on bad input. */
export interface Engine {
  listWorkflows(input?: { readonly workspacePath?: string }): ResultAsync<
    {
      readonly workflows: readonly WorkflowListItem[];
      readonly validationWarnings?: readonly {
        workflowId: string;
        path: string;
        errors: readonly string[];
      }[];
    },
    EngineError
  >;
  inspectWorkflow(input: {
    readonly workflowId: string;
    readonly mode?: 'metadata' | 'preview';
    readonly workspacePath?: string;
  }): ResultAsync<
    {
      readonly workflowId: string;
      readonly workflowHash: string;
      readonly mode: 'metadata' | 'preview';
      readonly compiled: JsonValue;
    },
    EngineError
  >;
  startWorkflow(input: StartInput): ResultAsync<StartResponse, EngineError>;
  continueWorkflow(input: ContinueInput): ResultAsync<ContinueResponse, EngineError>;
  checkpointWorkflow(input: {
    readonly checkpointToken: string;
  }): ResultAsync<CheckpointResponse, EngineError>;
  resumeSession(input: {
    readonly query?: string;
    readonly sessionId?: string;
    readonly workspacePath?: string;
    readonly sameWorkspaceOnly?: boolean;
  }): ResultAsync<
    { readonly candidates: readonly ResumeCandidate[]; readonly totalEligible: number },
    EngineError
  >;
  /** Resolves a parked gate (human approval / coordinator evaluation) of an autonomous session. */
  resolveGate(input: {
    readonly gateToken: string;
    readonly verdict: 'approved' | 'rejected';
    readonly actor: string;
    readonly reason?: string;
  }): ResultAsync<ContinueResponse, EngineError>;
}

/** Options of `createEngine`, documented field by field. */
export interface EngineOptions {
  /** Durable event log. */
  readonly store: SessionStore;
  /** HMAC keys for tokens (see `createFileKeyring` / `createMemoryKeyring`). */
  readonly keyring: Keyring;
  /** Where workflow definitions come from (see `createWorkflowRegistry`). */
  readonly workflows: WorkflowRegistry;
  readonly clock?: Clock;
  readonly ids?: IdGenerator;
  readonly logger?: Logger;
  readonly limits?: Partial<EngineLimits>;
  /**
   * Bounds of the in-memory session cache (defaults in `DEFAULT_SESSION_CACHE`; `{ maxSessions: 0 }` turns
   * it off). The engine keeps the indexed logs of recently used sessions and brings one up to date by
   * reading only the events after its last seq, so an advance costs the same at step 10 000 as at step 10,
   * and writes by other processes to the same store are seen on the next call.
   */
  readonly sessionCache?: Partial<SessionCacheLimits>;
}

/** Bounds of the engine's session cache (least recently used sessions are evicted first). */
export interface SessionCacheLimits {
  /** Sessions kept (default 64; 0 = no cache: every call reads the whole log). */
  readonly maxSessions: number;
  /**
   * Events kept over all cached sessions (default 100 000, about 1 KiB of memory each). A session with
   * more events than this is not cached.
   */
  readonly maxEvents: number;
}

/** HMAC-SHA256 key ring. The current key signs; any key still in the ring verifies (rotation). */
export interface Keyring {
  readonly currentKeyId: string;
  /** Key bytes by id, or undefined when the id is unknown (rotated out or forged). */
  key(keyId: string): Uint8Array | undefined;
}

/** Where a workflow definition was found. Later sources shadow earlier ones with the same id. */
export interface WorkflowSourceDir {
  readonly kind: 'bundled' | 'user' | 'project' | 'custom';
  readonly dir: string;
}

/** A validated workflow definition with its origin. `definition` is the parsed, validated JSON. */
export interface LoadedWorkflow {
  readonly workflowId: string;
  readonly source: { readonly kind: WorkflowSourceDir['kind']; readonly path: string };
  readonly definition: JsonObject;
}

/** Loads workflows from directories on each call (so edits are picked up by new sessions). */
export interface WorkflowRegistry {
  list(input?: { readonly workspacePath?: string }): ResultAsync<
    {
      readonly workflows: readonly LoadedWorkflow[];
      readonly invalid: readonly { path: string; workflowId: string | null; errors: readonly string[] }[];
    },
    EngineError
  >;
  get(
    workflowId: string,
    input?: { readonly workspacePath?: string },
  ): ResultAsync<LoadedWorkflow, EngineError>;
}
