import * as z from 'zod';
import { JsonObjectSchema, JsonValueSchema } from './json.js';

/**
 * Session events: the closed union of everything that can happen in a session. A session's state is a
 * pure projection of its ordered events; the console's timeline is rebuilt from them alone.
 *
 * Every event kind has a `data` schema here. Adding a field is backwards compatible only when it is
 * optional; anything else bumps {@link SESSION_EVENT_VERSION} and needs an upcaster in the session store.
 */
export const SESSION_EVENT_VERSION = 1 as const;

const id = z.string().min(1).max(128);
const text = z.string();

/** Where a session came from. */
export const SessionSourceSchema = z.enum(['mcp', 'cli', 'daemon', 'coordinator', 'api', 'test']);

export const BlockerSchema = z.object({
  /** Closed set of blocker codes, WorkRail-compatible plus our own. */
  code: z.enum([
    'USER_ONLY_DEPENDENCY',
    'MISSING_REQUIRED_OUTPUT',
    'INVALID_REQUIRED_OUTPUT',
    'ASSESSMENT_FOLLOWUP_REQUIRED',
    'MISSING_REQUIRED_NOTES',
    'MISSING_CONTEXT_KEY',
    'CONTEXT_BUDGET_EXCEEDED',
    'VALIDATION_FAILED',
    'OUTPUT_TOO_LARGE',
    'INVARIANT_VIOLATION',
  ]),
  /** JSON-pointer-like location of the problem (`/output/artifacts/0/decision`, `context:ticketId`). */
  pointer: z.string(),
  message: z.string(),
  suggestedFix: z.string().optional(),
});
export type Blocker = z.infer<typeof BlockerSchema>;

export const SessionEventDataSchemas = {
  session_created: z.object({
    workflowId: id,
    workflowVersion: z.string(),
    /** `sha256:<hex>` of the compiled workflow; the snapshot is stored by this hash and never changes. */
    workflowHash: z.string(),
    goal: text.optional(),
    title: text.optional(),
    workspacePath: z.string().nullable(),
    parentSessionId: z.string().nullable(),
    source: SessionSourceSchema,
    /** Initial context (untrusted inputs stay here, labelled as data in prompts). */
    context: JsonObjectSchema,
  }),
  session_started: z.object({ workerId: z.string().optional(), taskId: z.string().optional() }),
  session_completed: z.object({
    outcome: z.enum(['success', 'failure', 'cancelled']),
    summary: text.optional(),
  }),
  session_aborted: z.object({ reason: text, actor: z.string(), code: z.string().optional() }),
  /**
   * A `failed` session carried on from where it stopped, with its history: by an operator after a budget
   * was hit (`sessions continue`; `budget` is the budget that had been hit), or after its task was
   * dead-lettered (`sessions continue`, or the task requeued; no `budget`, `taskId` is the dead task).
   * `limits` is the budget in force from now on (turns, tokens, USD, ms), as configured when it was
   * continued. Completed and aborted sessions are never continued, nor failed ones that ended otherwise.
   */
  session_continued: z.object({
    actor: z.string(),
    previousStatus: z.literal('failed'),
    budget: z
      .enum([
        'turns',
        'wall_clock',
        'tokens',
        'money',
        'stall',
        'repeated_calls',
        'blocked_attempts',
        'pipeline',
      ])
      .optional(),
    taskId: z.string().optional(),
    limits: z.object({
      maxTurns: z.number().optional(),
      maxWallClockMs: z.number().optional(),
      maxTokens: z.number().optional(),
      maxCostUsd: z.number().optional(),
      stallTimeoutMs: z.number().optional(),
      maxRepeatedCalls: z.number().optional(),
    }),
    message: text.optional(),
  }),

  /** A node: one point of the run DAG where a step is pending, a checkpoint, a gate, or the end. */
  node_created: z.object({
    nodeId: id,
    parentNodeId: id.nullable(),
    nodeKind: z.enum(['step', 'checkpoint', 'gate', 'complete']),
    stepId: z.string().nullable(),
    /** Engine-owned execution state snapshot at this node (loop stack, completed steps, …). */
    state: JsonValueSchema,
  }),
  advance_recorded: z.object({
    fromNodeId: id,
    toNodeId: id,
    attempt: z.number().int().nonnegative(),
    /** True when `fromNodeId` already had a child: this advance starts a new branch. */
    fork: z.boolean(),
  }),
  output_appended: z.object({
    nodeId: id,
    stepId: z.string(),
    notesMarkdown: text.optional(),
    artifacts: z.array(JsonValueSchema),
  }),
  validation_performed: z.object({
    nodeId: id,
    stepId: z.string(),
    passed: z.boolean(),
    issues: z.array(z.object({ message: text, pointer: z.string().optional() })),
  }),
  blocked_attempt: z.object({
    nodeId: id,
    stepId: z.string(),
    attempt: z.number().int().nonnegative(),
    blockers: z.array(BlockerSchema),
    retryable: z.boolean(),
    /** Consecutive blocked attempts on this node, for the circuit breaker. */
    consecutive: z.number().int().positive(),
  }),
  assessment_recorded: z.object({
    nodeId: id,
    stepId: z.string(),
    assessmentId: z.string(),
    dimensions: z.array(z.object({ dimensionId: z.string(), level: z.string(), rationale: text.optional() })),
    normalizationNotes: z.array(z.string()),
  }),
  context_set: z.object({
    nodeId: id.nullable(),
    values: JsonObjectSchema,
    removed: z.array(z.string()).optional(),
  }),
  gate_parked: z.object({
    nodeId: id,
    stepId: z.string(),
    gateKind: z.enum(['confirmation', 'human_approval', 'coordinator_eval']),
    reason: text.optional(),
  }),
  gate_resolved: z.object({
    nodeId: id,
    stepId: z.string(),
    verdict: z.enum(['approved', 'rejected']),
    actor: z.string(),
    reason: text.optional(),
  }),
  checkpoint_created: z.object({ nodeId: id, checkpointNodeId: id, label: text.optional() }),
  fork_created: z.object({ fromNodeId: id, newNodeId: id }),
  decision_trace: z.object({
    nodeId: id.nullable(),
    decision: z.string(),
    reason: text,
    data: JsonValueSchema.optional(),
  }),

  llm_turn_started: z.object({
    turn: z.number().int().nonnegative(),
    model: z.string(),
    provider: z.string(),
    /** True for the scripted provider (tests, offline demo): always labelled as such. */
    scripted: z.boolean(),
  }),
  llm_turn_completed: z.object({
    turn: z.number().int().nonnegative(),
    model: z.string(),
    stopReason: z.string(),
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadTokens: z.number().int().nonnegative().optional(),
    cacheWriteTokens: z.number().int().nonnegative().optional(),
    /** US dollars. */
    costUsd: z.number().nonnegative().optional(),
    durationMs: z.number().nonnegative(),
  }),
  tool_call_started: z.object({ toolCallId: z.string(), name: z.string(), input: JsonValueSchema }),
  tool_call_completed: z.object({
    toolCallId: z.string(),
    name: z.string(),
    durationMs: z.number().nonnegative(),
    isError: z.boolean(),
    result: text,
    truncated: z.boolean(),
  }),
  steer_injected: z.object({ message: text, actor: z.string() }),
  issue_reported: z.object({
    severity: z.enum(['info', 'warning', 'error', 'fatal']),
    summary: text,
    details: text.optional(),
  }),
  budget_exceeded: z.object({
    budget: z.enum([
      'turns',
      'wall_clock',
      'tokens',
      'money',
      'stall',
      'repeated_calls',
      'blocked_attempts',
      'pipeline',
    ]),
    limit: z.number(),
    observed: z.number(),
  }),
  delivery_attempted: z.object({
    stage: z.string(),
    target: z.string(),
    attempt: z.number().int().positive(),
  }),
  delivery_recorded: z.object({
    stage: z.string(),
    outcome: z.enum(['succeeded', 'failed', 'skipped', 'awaiting_approval']),
    url: z.string().optional(),
    commitSha: z.string().optional(),
    details: JsonObjectSchema.optional(),
  }),
  usage_recorded: z.object({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    costUsd: z.number().nonnegative(),
    turns: z.number().int().nonnegative(),
    wallClockMs: z.number().nonnegative(),
  }),
  git_metrics: z.object({
    commitShas: z.array(z.string()),
    filesChanged: z.number().int().nonnegative(),
    insertions: z.number().int().nonnegative(),
    deletions: z.number().int().nonnegative(),
  }),
} as const;

