import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createHmac } from 'node:crypto';
import { err } from '@worktrain/contracts';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type DispatchOutcome, TriggerRouter, triggerError } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const YAML = `
triggers:
  - id: alerts
    provider: webhook
    workflowId: wr.incident
    workspace: /srv
    webhook: { secret: $HOOK_SECRET }
    eventHeader: x-event
    sourceIdPath: $.alert.id
    titlePath: $.alert.summary
    goalTemplate: "Investigate {{$.alert.summary}} on {{$.alert.labels['service']}}"
`;

let h: Harness | undefined;
const extra: Database.Database[] = [];
afterEach(async () => {
  for (const db of extra.splice(0)) db.close();
  await h?.close();
  h = undefined;
});

/** A second connection to the same database file: sees only committed rows. */
function observer(path: string): Database.Database {
  const db = new Database(path, { readonly: true });
  extra.push(db);
  return db;
}

const sign = (body: string) => `sha256=${createHmac('sha256', 'generic-secret').update(body).digest('hex')}`;
function alert(id: string, service: string | null, delivery: string) {
  const body = JSON.stringify({
    alert: { id, summary: `alert ${id}`, labels: service === null ? {} : { service } },
  });
  return {
    headers: { 'x-signature-256': sign(body), 'x-event': 'alert.fired', 'x-delivery-id': delivery },
    rawBody: Buffer.from(body),
    receivedAt: 0,
  };
}

describe('TriggerStore.afterCommit', () => {
  it('outside a batch runs at once (every store call has committed when it returns)', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const seen = observer(h.dbPath);
    const store = h.store;
    let visible: unknown = 'not run';
    store.recordDelivery('t', 'plain')._unsafeUnwrap();
    store.afterCommit(() => {
      visible = seen.prepare("SELECT delivery_id FROM trigger_deliveries WHERE delivery_id = 'plain'").get();
    });
    expect(visible).toEqual({ delivery_id: 'plain' });
  });

  it('inside a batch runs after the shared commit, before the callers resolve; commitBatches counts it', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const seen = observer(h.dbPath);
    const store = h.store;
    const before = { batches: store.commitBatches, calls: store.commitBatchCalls };
    const order: string[] = [];
    const rows = seen.prepare('SELECT count(*) AS n FROM trigger_deliveries');
    const calls = ['a', 'b', 'c'].map((id) =>
      store
        .batch(() => {
          const r = store.recordDelivery('t', id);
          store.afterCommit(() => order.push(`hook ${id}: ${(rows.get() as { n: number }).n} rows visible`));
          // Not yet committed: the second connection sees none of this batch.
          order.push(`ran ${id}: ${(rows.get() as { n: number }).n} rows visible`);
          return r;
        })
        .then((r) => {
          order.push(`resolved ${id}`);
          return r;
        }),
    );
    expect((await Promise.all(calls)).map((r) => r._unsafeUnwrap())).toEqual([true, true, true]);
    expect(order).toEqual([
      'ran a: 0 rows visible',
      'ran b: 0 rows visible',
      'ran c: 0 rows visible',
      'hook a: 3 rows visible',
      'hook b: 3 rows visible',
      'hook c: 3 rows visible',
      'resolved a',
      'resolved b',
      'resolved c',
    ]);
    expect(store.commitBatches - before.batches).toBe(1);
    expect(store.commitBatchCalls - before.calls).toBe(3);
  });

  it('a call that throws rolls back alone: its hooks are dropped, the others commit and run theirs', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const seen = observer(h.dbPath);
    const store = h.store;
    const hooks: string[] = [];
    const call = (id: string, fail: boolean) =>
      store.batch(() => {
        const r = store.recordDelivery('t', id);
        store.afterCommit(() => hooks.push(id));
        if (fail) throw new Error('programmer error in the callback');
        return r;
      });
    const [a, bad, c] = await Promise.all([call('a', false), call('bad', true), call('c', false)]);
    expect(a?._unsafeUnwrap()).toBe(true);
    expect(c?._unsafeUnwrap()).toBe(true);
    expect(bad?.isErr() && bad.error.code).toBe('STORE_IO');
    expect(hooks).toEqual(['a', 'c']);
    expect(seen.prepare('SELECT delivery_id FROM trigger_deliveries ORDER BY delivery_id').all()).toEqual([
      { delivery_id: 'a' },
      { delivery_id: 'c' },
    ]);
  });

  it('a shared transaction that cannot begin fails every call with STORE_IO and runs no hook', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const store = h.store;
    // Another connection holds the write lock; the store's connection gives up at once instead of waiting.
    const locker = new Database(h.dbPath);
    extra.push(locker);
    store.db.pragma('busy_timeout = 0');
    locker.prepare('BEGIN IMMEDIATE').run();
    const hooks: string[] = [];
    const before = store.commitBatches;
    const results = await Promise.all(
      ['a', 'b'].map((id) =>
        store.batch(() => {
          store.afterCommit(() => hooks.push(id));
          return store.recordDelivery('t', id);
        }),
      ),
    );
    expect(results.map((r) => r.isErr() && r.error.code)).toEqual(['STORE_IO', 'STORE_IO']);
    expect(hooks).toEqual([]);
    expect(store.commitBatches).toBe(before);
    locker.prepare('ROLLBACK').run();
    // Nothing was committed: both ids are still fresh.
    expect((await store.batch(() => store.recordDelivery('t', 'a')))._unsafeUnwrap()).toBe(true);
  });

  it('an error returned by a call is that call’s outcome; the batch still commits the others', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const store = h.store;
    const hooks: string[] = [];
    const [a, b] = await Promise.all([
      store.batch(() => {
        store.afterCommit(() => hooks.push('a'));
        return err(triggerError('STORE_IO', 'refused by the callback'));
      }),
      store.batch(() => {
        store.afterCommit(() => hooks.push('b'));
        return store.recordDelivery('t', 'b');
      }),
    ]);
    expect(a?.isErr() && a.error.message).toBe('refused by the callback');
    expect(b?._unsafeUnwrap()).toBe(true);
    // The returned error rolls nothing back, so the hook registered for the writes made so far still runs.
    expect(hooks).toEqual(['a', 'b']);
  });
});

