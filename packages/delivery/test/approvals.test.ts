import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonObject, manualClock } from '@worktrain/contracts';
import { createSqliteSessionStore, type SessionStore } from '@worktrain/session-store';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApprovalStore,
  defaultPolicy,
  guardAction,
  openApprovalStore,
  parsePolicy,
  TIMEOUT_ACTOR,
} from '../src/index.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-approvals-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'worktrain.db');
}

function open(
  path: string,
  options: Omit<Parameters<typeof openApprovalStore>[0], 'path'> = {},
): ApprovalStore {
  const store = openApprovalStore({ path, ...options })._unsafeUnwrap();
  cleanups.push(() => store.close());
  return store;
}

const push = (dedupeKey: string, tier: 'low' | 'medium' | 'high' = 'high', autoApproveAfterMs?: number) => ({
  sessionId: 'sess_abc',
  action: { kind: 'push', branch: 'main' },
  tier,
  summary: 'push 2 commits to main',
  details: { commits: 2 } as JsonObject,
  dedupeKey,
  ...(autoApproveAfterMs === undefined ? {} : { autoApproveAfterMs }),
});

async function openSessionLog(path: string): Promise<SessionStore> {
  const store = createSqliteSessionStore({ path })._unsafeUnwrap();
  cleanups.push(() => store.close());
  (
    await store.append({
      sessionId: 'sess_abc',
      expectedSeq: 0,
      events: [
        {
          kind: 'session_created',
          data: {
            workflowId: 'wr.coding-task',
            workflowVersion: '1',
            workflowHash: `sha256:${'1'.repeat(64)}`,
            workspacePath: null,
            parentSessionId: null,
            source: 'test',
            context: {},
          },
        },
      ],
    })
  )._unsafeUnwrap();
  return store;
}

