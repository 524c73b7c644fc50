/**
 * `/api/v1/pipelines` (issue #15): dispatch a pipeline (or, with `dryRun`, only its stage plan and budget),
 * list them, read one with its children, spend and proof record, add operator guidance to one (`tell`),
 * cancel one; `/api/v1/pipeline-kinds` lists
 * the kinds with their plans.
 */
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import type { RuntimeError } from '../errors.js';
import { DispatchPayloadSchema, dispatchTarget } from '../payload.js';
import type { PipelineService } from '../pipelines/service.js';

const Budget = z
  .strictObject({
    maxSessions: z.number().int().min(1).max(1000),
    maxTurns: z.number().int().min(1),
    maxTokens: z.number().int().min(1),
    /** USD. */
    maxCostUsd: z.number().positive(),
    /** ms. */
    maxWallClockMs: z.number().int().min(1),
  })
  .partial();

/** `POST /api/v1/pipelines`: the dispatch fields (forge, repo/project, issue…) plus the kind and budget. */
export const PipelineDispatchBodySchema = DispatchPayloadSchema.omit({
  kind: true,
  workflowId: true,
  context: true,
  dryRun: true,
  template: true,
  parentSessionId: true,
}).extend({
  kind: z.string().min(1).max(100).default('feature'),
  budget: Budget.optional(),
  /** Only plan: the stages and the budget, nothing recorded or started. */
  dryRun: z.boolean().optional(),
  actor: z.string().max(200).optional(),
});

const CancelBody = z.strictObject({
  reason: z.string().min(1).max(2000).optional(),
  actor: z.string().max(200).optional(),
});

const TellBody = z.strictObject({
  text: z.string().min(1).max(4000),
  actor: z.string().max(200).optional(),
});

const STATUSES = ['running', 'completed', 'escalated', 'failed', 'cancelled'] as const;

type BodyReader = <T>(c: Context, schema: z.ZodType<T>) => Promise<{ ok: T } | { res: Response }>;

/** Adds the pipeline routes to the authenticated API. */
export function mountPipelineRoutes(
  api: Hono,
  pipelines: PipelineService,
  helpers: { readonly body: BodyReader; readonly fail: (c: Context, e: RuntimeError) => Response },
): void {
  const { body, fail } = helpers;
  api.get('/pipeline-kinds', (c) => c.json({ kinds: pipelines.kinds() }));
  api.post('/pipelines', async (c) => {
    const b = await body(c, PipelineDispatchBodySchema);
    if ('res' in b) return b.res;
    const { kind, budget, dryRun, actor, goal, workspace, title, ...target } = b.ok;
    if (dryRun === true) {
      const plan = pipelines.plan(kind, budget);
      return plan.isOk() ? c.json({ dryRun: true, plan: plan.value }) : fail(c, plan.error);
    }
    const r = await pipelines.dispatch({
      kind,
      goal,
      workspace,
      ...(title === undefined ? {} : { title }),
      target: dispatchTarget({ kind: 'dispatch', workflowId: kind, goal, workspace, ...target }, {}),
      ...(budget === undefined ? {} : { budget }),
      actor: actor ?? 'api',
    });
    return r.isOk() ? c.json(r.value, 202) : fail(c, r.error);
  });
  api.get('/pipelines', (c) => {
    const status = c.req.query('status');
    const found = STATUSES.find((s) => s === status);
    if (status !== undefined && found === undefined)
      return c.json({ code: 'QUERY_INVALID', message: `unknown status ${status}`, details: {} }, 400);
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return c.json({ code: 'QUERY_INVALID', message: 'limit must be 1..1000', details: {} }, 400);
    const r = pipelines.list({ ...(found === undefined ? {} : { status: found }), limit });
    return r.isOk() ? c.json({ pipelines: r.value }) : fail(c, r.error);
  });
  api.get('/pipelines/:id', async (c) => {
    const r = await pipelines.get(c.req.param('id'));
    return r.isOk() ? c.json(r.value) : fail(c, r.error);
  });
  api.post('/pipelines/:id/tell', async (c) => {
    const b = await body(c, TellBody);
    if ('res' in b) return b.res;
    const r = pipelines.tell(c.req.param('id'), b.ok.actor ?? 'api', b.ok.text);
    return r.isOk() ? c.json({ ...r.value, accepted: true }, 202) : fail(c, r.error);
  });
  api.post('/pipelines/:id/cancel', async (c) => {
    const b = await body(c, CancelBody);
    if ('res' in b) return b.res;
    const r = pipelines.cancel(
      c.req.param('id'),
      b.ok.actor ?? 'api',
      b.ok.reason ?? 'cancelled via the API',
    );
    return r.isOk() ? c.json({ ...r.value, cancelRequested: true }, 202) : fail(c, r.error);
  });
}
