/**
 * A pipeline's event log: the only truth about it (its stage, state, children and spend are a fold of these
 * events), so a coordinator killed at any point resumes where it stopped. Closed union, versioned by kind.
 */
import { JsonObjectSchema } from '@worktrain/contracts';
import * as z from 'zod';

const Usage = z.strictObject({
  turns: z.number().int().nonnegative(),
  tokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
});

export const PipelineStatusSchema = z.enum(['running', 'completed', 'escalated', 'failed', 'cancelled']);
export type PipelineStatus = z.infer<typeof PipelineStatusSchema>;

/** What a pipeline works on. */
export const PipelineInputSchema = z.strictObject({
  goal: z.string().min(1).max(100_000),
  /** The repository checkout the children work in. */
  workspace: z.string().min(1),
  title: z.string().max(500).optional(),
  /** Free data for the stages (the trigger's candidate, the delivery target). */
  context: JsonObjectSchema.default({}),
});
export type PipelineInput = z.infer<typeof PipelineInputSchema>;

export const PipelineEventDataSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('pipeline_started'),
    pipelineKind: z.string().min(1),
    input: PipelineInputSchema,
    budget: z.strictObject({
      maxSessions: z.number().int().positive(),
      maxTurns: z.number().int().positive(),
      maxTokens: z.number().int().positive(),
      maxCostUsd: z.number().positive(),
      maxWallClockMs: z.number().int().positive(),
    }),
  }),
  z.strictObject({
    kind: z.literal('stage_started'),
    stage: z.string(),
    attempt: z.number().int().positive(),
  }),
  z.strictObject({
    kind: z.literal('child_spawned'),
    key: z.string(),
    sessionId: z.string(),
    workflowId: z.string(),
  }),
  z.strictObject({
    kind: z.literal('child_ended'),
    key: z.string(),
    sessionId: z.string(),
    status: z.enum(['completed', 'failed', 'budget_stop', 'killed']),
    reason: z.string().optional(),
    usage: Usage,
  }),
  z.strictObject({
    kind: z.literal('stage_completed'),
    stage: z.string(),
    /** The next stage, or absent when the pipeline ends here (then `end` says how). */
    next: z.string().optional(),
    end: z.enum(['completed', 'escalated', 'failed']).optional(),
    reason: z.string().max(4000).optional(),
    state: JsonObjectSchema,
  }),
  z.strictObject({ kind: z.literal('cancel_requested'), actor: z.string(), reason: z.string().max(2000) }),
  /** Operator guidance (`worktrain tell`): every child started after it gets it as `operatorGuidance`. */
  z.strictObject({ kind: z.literal('guidance_added'), actor: z.string(), text: z.string().min(1).max(4000) }),
  z.strictObject({
    kind: z.literal('pipeline_ended'),
    status: PipelineStatusSchema.exclude(['running']),
    reason: z.string().max(4000),
  }),
]);
export type PipelineEventData = z.infer<typeof PipelineEventDataSchema>;

/** A stored event: its data, position and time (ISO 8601). */
export interface PipelineEvent {
  readonly pipelineId: string;
  readonly seq: number;
  readonly at: string;
  readonly data: PipelineEventData;
}