describe('approval store', () => {
  it('records a request, decides it once, and audits both with actor and reason', async () => {
    const store = open(tempDb());
    const { request, created } = (await store.requestApproval(push('k1')))._unsafeUnwrap();
    expect(created).toBe(true);
    expect(request).toMatchObject({
      state: 'pending',
      tier: 'high',
      decidedBy: null,
      requestedBy: 'session:sess_abc',
    });
    expect(request.id).toMatch(/^appr_[a-z2-7]{26}$/);
    const decided = (
      await store.decide({
        id: request.id,
        verdict: 'approved',
        actor: 'cli:alice',
        reason: 'reviewed the diff',
      })
    )._unsafeUnwrap();
    expect(decided).toMatchObject({
      state: 'approved',
      decidedBy: 'cli:alice',
      decisionReason: 'reviewed the diff',
    });
    expect(store.get(request.id)._unsafeUnwrap().state).toBe('approved');
    const audit = store.audit(request.id)._unsafeUnwrap();
    expect(audit.map((a) => [a.event, a.actor, a.reason])).toEqual([
      ['requested', 'session:sess_abc', null],
      ['approved', 'cli:alice', 'reviewed the diff'],
    ]);
  });

  it('refuses a second decision with ALREADY_DECIDED, and the database refuses it too', async () => {
    const path = tempDb();
    const store = open(path);
    const { request } = (await store.requestApproval(push('k2')))._unsafeUnwrap();
    (
      await store.decide({ id: request.id, verdict: 'rejected', actor: 'cli:bob', reason: 'not now' })
    )._unsafeUnwrap();
    const second = (
      await store.decide({ id: request.id, verdict: 'approved', actor: 'cli:eve' })
    )._unsafeUnwrapErr();
    expect(second.code).toBe('ALREADY_DECIDED');
    expect(second.message).toContain('rejected by cli:bob');
    expect(store.get(request.id)._unsafeUnwrap()).toMatchObject({ state: 'rejected', decidedBy: 'cli:bob' });
    expect(store.audit(request.id)._unsafeUnwrap()).toHaveLength(2);
    const raw = new Database(path);
    cleanups.push(() => raw.close());
    expect(() =>
      raw.prepare("UPDATE approval_requests SET state = 'approved' WHERE id = ?").run(request.id),
    ).toThrow(/already decided/);
  });

  it('re-requesting with the same dedupeKey returns the existing request and audits the re-request', async () => {
    const path = tempDb();
    const first = (await open(path).requestApproval(push('k3')))._unsafeUnwrap();
    const again = (await open(path).requestApproval(push('k3')))._unsafeUnwrap();
    expect(again.created).toBe(false);
    expect(again.request.id).toBe(first.request.id);
    const store = open(path);
    expect(
      store
        .list({ state: 'pending' })
        ._unsafeUnwrap()
        .map((r) => r.id),
    ).toEqual([first.request.id]);
    expect(
      store
        .audit(first.request.id)
        ._unsafeUnwrap()
        .map((a) => a.event),
    ).toEqual(['requested', 're_requested']);
  });

  it('unknown ids and bad input are clear errors', async () => {
    const store = open(tempDb());
    expect(store.get('appr_nope')._unsafeUnwrapErr().code).toBe('APPROVAL_NOT_FOUND');
    expect(
      (await store.decide({ id: 'appr_nope', verdict: 'approved', actor: 'x' }))._unsafeUnwrapErr().code,
    ).toBe('APPROVAL_NOT_FOUND');
    expect(
      (await store.decide({ id: 'appr_nope', verdict: 'approved', actor: '  ' }))._unsafeUnwrapErr().code,
    ).toBe('INVALID_INPUT');
    expect((await store.requestApproval({ ...push('k'), summary: '' }))._unsafeUnwrapErr().code).toBe(
      'INVALID_INPUT',
    );
  });

  it('refuses a database of another application', () => {
    const path = tempDb();
    const other = new Database(path);
    other.exec('CREATE TABLE stuff (x)');
    other.close();
    expect(openApprovalStore({ path })._unsafeUnwrapErr().code).toBe('NOT_A_WORKTRAIN_DATABASE');
    const junk = tempDb();
    writeFileSync(junk, 'not a database at all, just text '.repeat(200));
    expect(openApprovalStore({ path: junk }).isErr()).toBe(true);
  });

  it('low tier is recorded approved by policy:low', async () => {
    const store = open(tempDb());
    const { request } = (await store.requestApproval(push('k4', 'low')))._unsafeUnwrap();
    expect(request).toMatchObject({ state: 'approved', decidedBy: 'policy:low' });
    expect(
      store
        .audit(request.id)
        ._unsafeUnwrap()
        .map((a) => a.event),
    ).toEqual(['requested', 'approved']);
  });

  it('medium tier is approved by policy:timeout once the timeout passes (injected clock), not before', async () => {
    const clock = manualClock();
    const store = open(tempDb(), { clock });
    const { request } = (await store.requestApproval(push('k5', 'medium', 30 * 60_000)))._unsafeUnwrap();
    expect(request.autoApproveAt).toBe(clock.now() + 30 * 60_000);
    clock.advance(30 * 60_000 - 1);
    expect(store.get(request.id)._unsafeUnwrap().state).toBe('pending');
    clock.advance(1);
    const decided = store.get(request.id)._unsafeUnwrap();
    expect(decided).toMatchObject({ state: 'approved', decidedBy: TIMEOUT_ACTOR });
    expect(store.audit(request.id)._unsafeUnwrap().at(-1)).toMatchObject({
      event: 'approved',
      actor: TIMEOUT_ACTOR,
    });
    // A human who comes too late gets a clear error, and the timeout's decision stands.
    expect(
      (await store.decide({ id: request.id, verdict: 'rejected', actor: 'cli:late' }))._unsafeUnwrapErr()
        .code,
    ).toBe('ALREADY_DECIDED');
  });

  it('a human decision before the timeout wins over it', async () => {
    const clock = manualClock();
    const store = open(tempDb(), { clock });
    const { request } = (await store.requestApproval(push('k6', 'medium', 1000)))._unsafeUnwrap();
    (
      await store.decide({ id: request.id, verdict: 'rejected', actor: 'cli:carol', reason: 'wrong branch' })
    )._unsafeUnwrap();
    clock.advance(5000);
    expect(store.settleDue()._unsafeUnwrap()).toEqual([]);
    expect(store.get(request.id)._unsafeUnwrap()).toMatchObject({
      state: 'rejected',
      decidedBy: 'cli:carol',
    });
  });

  it('waitForDecision sees a decision made through another connection, and stops on abort', async () => {
    const path = tempDb();
    const waiter = open(path);
    const other = open(path);
    const { request } = (await waiter.requestApproval(push('k7')))._unsafeUnwrap();
    const waiting = waiter.waitForDecision(request.id, { pollMs: 20 });
    (await other.decide({ id: request.id, verdict: 'approved', actor: 'api:ops' }))._unsafeUnwrap();
    expect((await waiting)._unsafeUnwrap()).toMatchObject({ state: 'approved', decidedBy: 'api:ops' });

    const second = (await waiter.requestApproval(push('k8')))._unsafeUnwrap().request;
    const controller = new AbortController();
    const aborted = waiter.waitForDecision(second.id, { pollMs: 20, signal: controller.signal });
    controller.abort();
    expect((await aborted)._unsafeUnwrapErr().code).toBe('ABORTED');
    expect(waiter.get(second.id)._unsafeUnwrap().state).toBe('pending');
  });

  it('mirrors requests and decisions into the session log as gate_parked / gate_resolved, once', async () => {
    const path = tempDb();
    const sessionStore = await openSessionLog(path);
    const store = open(path, { sessionStore });
    const { request } = (await store.requestApproval(push('k9')))._unsafeUnwrap();
    expect((await sessionStore.getSummary('sess_abc'))._unsafeUnwrap().status).toBe('awaiting_approval');
    await store.requestApproval(push('k9'));
    (
      await store.decide({ id: request.id, verdict: 'approved', actor: 'cli:dana', reason: 'ok' })
    )._unsafeUnwrap();
    await store.waitForDecision(request.id);
    const events = (await sessionStore.readEvents('sess_abc'))._unsafeUnwrap();
    const gates = events.filter((e) => e.kind === 'gate_parked' || e.kind === 'gate_resolved');
    expect(gates.map((e) => e.kind)).toEqual(['gate_parked', 'gate_resolved']);
    expect(gates[1]?.data).toMatchObject({
      nodeId: request.id,
      verdict: 'approved',
      actor: 'cli:dana',
      reason: 'ok',
    });
    expect((await sessionStore.verify('sess_abc'))._unsafeUnwrap().ok).toBe(true);
  });
});