export type SessionEventKind = keyof typeof SessionEventDataSchemas;
export const SESSION_EVENT_KINDS = Object.keys(SessionEventDataSchemas) as SessionEventKind[];

type DataOf<K extends SessionEventKind> = z.infer<(typeof SessionEventDataSchemas)[K]>;

/** An event to append: kind + data. The store adds sequence, time, hashes. */
export type NewSessionEvent = { [K in SessionEventKind]: { kind: K; data: DataOf<K> } }[SessionEventKind];

/** The data payload of the event of kind `K`. */
export type SessionEventData<K extends SessionEventKind> = DataOf<K>;

const newEventVariants = SESSION_EVENT_KINDS.map((kind) =>
  z.object({ kind: z.literal(kind), data: SessionEventDataSchemas[kind] }),
);

/** Validates a {@link NewSessionEvent} (closed discriminated union on `kind`). */
export const NewSessionEventSchema = z.discriminatedUnion(
  'kind',
  newEventVariants as unknown as [
    z.ZodObject<{ kind: z.ZodLiteral<SessionEventKind>; data: z.ZodType }>,
    ...z.ZodObject<{ kind: z.ZodLiteral<SessionEventKind>; data: z.ZodType }>[],
  ],
) as unknown as z.ZodType<NewSessionEvent>;

/**
 * A stored event: the envelope the session store adds around a {@link NewSessionEvent}.
 * `hash = sha256(JCS({v, sessionId, seq, eventId, at, kind, data, idempotencyKey, prevHash}))`;
 * the first event's `prevHash` is {@link GENESIS_HASH}.
 */
export type SessionEvent = NewSessionEvent & {
  readonly v: typeof SESSION_EVENT_VERSION;
  readonly sessionId: string;
  /** 1-based, gap-free position in the session's log. */
  readonly seq: number;
  readonly eventId: string;
  /** Milliseconds since the Unix epoch (store clock). */
  readonly at: number;
  /** The idempotency key of the append batch this event belongs to, if any. */
  readonly idempotencyKey: string | null;
  readonly prevHash: string;
  readonly hash: string;
};

export const GENESIS_HASH = `sha256:${'0'.repeat(64)}`;

/** Narrows an event to one kind. */
export function isEventKind<K extends SessionEventKind>(
  event: SessionEvent,
  kind: K,
): event is SessionEvent & { kind: K; data: DataOf<K> } {
  return event.kind === kind;
}
