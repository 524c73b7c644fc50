/**
 * The daemon's `POST /webhooks/:triggerId` handler over the group commit, wired as the runtime wires it: a
 * real `worktrain.db` (trigger store and queue on one connection), the NotifyingTriggerRouter whose wake-ups
 * must only run once the shared transaction has committed, observed through a second connection.
 * (The same route in a real daemon process over HTTP: daemon-http.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@worktrain/contracts';
import { openSqliteQueue, type SqliteTaskQueue } from '@worktrain/queue';
import { githubWebhookRequest } from '@worktrain/testkit';
import {
  createBuiltinRegistry,
  loadTriggerConfig,
  openTriggerStore,
  type TriggerStore,
} from '@worktrain/triggers';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { createDaemonEventBus, type DaemonEvent } from '../src/daemon-events.js';
import { handleWebhook } from '../src/http/webhooks.js';
import { NotifyingTriggerRouter } from '../src/notifying-router.js';
import { readWebhookExample, WEBHOOK_SECRET } from './helpers.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// `{{$.issue.customer}}` is not in GitHub's payload: a webhook without it is a TEMPLATE_FIELD_MISSING error event.
const TRIGGERS = `triggers:
  - id: gh-issues
    provider: github
    workflowId: test.daemon-fix
    workspace: /srv/widgets
    events: [issues.labeled]
    goalTemplate: "Fix issue #{{$.issue.number}} for {{$.issue.customer}}"
    repo: acme/widgets
    maxBodyBytes: 65536
    webhook: { secret: $GH_WEBHOOK_SECRET }
`;

interface Wake {
  readonly queue: string;
  readonly taskId: string | null;
  /** The task's row as a second connection saw it when the wake-up ran. */
  readonly visible: unknown;
}

async function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-webhook-gc-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'worktrain.db');
  const config = await loadTriggerConfig({
    files: [{ path: join(dir, 'triggers.yaml'), text: TRIGGERS }],
    env: { GH_WEBHOOK_SECRET: WEBHOOK_SECRET },
    registry: createBuiltinRegistry(),
  });
  const store: TriggerStore = openTriggerStore({ path })._unsafeUnwrap();
  cleanups.push(() => store.close());
  // As the runtime does: the workers' queue shares the trigger store's connection.
  const queue: SqliteTaskQueue = openSqliteQueue({ db: store.db })._unsafeUnwrap();
  cleanups.push(() => queue.close());
  const observer = new Database(path, { readonly: true });
  cleanups.push(() => {
    observer.close();
  });
  const row = observer.prepare('SELECT id, queue, state FROM queue_tasks WHERE id = ?');
  const wakes: Wake[] = [];
  const router = new NotifyingTriggerRouter(
    { config: config._unsafeUnwrap(), store, clock: systemClock },
    (name, outcome) => {
      wakes.push({ queue: name, taskId: outcome.taskId, visible: row.get(outcome.taskId) });
      queue.notifyEnqueued(name);
    },
  );
  const events: DaemonEvent[] = [];
  const bus = createDaemonEventBus(() => Date.now());
  bus.subscribe((e) => events.push(e));
  const counts = new Map<string, number>();
  const ops = {
    webhooks: {
      count: (triggerId: string, status: number) =>
        counts.set(`${triggerId} ${status}`, (counts.get(`${triggerId} ${status}`) ?? 0) + 1),
      snapshot: () => [],
    },
  };
  const app = new Hono();
  app.post('/webhooks/:triggerId', (c) => handleWebhook(c, { router, clock: systemClock, events: bus }, ops));
  const post = (issue: number, options: { customer?: string | null; delivery?: string } = {}) => {
    const payload = readWebhookExample(issue);
    const customer = options.customer === undefined ? 'acme' : options.customer;
    if (customer !== null) payload.issue = { ...(payload.issue as Record<string, unknown>), customer };
    const req = githubWebhookRequest('issues', payload, WEBHOOK_SECRET, {
      deliveryId: options.delivery ?? `delivery-${issue}`,
    });
    return app.request(`/webhooks/gh-issues`, { method: 'POST', headers: req.headers, body: req.body });
  };
  return { store, queue, router, wakes, events, counts, post, observer };
}