describe('guardAction', () => {
  it('low actions proceed at once; high actions wait and proceed on approval', async () => {
    const path = tempDb();
    const approvals = open(path);
    const policy = defaultPolicy();
    const low = await guardAction(
      { policy, approvals },
      { sessionId: 'sess_abc', action: { kind: 'comment' }, summary: 'comment on #1', dedupeKey: 'g1' },
    );
    expect(low._unsafeUnwrap()).toMatchObject({ verdict: 'proceed', classification: { tier: 'low' } });

    let pendingId = '';
    const guarded = guardAction(
      {
        policy,
        approvals,
        pollMs: 20,
        onPending: (r) => {
          pendingId = r.id;
          void open(path).decide({ id: r.id, verdict: 'approved', actor: 'cli:erin' });
        },
      },
      {
        sessionId: 'sess_abc',
        action: { kind: 'merge', branch: 'main' },
        summary: 'merge PR 7',
        dedupeKey: 'g2',
      },
    );
    const outcome = (await guarded)._unsafeUnwrap();
    expect(outcome.request).toMatchObject({ id: pendingId, state: 'approved', decidedBy: 'cli:erin' });
  });

  it('a rejection stops the action with APPROVAL_REJECTED naming who and why', async () => {
    const path = tempDb();
    const approvals = open(path);
    const result = await guardAction(
      {
        policy: defaultPolicy(),
        approvals,
        pollMs: 20,
        onPending: (r) =>
          void open(path).decide({ id: r.id, verdict: 'rejected', actor: 'cli:frank', reason: 'no' }),
      },
      { sessionId: null, action: { kind: 'rotate_secrets' }, summary: 'rotate', dedupeKey: 'g3' },
    );
    const error = result._unsafeUnwrapErr();
    expect(error.code).toBe('APPROVAL_REJECTED');
    expect(error.details).toMatchObject({ actor: 'cli:frank', reason: 'no' });
  });

  it('medium actions proceed after the policy timeout', async () => {
    const policy = parsePolicy(
      'version: 1\nautoApproveAfter: 50ms\nrules:\n  - action: close_issue\n    tier: medium\n',
      'p',
    )._unsafeUnwrap();
    const approvals = open(tempDb());
    const outcome = (
      await guardAction(
        { policy, approvals, pollMs: 10 },
        { sessionId: null, action: { kind: 'close_issue' }, summary: 'close #3', dedupeKey: 'g4' },
      )
    )._unsafeUnwrap();
    expect(outcome.request.decidedBy).toBe(TIMEOUT_ACTOR);
  });
});
