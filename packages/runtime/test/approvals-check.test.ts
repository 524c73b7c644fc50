/**
 * The daemon's approvals check over a real `worktrain.db`: a parked delivery is resumed (one `resume` task)
 * only once one of its requests is decided — by another connection (the CLI), across a reopen of every
 * connection (a restart), or through `decide` (the API).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@worktrain/contracts';
import { defaultPolicy, openApprovalStore } from '@worktrain/delivery';
import { openSqliteQueue, type SqliteTaskQueue } from '@worktrain/queue';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeliveryApprovals, openDeliveryApprovals } from '../src/approvals.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function openAll(path: string): {
  approvals: DeliveryApprovals;
  queue: SqliteTaskQueue;
  close(): void;
} {
  const store = createSqliteSessionStore({ path })._unsafeUnwrap();
  const queue = openSqliteQueue({ path })._unsafeUnwrap();
  const approvals = openDeliveryApprovals({
    db: store.database,
    path,
    sessionStore: store,
    policy: defaultPolicy(),
    queue,
    queueName: 'tasks',
    now: () => Date.now(),
    logger: silentLogger,
  })._unsafeUnwrap();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    approvals.close();
    queue.close();
    store.close();
  };
  cleanups.push(close);
  return { approvals, queue, close };
}

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-approvals-check-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'worktrain.db');
}

const request = (key: string) => ({
  sessionId: 'sess_parked',
  action: { kind: 'open_pull_request', target: 'acme/widgets' },
  tier: 'high' as const,
  summary: 'open the pull request',
  dedupeKey: key,
});

describe('DeliveryApprovals.check', () => {
  it('resumes a parked delivery once, after a decision made by another connection and a restart', async () => {
    const path = tempDb();
    const first = openAll(path);
    const pending = (await first.approvals.store.requestApproval(request('k1')))._unsafeUnwrap().request;
    first.approvals.park('sess_parked', [pending.id]);
    expect(await first.approvals.check()).toEqual([]);
    expect(first.approvals.parked()).toHaveLength(1);
    first.close();

    // The daemon is down; the CLI decides through its own connection.
    const cli = openApprovalStore({ path })._unsafeUnwrap();
    (await cli.decide({ id: pending.id, verdict: 'approved', actor: 'cli:alice' }))._unsafeUnwrap();
    cli.close();

    const second = openAll(path);
    expect(await second.approvals.check()).toEqual(['sess_parked']);
    expect(second.approvals.parked()).toEqual([]);
    expect(await second.approvals.check()).toEqual([]);
    const tasks = (await second.queue.list({ queue: 'tasks' }))._unsafeUnwrap();
    expect(tasks.map((t) => t.payload)).toEqual([{ kind: 'resume', sessionId: 'sess_parked' }]);
  });

  it('resumes at once after a decision through decide (the API), and refuses a second decision', async () => {
    const { approvals, queue } = openAll(tempDb());
    const pending = (await approvals.store.requestApproval(request('k2')))._unsafeUnwrap().request;
    approvals.park('sess_parked', [pending.id]);
    const decided = await approvals.decide(pending.id, 'rejected', 'api:bob', 'not now');
    expect(decided._unsafeUnwrap()).toMatchObject({ state: 'rejected', decidedBy: 'api:bob' });
    expect(approvals.parked()).toEqual([]);
    expect((await queue.list({ queue: 'tasks' }))._unsafeUnwrap()).toHaveLength(1);
    const again = await approvals.decide(pending.id, 'approved', 'api:eve');
    expect(again._unsafeUnwrapErr().code).toBe('ALREADY_DECIDED');
  });
});