describe('POST /webhooks/:triggerId over the group commit', () => {
  it('N concurrent webhooks share fewer than N transactions and each makes exactly one task', async () => {
    const t = await setUp();
    const before = { batches: t.router.commitBatches, calls: t.router.commitBatchCalls };
    const n = 10;
    const responses = await Promise.all(Array.from({ length: n }, (_, i) => t.post(i + 1)));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{
      status: string;
      taskId: string;
    }>;
    expect(responses.map((r) => r.status)).toEqual(Array(n).fill(202));
    expect(bodies.map((b) => b.status)).toEqual(Array(n).fill('enqueued'));
    expect(t.router.commitBatchCalls - before.calls).toBe(n);
    expect(t.router.commitBatches - before.batches).toBeGreaterThan(0);
    expect(t.router.commitBatches - before.batches).toBeLessThan(n);
    const tasks = (await t.queue.list())._unsafeUnwrap();
    expect(tasks.map((task) => task.id).sort()).toEqual(bodies.map((b) => b.taskId).sort());
    expect(new Set(tasks.map((task) => (task.payload as { sourceId: string }).sourceId)).size).toBe(n);
    expect(t.counts.get('gh-issues 202')).toBe(n);
    expect(t.events.filter((e) => e.type === 'task_enqueued')).toHaveLength(n);
  });

  it('wakes the workers only after the commit: each woken task is already visible to another connection', async () => {
    const t = await setUp();
    const responses = await Promise.all([t.post(1), t.post(2), t.post(3)]);
    const ids = ((await Promise.all(responses.map((r) => r.json()))) as Array<{ taskId: string }>).map(
      (b) => b.taskId,
    );
    expect(t.wakes.map((w) => w.taskId).sort()).toEqual([...ids].sort());
    for (const w of t.wakes) expect(w.visible).toEqual({ id: w.taskId, queue: 'tasks', state: 'pending' });
    // A worker claiming now (same connection as the daemon's) gets one of them.
    const claimed = (
      await t.queue.claim({ queue: 'tasks', workerId: 'w1', n: 3, leaseMs: 60_000 })
    )._unsafeUnwrap();
    expect(claimed.map((c) => c.id).sort()).toEqual([...ids].sort());
  });

  it('a bad candidate in the batch is an error event (200 ignored); the others are enqueued, woken, not lost', async () => {
    const t = await setUp();
    const before = t.router.commitBatches;
    const responses = await Promise.all([t.post(1), t.post(2, { customer: null }), t.post(3)]);
    expect(t.router.commitBatches - before).toBeLessThan(3);
    expect(responses.map((r) => r.status)).toEqual([202, 200, 202]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{
      status: string;
      taskId: string | null;
      reason: string | null;
    }>;
    expect(bodies.map((b) => b.status)).toEqual(['enqueued', 'ignored', 'enqueued']);
    expect(bodies[1]).toMatchObject({ taskId: null, reason: expect.stringContaining('$.issue.customer') });
    expect(t.wakes.map((w) => w.taskId).sort()).toEqual([bodies[0]?.taskId, bodies[2]?.taskId].sort());
    expect((await t.queue.list())._unsafeUnwrap()).toHaveLength(2);
    const kinds = t.store
      .listEvents({ triggerId: 'gh-issues' })
      ._unsafeUnwrap()
      .map((e) => e.kind)
      .sort();
    expect(kinds).toEqual(['enqueued', 'enqueued', 'error']);
    // A replayed delivery, and a new delivery for the same issue (dedupe on sourceId), are 200 duplicate
    // and wake nobody.
    const [replay, again] = await Promise.all([t.post(1), t.post(1, { delivery: 'delivery-1-again' })]);
    expect([replay.status, again.status]).toEqual([200, 200]);
    expect(await replay.json()).toMatchObject({ status: 'duplicate' });
    expect(await again.json()).toMatchObject({ status: 'duplicate', taskId: bodies[0]?.taskId });
    expect(t.wakes).toHaveLength(2);
  });

  it('acknowledges nothing and wakes nobody when the shared transaction cannot commit (503 STORE_IO)', async () => {
    const t = await setUp();
    const path = t.store.db.name;
    const locker = new Database(path);
    cleanups.push(() => {
      locker.close();
    });
    t.store.db.pragma('busy_timeout = 0');
    locker.prepare('BEGIN IMMEDIATE').run();
    const responses = await Promise.all([t.post(1), t.post(2)]);
    locker.prepare('ROLLBACK').run();
    expect(responses.map((r) => r.status)).toEqual([503, 503]);
    expect(await responses[0]?.json()).toMatchObject({ code: 'STORE_IO' });
    expect(t.wakes).toEqual([]);
    expect(t.counts.get('gh-issues 503')).toBe(2);
    // The sender's retry is admitted (nothing of the failed batch was committed).
    expect((await t.post(1)).status).toBe(202);
    expect(t.wakes).toHaveLength(1);
  });
});
