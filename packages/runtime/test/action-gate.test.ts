/**
 * The daemon's action gate over a real `worktrain.db` (approval store + session log): spend thresholds
 * from the policy, a spend above one parks (session `awaiting_approval`) and proceeds on approval or is
 * refused on rejection with the decider; a low command is allowed at once with an audit record and no
 * park; asking again finds the same request; a killed session stops waiting promptly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionGateContext } from '@worktrain/agent';
import { silentLogger } from '@worktrain/contracts';
import { type ApprovalStore, defaultPolicy, openApprovalStore, parsePolicy } from '@worktrain/delivery';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentActionGate, spendThresholds } from '../src/action-gate.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const SESSION = 'sess_gate';

async function open(): Promise<{ sessions: SqliteSessionStore; approvals: ApprovalStore; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-action-gate-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'worktrain.db');
  const sessions = createSqliteSessionStore({ path })._unsafeUnwrap();
  cleanups.push(() => sessions.close());
  (
    await sessions.append({
      sessionId: SESSION,
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
            source: 'daemon',
            context: {},
          },
        },
      ],
    })
  )._unsafeUnwrap();
  const approvals = openApprovalStore({ path, sessionStore: sessions })._unsafeUnwrap();
  cleanups.push(() => approvals.close());
  return { sessions, approvals, path };
}

function context(signal = new AbortController().signal) {
  const waits: string[] = [];
  const ctx: ActionGateContext = {
    sessionId: SESSION,
    signal,
    onWaiting: async (w) => {
      waits.push(w.requestId);
    },
  };
  return { ctx, waits };
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in 10 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('spend thresholds from the policy', () => {
  it('asks where spending stops being low: the built-in policy at 10 USD, no spend rule at the first cent', () => {
    expect(spendThresholds(defaultPolicy())).toEqual([10]);
    const none = parsePolicy('version: 1\nrules:\n  - action: push\n    tier: low\n', 'p')._unsafeUnwrap();
    expect(spendThresholds(none)).toEqual([0]);
    const tiers = parsePolicy(
      'version: 1\nrules:\n  - action: spend\n    aboveUsd: 50\n    tier: high\n  - action: spend\n    aboveUsd: 5\n    tier: medium\n  - action: spend\n    tier: low\n',
      'p',
    )._unsafeUnwrap();
    expect(spendThresholds(tiers)).toEqual([5, 50]);
  });
});

describe('the agent action gate over the approval store', () => {
  it('a spend above a threshold parks the session until approved, and asking again finds the same request', async () => {
    const { sessions, approvals } = await open();
    const gate = createAgentActionGate({
      policy: defaultPolicy(),
      approvals,
      pollMs: 10,
      logger: silentLogger,
    });
    expect(gate.spendThresholdsUsd).toEqual([10]);
    const { ctx, waits } = context();
    const decision = gate.decide({ kind: 'spend', usd: 10.5, thresholdUsd: 10 }, ctx);
    await until(() => waits.length === 1);
    expect((await sessions.getSummary(SESSION))._unsafeUnwrap().status).toBe('awaiting_approval');
    expect(gate.awaits(SESSION)).toBe(true);
    const pending = approvals.list({ state: 'pending' })._unsafeUnwrap();
    expect(pending).toEqual([
      expect.objectContaining({ tier: 'medium', dedupeKey: `${SESSION}:agent:spend:10`, id: waits[0] }),
    ]);
    (
      await approvals.decide({ id: pending[0]?.id ?? '', verdict: 'approved', actor: 'cli:alice' })
    )._unsafeUnwrap();
    expect(await decision).toEqual({ allowed: true, actor: 'cli:alice' });
    expect((await sessions.getSummary(SESSION))._unsafeUnwrap().status).toBe('running');
    expect(gate.awaits(SESSION)).toBe(false);

    // A resumed run asks again: the same (decided) request answers at once, no second request.
    const again = context();
    expect(await gate.decide({ kind: 'spend', usd: 11, thresholdUsd: 10 }, again.ctx)).toEqual({
      allowed: true,
      actor: 'cli:alice',
    });
    expect(again.waits).toEqual([]);
    expect(approvals.list()._unsafeUnwrap()).toHaveLength(1);
  });

  it('a rejected spend is refused with who and why, mirrored in the session log', async () => {
    const { sessions, approvals } = await open();
    const gate = createAgentActionGate({
      policy: defaultPolicy(),
      approvals,
      pollMs: 10,
      logger: silentLogger,
    });
    const { ctx, waits } = context();
    const decision = gate.decide({ kind: 'spend', usd: 12, thresholdUsd: 10 }, ctx);
    await until(() => waits.length === 1);
    (
      await approvals.decide({
        id: waits[0] ?? '',
        verdict: 'rejected',
        actor: 'api:bob',
        reason: 'over budget',
      })
    )._unsafeUnwrap();
    expect(await decision).toEqual({ allowed: false, actor: 'api:bob', reason: 'over budget' });
    const events = (await sessions.readEvents(SESSION))._unsafeUnwrap();
    expect(events.flatMap((e) => (e.kind === 'gate_resolved' ? [e.data] : []))).toEqual([
      expect.objectContaining({
        nodeId: waits[0],
        verdict: 'rejected',
        actor: 'api:bob',
        reason: 'over budget',
      }),
    ]);
  });

  it('a low command is allowed at once by policy:low, audited, never parked', async () => {
    const { sessions, approvals } = await open();
    const gate = createAgentActionGate({
      policy: defaultPolicy(),
      approvals,
      pollMs: 10,
      logger: silentLogger,
    });
    const { ctx, waits } = context();
    expect(
      await gate.decide({ kind: 'run_command', command: 'npm test', toolUseId: 'toolu_1' }, ctx),
    ).toMatchObject({
      allowed: true,
      actor: 'policy:low',
    });
    expect(waits).toEqual([]);
    const [request] = approvals.list()._unsafeUnwrap();
    expect(request).toMatchObject({
      tier: 'low',
      state: 'approved',
      decidedBy: 'policy:low',
      dedupeKey: `${SESSION}:agent:run_command:toolu_1`,
    });
    const audit = approvals.audit(request?.id ?? '')._unsafeUnwrap();
    expect(audit.map((a) => [a.event, a.actor])).toEqual([
      ['requested', `session:${SESSION}`],
      ['approved', 'policy:low'],
    ]);
    const events = (await sessions.readEvents(SESSION))._unsafeUnwrap();
    expect(events.some((e) => e.kind === 'gate_parked')).toBe(false);
  });

  it('a high command waits until the session is killed, then stops waiting; the request stays pending', async () => {
    const { approvals } = await open();
    const gate = createAgentActionGate({
      policy: defaultPolicy(),
      approvals,
      pollMs: 10,
      logger: silentLogger,
    });
    const kill = new AbortController();
    const { ctx, waits } = context(kill.signal);
    const decision = gate.decide(
      { kind: 'run_command', command: 'git push origin main --force', toolUseId: 'toolu_9' },
      ctx,
    );
    await until(() => waits.length === 1);
    kill.abort();
    expect(await decision).toMatchObject({ allowed: false, actor: 'worktrain' });
    expect(approvals.list({ state: 'pending' })._unsafeUnwrap()).toEqual([
      expect.objectContaining({ tier: 'high', id: waits[0] }),
    ]);
  });

  it('fails closed when the store cannot be used', async () => {
    const { approvals } = await open();
    const gate = createAgentActionGate({
      policy: defaultPolicy(),
      approvals,
      pollMs: 10,
      logger: silentLogger,
    });
    approvals.close();
    const { ctx } = context();
    expect(
      await gate.decide({ kind: 'run_command', command: 'ls', toolUseId: 'toolu_2' }, ctx),
    ).toMatchObject({
      allowed: false,
      actor: 'worktrain',
    });
  });
});