describe('TriggerRouter onEnqueued under group commit (receiveWebhookAsync)', () => {
  it('N concurrent webhooks share fewer than N commits; each task is visible when its wake-up runs', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const seen = observer(h.dbPath);
    const task = seen.prepare('SELECT id, queue FROM queue_tasks WHERE id = ?');
    const woken: Array<{ taskId: string | null; row: unknown }> = [];
    const router = new TriggerRouter({
      config: h.config,
      store: h.store,
      clock: h.clock,
      onEnqueued: (o: DispatchOutcome) => woken.push({ taskId: o.taskId, row: task.get(o.taskId) }),
    });
    const before = router.commitBatches;
    const n = 12;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        router.receiveWebhookAsync('alerts', alert(`A-${i}`, 'db', `d${i}`)),
      ),
    );
    const outcomes = results.map((r) => r._unsafeUnwrap());
    expect(outcomes.map((o) => o.status)).toEqual(Array(n).fill('enqueued'));
    expect(router.commitBatches - before).toBeGreaterThan(0);
    expect(router.commitBatches - before).toBeLessThan(n);
    // One task per webhook, and each wake-up saw its task through another connection.
    expect(new Set(outcomes.map((o) => o.taskId)).size).toBe(n);
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(n);
    expect(woken.map((w) => w.taskId).sort()).toEqual(outcomes.map((o) => o.taskId).sort());
    for (const w of woken) expect(w.row).toEqual({ id: w.taskId, queue: 'tasks' });
  });

  it('a candidate with a bad template in the batch is an error event; the others are enqueued and woken', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const woken: string[] = [];
    const router = new TriggerRouter({
      config: h.config,
      store: h.store,
      clock: h.clock,
      onEnqueued: (o) => woken.push(o.candidate?.sourceId ?? '?'),
    });
    const before = router.commitBatches;
    const results = await Promise.all([
      router.receiveWebhookAsync('alerts', alert('A-1', 'db', 'd1')),
      router.receiveWebhookAsync('alerts', alert('A-2', null, 'd2')),
      router.receiveWebhookAsync('alerts', alert('A-3', 'web', 'd3')),
    ]);
    expect(router.commitBatches - before).toBe(1);
    expect(results.map((r) => r._unsafeUnwrap().status)).toEqual(['enqueued', 'ignored', 'enqueued']);
    expect(results[1]?._unsafeUnwrap().reason).toContain("$.alert.labels['service']");
    expect(woken.sort()).toEqual(['webhook:A-1', 'webhook:A-3']);
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(2);
    expect(
      h.store
        .listEvents({ triggerId: 'alerts' })
        ._unsafeUnwrap()
        .map((e) => `${e.kind} ${e.sourceId}`)
        .sort(),
    ).toEqual(['enqueued webhook:A-1', 'enqueued webhook:A-3', 'error webhook:A-2']);
    // The replayed delivery of the failed one is a duplicate, not a second chance to wake anyone.
    const replay = (await router.receiveWebhookAsync('alerts', alert('A-2', null, 'd2')))._unsafeUnwrap();
    expect(replay.status).toBe('duplicate');
    expect(woken).toHaveLength(2);
  });

  it('a plain dispatch (receiveWebhook) wakes at once, after its own commit', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const seen = observer(h.dbPath);
    const rows: unknown[] = [];
    const router = new TriggerRouter({
      config: h.config,
      store: h.store,
      clock: h.clock,
      onEnqueued: (o) => rows.push(seen.prepare('SELECT id FROM queue_tasks WHERE id = ?').get(o.taskId)),
    });
    const out = router.receiveWebhook('alerts', alert('A-7', 'db', 'd7'))._unsafeUnwrap();
    expect(rows).toEqual([{ id: out.taskId }]);
  });
});
