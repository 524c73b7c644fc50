/**
 * Issue 6, the merge follow-up under the blast-radius policy: a merged change request moves the session's
 * Jira ticket to `onMerged` ("Done") only once the policy clears the `transition_ticket` action. Real
 * `worktrain.db` (session store, approval store, park table, queue), the fake Jira Cloud. The built-in
 * policy ranks Done medium: the follow-up parks (NEEDS_APPROVAL), a decision wakes the parked task once,
 * an approval moves the ticket, a rejection leaves it and records who rejected it; a `tier: low` policy
 * moves it at once with an audit record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@worktrain/contracts';
import { createJiraReturnPath, defaultPolicy, type Policy, parsePolicy } from '@worktrain/delivery';
import { openSqliteQueue } from '@worktrain/queue';
import { createSqliteSessionStore, type SessionStore } from '@worktrain/session-store';
import { type FakeJira, startFakeJira } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { openDeliveryApprovals } from '../src/approvals.js';
import type { Forges } from '../src/forges.js';
import { createMergeFollowUp } from '../src/merge-follow-up.js';
import type { MergedChangeRequest } from '../src/payload.js';
import { readAll } from '../src/session-log.js';

const EMAIL = 'bot@acme.example';
const TOKEN = 'jira-token-merge-approvals';
const SESSION = 'sess_mergeapproval1';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(policy: Policy) {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-merge-approvals-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'worktrain.db');
  const jira: FakeJira = await startFakeJira({ users: { [EMAIL]: TOKEN } });
  cleanups.push(() => jira.close());
  const ticket = jira.state.addIssue({ projectKey: 'WT', summary: 'add() subtracts' });
  const store = createSqliteSessionStore({ path })._unsafeUnwrap();
  const queue = openSqliteQueue({ path })._unsafeUnwrap();
  const approvals = openDeliveryApprovals({
    db: store.database,
    path,
    sessionStore: store,
    policy,
    queue,
    queueName: 'tasks',
    now: () => Date.now(),
    logger: silentLogger,
  })._unsafeUnwrap();
  cleanups.push(() => {
    approvals.close();
    queue.close();
    store.close();
  });
  await createDaemonSession(store, ticket.key);
  const forges: Forges = {
    any: true,
    jiraRoutes: {},
    jira: createJiraReturnPath({
      host: jira.url,
      auth: { email: EMAIL, apiToken: TOKEN },
      doneStatus: 'Done',
    }),
    forFor: () => ({ error: { code: 'FORGE_NOT_CONFIGURED', message: 'not in this test' } }),
    mergeClientFor: () => null,
  };
  const followUp = createMergeFollowUp({
    store,
    forges,
    approvals: { policy, store: approvals.store },
    mergedStatus: 'Done',
  });
  const statusOf = () => {
    const t = jira.state.issue(ticket.key);
    return t === undefined ? undefined : jira.state.statusName(t);
  };
  return { store, queue, approvals, jira, key: ticket.key, followUp, statusOf };
}

/** A session as the daemon starts it for a Jira ticket: the `daemon` meta names the ticket. */
async function createDaemonSession(store: SessionStore, jiraIssueKey: string): Promise<void> {
  const r = await store.append({
    sessionId: SESSION,
    expectedSeq: 0,
    events: [
      {
        kind: 'session_created',
        data: {
          workflowId: 'test.daemon-fix',
          workflowVersion: '1.0.0',
          workflowHash: `sha256:${'0'.repeat(64)}`,
          goal: 'Fix WT-1',
          workspacePath: null,
          parentSessionId: null,
          source: 'daemon',
          context: {
            daemon: {
              taskId: 'task_1',
              repoPath: '/nowhere',
              forge: 'github',
              repo: 'acme/widgets',
              issueNumber: null,
              noteOn: 'issue',
              jiraIssueKey,
            },
          },
        },
      },
    ],
  });
  r._unsafeUnwrap();
}

const merged: MergedChangeRequest = {
  kind: 'merged',
  sessionId: SESSION,
  forge: 'github',
  project: 'acme/widgets',
  number: 7,
  url: 'https://github.example/acme/widgets/pull/7',
  title: 'Fix add()',
};

const PAYLOAD = { kind: 'merged-candidate-as-enqueued', sourceId: 'github:acme/widgets#pull/7' };

