import { timingSafeEqual } from 'node:crypto';
import type { SessionEvent } from '@worktrain/contracts';
import { APPROVAL_STATES } from '@worktrain/delivery';
import { TASK_STATES } from '@worktrain/queue';
import type { SessionStatus } from '@worktrain/session-store';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as z from 'zod';
import { queueDepth } from '../daemon-state.js';
import type { RuntimeError, RuntimeErrorCode } from '../errors.js';
import type { Operations } from '../operations.js';
import { DispatchPayloadSchema } from '../payload.js';
import type { RuntimeParts } from '../runtime.js';
import { clientAborted } from './client-abort.js';
import { renderMetrics } from './metrics.js';
import { mountPipelineRoutes } from './pipelines.js';
import { handleWebhook } from './webhooks.js';

const STATUS: Record<RuntimeErrorCode, ContentfulStatusCode> = {
  CONFIG_READ: 500,
  CONFIG_YAML: 500,
  CONFIG_INVALID: 500,
  HOME_UNUSABLE: 500,
  STORE_OPEN_FAILED: 500,
  QUEUE_OPEN_FAILED: 500,
  TRIGGERS_FAILED: 500,
  KEYRING_FAILED: 500,
  MODEL_FAILED: 500,
  LISTEN_FAILED: 500,
  SESSION_NOT_FOUND: 404,
  PIPELINE_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  SESSION_NOT_RUNNING: 409,
  INVALID_STATE: 409,
  PAYLOAD_INVALID: 400,
  APPROVAL_NOT_FOUND: 404,
  INTERNAL: 500,
};

/** The JSON error body of every failure: `{code, message, details}`. */
export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { code, message, details };
}

const fail = (c: Context, e: RuntimeError) =>
  c.json(errorBody(e.code, e.message, e.details ?? {}), STATUS[e.code]);

const KillBody = z.strictObject({
  reason: z.string().min(1).max(2000).optional(),
  actor: z.string().max(200).optional(),
});
const SteerBody = z.strictObject({
  message: z.string().min(1).max(65_536),
  actor: z.string().max(200).optional(),
});
const ContinueBody = z.strictObject({
  message: z.string().min(1).max(65_536).optional(),
  actor: z.string().max(200).optional(),
});
const RequeueBody = z.strictObject({
  reason: z.string().min(1).max(2000),
  actor: z.string().max(200).optional(),
});
const ApprovalBody = z.strictObject({
  reason: z.string().max(2000).optional(),
  actor: z.string().max(200).optional(),
});
const KillAllBody = KillBody;
const SESSION_STATUSES = [
  'running',
  'blocked',
  'awaiting_approval',
  'completed',
  'failed',
  'aborted',
] as const;

/**
 * The daemon's HTTP API (DESIGN §10): `/health`, `/metrics`, `/webhooks/:triggerId`, and `/api/v1/*` behind
 * the bearer token. Bodies are size-limited (413) and zod-validated (400); errors are `{code, message,
 * details}`.
 */
