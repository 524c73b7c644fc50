/**
 * The daemon's pipeline and session answers the CLI reads (`/api/v1/pipelines`, `/api/v1/sessions`),
 * checked with zod at this boundary: only the fields the commands print are required, the rest passes through
 * (`--format json` prints the daemon's documents as they came).
 */
import { err, ok, type Result } from '@worktrain/contracts';
import * as z from 'zod';
import { type CliError, cliError } from '../../cli-error.js';

/** A pipeline's budget (`PipelineBudget` of @worktrain/coordinator-kit): limits across all its children. */
export const BudgetSchema = z.looseObject({
  maxSessions: z.number(),
  maxTurns: z.number(),
  maxTokens: z.number(),
  /** USD. */
  maxCostUsd: z.number(),
  /** ms. */
  maxWallClockMs: z.number(),
});
export type PipelineBudgetView = z.infer<typeof BudgetSchema>;

/** `PipelinePlan`: the stages in breadth-first order from the start, and the budget. */
export const PlanSchema = z.looseObject({
  kind: z.string(),
  description: z.string(),
  stages: z.array(
    z.looseObject({
      name: z.string(),
      description: z.string(),
      next: z.array(z.string()),
      sessions: z.number(),
    }),
  ),
  budget: BudgetSchema,
});
export type PipelinePlanView = z.infer<typeof PlanSchema>;

/** `PipelineSummary`: one row of `GET /api/v1/pipelines`. */
export const PipelineSummarySchema = z.looseObject({
  pipelineId: z.string(),
  kind: z.string(),
  status: z.string(),
  goal: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PipelineSummaryView = z.infer<typeof PipelineSummarySchema>;

const UsageSchema = z.looseObject({ turns: z.number(), tokens: z.number(), costUsd: z.number() });

/** `PipelineDetail` of the runtime: `GET /api/v1/pipelines/:id`. */
export const PipelineDetailSchema = z.looseObject({
  summary: PipelineSummarySchema,
  view: z.looseObject({
    stage: z.string().nullable(),
    status: z.string(),
    endReason: z.string().nullable(),
    startedAt: z.string(),
    budget: BudgetSchema,
    stageAttempts: z.record(z.string(), z.number()),
    cancelRequested: z.looseObject({ actor: z.string(), reason: z.string() }).nullable(),
  }),
  children: z.array(
    z.looseObject({
      key: z.string(),
      sessionId: z.string(),
      workflowId: z.string(),
      ended: z.string().nullable(),
      sessionStatus: z.string().nullable(),
      usage: UsageSchema,
    }),
  ),
  spend: z.looseObject({
    sessions: z.number(),
    turns: z.number(),
    tokens: z.number(),
    costUsd: z.number(),
  }),
  proof: z
    .looseObject({
      proofId: z.string(),
      entries: z.array(
        z.looseObject({
          seq: z.number(),
          gate: z.string(),
          verdict: z.string(),
          note: z.string().optional(),
          actor: z.looseObject({ kind: z.string(), id: z.string() }),
          at: z.string(),
        }),
      ),
      seals: z.array(z.unknown()),
    })
    .nullable(),
});
export type PipelineDetailView = z.infer<typeof PipelineDetailSchema>;

/** A session as `GET /api/v1/sessions` and `GET /api/v1/sessions/:id` show it (`SessionView`). */
export const SessionViewSchema = z.looseObject({
  sessionId: z.string(),
  workflowId: z.string(),
  title: z.string().nullable(),
  goal: z.string().nullable(),
  parentSessionId: z.string().nullable(),
  status: z.string(),
  taskId: z.string().nullable(),
  updatedAt: z.number(),
  failure: z.looseObject({ reason: z.string() }).nullable().optional(),
});
export type SessionApiView = z.infer<typeof SessionViewSchema>;

/** Checks a daemon answer against `schema`; DAEMON_ERROR (code RESPONSE_INVALID) when it does not fit. */
export function readAnswer<T>(schema: z.ZodType<T>, value: unknown, what: string): Result<T, CliError> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  return err(
    cliError('DAEMON_ERROR', `The daemon's answer to ${what} has an unexpected shape`, {
      daemonCode: 'RESPONSE_INVALID',
      issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
    }),
  );
}