describe('merge follow-up under the blast-radius policy', () => {
  it('medium (built-in policy): waits, a parked task wakes once on approval, then the ticket is Done', async () => {
    const s = await setup(defaultPolicy());
    const first = await s.followUp(merged);
    expect(first.isErr()).toBe(true);
    const error = first._unsafeUnwrapErr();
    expect(error.code).toBe('NEEDS_APPROVAL');
    const ids = error.details?.approvalIds as string[];
    expect(ids).toHaveLength(1);
    expect(error.details?.createdIds).toEqual(ids);
    const request = s.approvals.store.get(ids[0] ?? '')._unsafeUnwrap();
    expect(request).toMatchObject({
      state: 'pending',
      tier: 'medium',
      sessionId: SESSION,
      action: { kind: 'transition_ticket', target: s.key, status: 'Done' },
    });
    expect(s.statusOf()).toBe('To Do');

    // Asked again (a retried task, a restarted daemon): the same request, not a second one.
    const again = await s.followUp(merged);
    expect(again._unsafeUnwrapErr().details).toMatchObject({ approvalIds: ids, createdIds: [] });

    // Parked: nothing is enqueued until a decision.
    s.approvals.parkTask({
      key: `merged:${SESSION}`,
      sessionId: SESSION,
      payload: PAYLOAD,
      approvalIds: ids,
    });
    expect(await s.approvals.check()).toEqual([]);
    expect((await s.queue.list())._unsafeUnwrap()).toHaveLength(0);

    (await s.approvals.decide(ids[0] ?? '', 'approved', 'api:alice', 'release is out'))._unsafeUnwrap();
    const tasks = (await s.queue.list())._unsafeUnwrap();
    expect(tasks.map((t) => t.payload)).toEqual([PAYLOAD]);
    expect(s.approvals.parkedTasks()).toEqual([]);
    expect(await s.approvals.check()).toEqual([]);
    expect((await s.queue.list())._unsafeUnwrap()).toHaveLength(1);

    // The woken task asks again and the ticket moves.
    expect((await s.followUp(merged))._unsafeUnwrap()).toEqual({
      outcome: 'ticket_updated',
      issueKey: s.key,
    });
    expect(s.statusOf()).toBe('Done');
    const events = (await readAll(s.store, SESSION))._unsafeUnwrap();
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'gate_resolved',
        data: expect.objectContaining({ nodeId: ids[0], verdict: 'approved', actor: 'api:alice' }),
      }),
    );
    const gates = events.flatMap((e) =>
      e.kind === 'decision_trace' && e.data.decision === 'merge_gate' ? [e.data.data] : [],
    );
    expect(gates.map((d) => (d as { state: string }).state)).toEqual(['pending', 'pending', 'approved']);
    expect(events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'ticket_merged')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'succeeded' }) }),
    ]);

    // Done once: a replayed merge event neither asks again nor moves the ticket again.
    expect((await s.followUp(merged)).isOk()).toBe(true);
    const transitions = s.jira.state.requests.filter(
      (q) => q.method === 'POST' && q.url.endsWith('/transitions'),
    );
    expect(transitions).toHaveLength(1);
    expect(s.jira.state.specViolations).toEqual([]);
  });

  it('rejected: the ticket stays, the session records who rejected it, and asking again changes nothing', async () => {
    const s = await setup(defaultPolicy());
    const pending = (await s.followUp(merged))._unsafeUnwrapErr();
    const id = String((pending.details?.approvalIds as string[] | undefined)?.[0]);
    (await s.approvals.decide(id, 'rejected', 'cli:bob', 'not yet released'))._unsafeUnwrap();

    const result = (await s.followUp(merged))._unsafeUnwrap();
    expect(result).toEqual({
      outcome: 'rejected',
      issueKey: s.key,
      approvalId: id,
      actor: 'cli:bob',
      reason: 'not yet released',
    });
    expect((await s.followUp(merged))._unsafeUnwrap()).toEqual(result);
    expect(s.statusOf()).toBe('To Do');
    expect(s.jira.state.requests.filter((q) => q.method === 'POST')).toEqual([]);

    const events = (await readAll(s.store, SESSION))._unsafeUnwrap();
    expect(events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'ticket_merged')).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          outcome: 'skipped',
          details: expect.objectContaining({
            code: 'APPROVAL_REJECTED',
            approvalId: id,
            actor: 'cli:bob',
            reason: 'not yet released',
          }),
        }),
      }),
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'gate_resolved',
        data: expect.objectContaining({ verdict: 'rejected', actor: 'cli:bob' }),
      }),
    );
  });

  it('a policy ranking the transition low moves the ticket at once, with an audit record', async () => {
    const policy = parsePolicy(
      'version: 1\nrules:\n  - action: transition_ticket\n    tier: low\n',
      'policy.yaml',
    )._unsafeUnwrap();
    const s = await setup(policy);
    expect((await s.followUp(merged))._unsafeUnwrap()).toEqual({
      outcome: 'ticket_updated',
      issueKey: s.key,
    });
    expect(s.statusOf()).toBe('Done');

    const requests = s.approvals.store.list({ sessionId: SESSION })._unsafeUnwrap();
    expect(requests).toEqual([
      expect.objectContaining({
        state: 'approved',
        tier: 'low',
        decidedBy: 'policy:low',
        action: expect.objectContaining({ kind: 'transition_ticket', status: 'Done' }),
      }),
    ]);
    const events = (await readAll(s.store, SESSION))._unsafeUnwrap();
    const gate = events.flatMap((e) =>
      e.kind === 'decision_trace' && e.data.decision === 'merge_gate' ? [e.data.data] : [],
    );
    expect(gate[0]).toMatchObject({ tier: 'low', state: 'approved', decidedBy: 'policy:low' });
  });
});