export function createApp(parts: RuntimeParts, ops: Operations): Hono {
  const app = new Hono();
  const maxBytes = parts.config.maxRequestBytes;
  const tooLarge = (c: Context) =>
    c.json(
      errorBody('PAYLOAD_TOO_LARGE', `request body exceeds ${maxBytes} bytes`, { limit: maxBytes }),
      413,
    );

  app.onError((thrown, c) => {
    // A client that hangs up mid-request is not a daemon failure: debug, not error.
    if (clientAborted(thrown, c)) {
      parts.logger.debug({ path: c.req.path, error: String(thrown) }, 'client closed the request');
      return c.json(errorBody('CLIENT_CLOSED', 'the client closed the request'), 400);
    }
    parts.logger.error(
      { path: c.req.path, code: 'INTERNAL', error: String(thrown) },
      `unhandled API error: ${String(thrown)}`,
    );
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));

  // Names its home and start time: clients act only on the daemon of their own home (daemon-state.ts).
  app.get('/health', async (c) =>
    c.json({
      status: 'ok',
      pid: process.pid,
      home: parts.paths.home,
      startedAt: new Date(parts.startedAt).toISOString(),
      uptimeMs: parts.clock.now() - parts.startedAt,
      activeSessions: parts.active.list().length,
      queue: await queueDepth(parts.queue, parts.config.queue.name),
      // Fail closed is visible: `agentSessions: refused` while mode enforce has no working backend.
      sandbox: {
        mode: parts.sandbox.mode,
        backend: parts.sandbox.sandbox?.info.backend ?? null,
        agentSessions: parts.sandbox.sandbox === null ? 'refused' : 'running',
        ...(parts.sandbox.error === null ? {} : { error: parts.sandbox.error.message }),
      },
    }),
  );
  app.get('/metrics', async (c) => {
    const text = await renderMetrics(parts, ops);
    return c.text(text, 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  // Webhooks: the route reads at most 25 MiB (GitHub's maximum) itself; the trigger's own limit applies inside.
  app.post('/webhooks/:triggerId', (c) => handleWebhook(c, parts, ops));

  const api = new Hono();
  api.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (m === null || !sameSecret(m[1] ?? '', parts.token))
      return c.json(
        errorBody('UNAUTHORIZED', 'missing or wrong bearer token (see $WORKTRAIN_HOME/daemon.token)'),
        401,
        {
          'www-authenticate': 'Bearer',
        },
      );
    await next();
  });
  api.use('*', bodyLimit({ maxSize: maxBytes, onError: tooLarge }));

  const body = async <T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: T } | { res: Response }> => {
    let raw: unknown = {};
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        raw = JSON.parse(text);
      } catch {
        return { res: c.json(errorBody('BODY_INVALID', 'request body is not JSON'), 400) };
      }
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      return {
        res: c.json(
          errorBody('BODY_INVALID', 'request body does not match the schema', {
            issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
          }),
          400,
        ),
      };
    return { ok: parsed.data };
  };

  api.get('/sessions', async (c) => {
    const status = c.req.queries('status')?.flatMap((s) => s.split(','));
    const bad = status?.find((s) => !(SESSION_STATUSES as readonly string[]).includes(s));
    if (bad !== undefined) return c.json(errorBody('QUERY_INVALID', `unknown status ${bad}`), 400);
    const limit = Number(c.req.query('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return c.json(errorBody('QUERY_INVALID', 'limit must be 1..1000'), 400);
    const parent = c.req.query('parent');
    const r = await ops.listSessions({
      ...(status !== undefined ? { status: status as SessionStatus[] } : {}),
      ...(parent !== undefined && parent !== '' ? { parentSessionId: parent } : {}),
      limit,
    });
    return r.isOk() ? c.json({ sessions: r.value }) : fail(c, r.error);
  });
  api.get('/sessions/:id', async (c) => {
    const r = await ops.getSession(c.req.param('id'));
    return r.isOk() ? c.json(r.value) : fail(c, r.error);
  });
  api.get('/sessions/:id/events', async (c) => sessionEvents(c, parts, ops));
  api.post('/sessions/:id/kill', async (c) => {
    const b = await body(c, KillBody);
    if ('res' in b) return b.res;
    const r = await ops.kill(c.req.param('id'), b.ok.actor ?? 'api', b.ok.reason ?? 'killed via the API');
    return r.isOk() ? c.json(r.value) : fail(c, r.error);
  });
  api.post('/sessions/kill-all', async (c) => {
    const b = await body(c, KillAllBody);
    if ('res' in b) return b.res;
    const r = await ops.killAll(b.ok.actor ?? 'api', b.ok.reason ?? 'kill switch (all sessions)');
    return r.isOk() ? c.json({ killed: r.value }) : fail(c, r.error);
  });
  api.post('/sessions/:id/steer', async (c) => {
    const b = await body(c, SteerBody);
    if ('res' in b) return b.res;
    const r = ops.steer(c.req.param('id'), b.ok.message, b.ok.actor ?? 'api');
    return r.isOk() ? c.json({ accepted: true }, 202) : fail(c, r.error);
  });
  api.post('/sessions/:id/resume', async (c) => {
    const r = await ops.resume(c.req.param('id'), 'api');
    return r.isOk() ? c.json({ task: r.value }, 202) : fail(c, r.error);
  });
  api.post('/sessions/:id/continue', async (c) => {
    const b = await body(c, ContinueBody);
    if ('res' in b) return b.res;
    const r = await ops.continueSession(
      c.req.param('id'),
      b.ok.message !== undefined ? { message: b.ok.message } : {},
      b.ok.actor ?? 'api',
    );
    return r.isOk() ? c.json(r.value, 202) : fail(c, r.error);
  });
  api.post('/dispatch', async (c) => {
    const b = await body(c, DispatchPayloadSchema.omit({ kind: true }));
    if ('res' in b) return b.res;
    const r = await ops.dispatch({ kind: 'dispatch', ...b.ok }, 'api');
    return r.isOk() ? c.json(r.value, r.value.created ? 202 : 200) : fail(c, r.error);
  });
  mountPipelineRoutes(api, parts.pipelines, { body, fail });
  api.get('/triggers', (c) => c.json({ triggers: ops.listTriggers() }));
  api.post('/triggers/:id/fire', async (c) => {
    const r = await ops.fireTrigger(c.req.param('id'));
    return r.isOk() ? c.json(r.value, 202) : fail(c, r.error);
  });
  api.get('/queue', async (c) => {
    const state = c.req.query('state');
    if (state !== undefined && !(TASK_STATES as readonly string[]).includes(state))
      return c.json(errorBody('QUERY_INVALID', `unknown state ${state}`), 400);
    const found = TASK_STATES.find((s) => s === state);
    const r = await ops.listTasks(found !== undefined ? { state: found } : {});
    return r.isOk() ? c.json({ tasks: r.value }) : fail(c, r.error);
  });
  api.post('/queue/:id/requeue', async (c) => {
    const b = await body(c, RequeueBody);
    if ('res' in b) return b.res;
    const r = await ops.requeue(c.req.param('id'), b.ok.reason, b.ok.actor ?? 'api');
    return r.isOk() ? c.json({ task: r.value }) : fail(c, r.error);
  });
  // `approvals`: workflow gates parked by sessions; `requests`: blast-radius approval requests (policy.yaml).
  api.get('/approvals', (c) => {
    const state = c.req.query('state');
    if (state !== undefined && !(APPROVAL_STATES as readonly string[]).includes(state))
      return c.json(errorBody('QUERY_INVALID', `unknown approval state ${state}`), 400);
    const found = APPROVAL_STATES.find((s) => s === state);
    const sessionId = c.req.query('sessionId');
    const requests = ops.listApprovalRequests({
      ...(found !== undefined ? { state: found } : {}),
      ...(sessionId !== undefined ? { sessionId } : {}),
    });
    if (requests.isErr()) return fail(c, requests.error);
    return c.json({ approvals: ops.listApprovals(), requests: requests.value });
  });
  api.get('/approvals/:id', (c) => {
    const r = ops.getApprovalRequest(c.req.param('id'));
    return r.isOk() ? c.json(r.value) : fail(c, r.error);
  });
  for (const verdict of ['approve', 'reject'] as const)
    api.post(`/approvals/:sessionId/${verdict}`, async (c) => {
      const b = await body(c, ApprovalBody);
      if ('res' in b) return b.res;
      const id = c.req.param('sessionId');
      // An approval request id (`appr_…`) decides that request; a session id resolves its parked gate.
      if (id.startsWith('appr_')) {
        const decided = await ops.decideApprovalRequest(
          id,
          verdict === 'approve' ? 'approved' : 'rejected',
          b.ok.actor ?? 'api',
          b.ok.reason,
        );
        return decided.isOk() ? c.json({ approval: decided.value }) : fail(c, decided.error);
      }
      const r = await ops.resolveApproval(
        c.req.param('sessionId'),
        verdict === 'approve' ? 'approved' : 'rejected',
        b.ok.actor ?? 'api',
        b.ok.reason,
      );
      return r.isOk() ? c.json(r.value) : fail(c, r.error);
    });
  api.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      let n = 0;
      const queue: string[] = [];
      let wake: (() => void) | null = null;
      const off = parts.events.subscribe((e) => {
        queue.push(JSON.stringify(e));
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      while (!stream.aborted) {
        while (queue.length > 0)
          await stream.writeSSE({ id: String(++n), event: 'daemon', data: queue.shift() ?? '' });
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 15_000);
        });
        wake = null;
        if (queue.length === 0 && !stream.aborted) await stream.writeSSE({ event: 'ping', data: '' });
      }
      off();
    }),
  );
  app.route('/api/v1', api);
  return app;
}

/**
 * The rest of a refused body is never read, so the connection must not be reused (a keep-alive client
 * would send its next request into the unread body). @hono/node-server drops a `Connection` header set
 * through hono, so this goes to Node's response object.
 */
export function closeAfterResponse(c: Context): void {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('outgoing' in env)) return;
  const outgoing: unknown = env.outgoing;
  if (typeof outgoing !== 'object' || outgoing === null) return;
  if ('shouldKeepAlive' in outgoing) outgoing.shouldKeepAlive = false;
  if ('setHeader' in outgoing && typeof outgoing.setHeader === 'function')
    outgoing.setHeader('connection', 'close');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** SSE of a session's events: replay after `Last-Event-ID` (a seq) or `?after=`, then live. */
async function sessionEvents(c: Context, parts: RuntimeParts, ops: Operations): Promise<Response> {
  const sessionId = c.req.param('id') ?? '';
  const exists = await ops.getSession(sessionId);
  if (exists.isErr())
    return c.json(
      errorBody(exists.error.code, exists.error.message),
      exists.error.code === 'SESSION_NOT_FOUND' ? 404 : 500,
    );
  const fromHeader = c.req.header('last-event-id') ?? c.req.query('after') ?? '0';
  const after = Number(fromHeader);
  if (!Number.isInteger(after) || after < 0)
    return c.json(errorBody('QUERY_INVALID', 'Last-Event-ID must be a non-negative sequence number'), 400);
  const follow = c.req.query('follow') !== 'false';
  return streamSSE(c, async (stream) => {
    const live: SessionEvent[] = [];
    let wake: (() => void) | null = null;
    const off = parts.store.subscribe(sessionId, (e) => {
      live.push(e);
      wake?.();
    });
    stream.onAbort(() => {
      off();
      wake?.();
    });
    let last = after;
    const send = async (e: SessionEvent): Promise<void> => {
      if (e.seq <= last) return;
      last = e.seq;
      await stream.writeSSE({ id: String(e.seq), event: e.kind, data: JSON.stringify(e) });
    };
    for (;;) {
      const page = await parts.store.readEvents(sessionId, { afterSeq: last, limit: 500 });
      if (page.isErr() || page.value.length === 0) break;
      for (const e of page.value) await send(e);
    }
    while (follow && !stream.aborted) {
      while (live.length > 0) {
        const e = live.shift();
        if (e !== undefined) await send(e);
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 15_000);
      });
      wake = null;
      if (live.length === 0 && !stream.aborted) await stream.writeSSE({ event: 'ping', data: '' });
    }
    off();
  });
}
