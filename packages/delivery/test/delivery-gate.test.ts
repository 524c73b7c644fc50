import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApprovalStore,
  type DeliveryFacts,
  defaultPolicy,
  gateDeliveryActions,
  openApprovalStore,
  parsePolicy,
  planDeliveryActions,
  TIMEOUT_ACTOR,
} from '../src/index.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function store(clock = manualClock(1_700_000_000_000)): ApprovalStore {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-gate-'));
  const opened = openApprovalStore({ path: join(dir, 'worktrain.db'), clock })._unsafeUnwrap();
  cleanups.push(() => {
    opened.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return opened;
}

const facts = (over: Partial<DeliveryFacts> = {}): DeliveryFacts => ({
  sessionId: 'sess_1',
  deliveryId: '1',
  repo: 'acme/widgets',
  changeRequestNoun: 'pull request',
  branch: 'worktrain/sess_1',
  baseBranch: 'main',
  issueNumber: 7,
  protectedPaths: [],
  commands: [],
  spentUsd: null,
  ...over,
});

describe('planDeliveryActions', () => {
  it('lists push, pull request and issue comment of an ordinary delivery, with stable keys', () => {
    const planned = planDeliveryActions(facts());
    expect(planned.map((p) => p.action.kind)).toEqual(['push', 'open_pull_request', 'comment']);
    expect(planned[0]?.action).toMatchObject({ branch: 'worktrain/sess_1', target: 'acme/widgets' });
    expect(planDeliveryActions(facts()).map((p) => p.dedupeKey)).toEqual(planned.map((p) => p.dedupeKey));
  });

  it('adds protected paths, each distinct command and the money spent', () => {
    const planned = planDeliveryActions(
      facts({
        issueNumber: null,
        protectedPaths: ['.github/workflows/ci.yml', '.github/workflows/ci.yml'],
        commands: ['npm test', 'npm test ', 'npm publish'],
        spentUsd: 12.5,
      }),
    );
    expect(planned.map((p) => p.action.kind)).toEqual([
      'touch_protected_path',
      'run_command',
      'run_command',
      'spend',
      'push',
      'open_pull_request',
    ]);
    expect(planned[0]?.action.paths).toEqual(['.github/workflows/ci.yml']);
    expect(planned[3]?.action.usd).toBe(12.5);
  });
});

it('adds labels and a Jira transition when delivery makes them', () => {
  const planned = planDeliveryActions(
    facts({ labels: ['worktrain', 'bot', 'bot'], ticket: { key: 'WT-7', status: 'Done' } }),
  );
  expect(planned.map((p) => p.action.kind)).toEqual([
    'push',
    'open_pull_request',
    'label',
    'comment',
    'transition_ticket',
  ]);
  expect(planned[2]?.details).toEqual({ labels: ['bot', 'worktrain'] });
  expect(planned[4]?.action).toMatchObject({ status: 'Done', target: 'WT-7' });
});

describe('gateDeliveryActions with the built-in policy', () => {
  it('proceeds at once for an ordinary delivery and records each low-tier decision', async () => {
    const approvals = store();
    const verdict = (
      await gateDeliveryActions(
        { policy: defaultPolicy(), approvals },
        'sess_1',
        planDeliveryActions(facts()),
      )
    )._unsafeUnwrap();
    expect(verdict.kind).toBe('proceed');
    const listed = approvals.list()._unsafeUnwrap();
    expect(listed.map((r) => [r.action.kind, r.state, r.decidedBy])).toEqual(
      expect.arrayContaining([
        ['push', 'approved', 'policy:low'],
        ['open_pull_request', 'approved', 'policy:low'],
        ['comment', 'approved', 'policy:low'],
      ]),
    );
  });

  it('waits for a workflow file change (high) and proceeds after an approval, asked again with the same keys', async () => {
    const approvals = store();
    const deps = { policy: defaultPolicy(), approvals };
    const planned = planDeliveryActions(facts({ protectedPaths: ['.github/workflows/ci.yml'] }));
    const first = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(first.kind).toBe('pending');
    if (first.kind !== 'pending') return;
    expect(first.pending.map((r) => [r.action.kind, r.tier])).toEqual([['touch_protected_path', 'high']]);
    const id = first.pending[0]?.id ?? '';
    // Asking again (a restarted daemon) finds the same request and still waits.
    const again = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(again.kind === 'pending' && again.pending.map((r) => r.id)).toEqual([id]);
    (
      await approvals.decide({ id, verdict: 'approved', actor: 'cli:alice', reason: 'CI change reviewed' })
    )._unsafeUnwrap();
    const after = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(after.kind).toBe('proceed');
    expect(
      approvals
        .audit(id)
        ._unsafeUnwrap()
        .map((a) => [a.event, a.actor]),
    ).toEqual([
      ['requested', 'session:sess_1'],
      ['re_requested', 'session:sess_1'],
      ['approved', 'cli:alice'],
      ['re_requested', 'session:sess_1'],
    ]);
  });

  it('reports a rejection with who decided', async () => {
    const approvals = store();
    const deps = { policy: defaultPolicy(), approvals };
    const planned = planDeliveryActions(facts({ commands: ['npm publish --access public'] }));
    const first = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(first.kind === 'pending' && first.pending.map((r) => r.action.kind)).toEqual(['run_command']);
    const id = first.kind === 'pending' ? (first.pending[0]?.id ?? '') : '';
    (
      await approvals.decide({ id, verdict: 'rejected', actor: 'api:bob', reason: 'no publishing' })
    )._unsafeUnwrap();
    const after = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(after.kind).toBe('rejected');
    expect(after.kind === 'rejected' && [after.rejected.decidedBy, after.rejected.decisionReason]).toEqual([
      'api:bob',
      'no publishing',
    ]);
  });

  it('does not record harmless commands, and lets a medium spend through after its timeout', async () => {
    const clock = manualClock(1_700_000_000_000);
    const approvals = store(clock);
    const deps = { policy: defaultPolicy(), approvals };
    const planned = planDeliveryActions(facts({ commands: ['npm test'], spentUsd: 11, issueNumber: null }));
    const first = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(first.kind === 'pending' && first.pending.map((r) => [r.action.kind, r.tier])).toEqual([
      ['spend', 'medium'],
    ]);
    expect(
      approvals
        .list()
        ._unsafeUnwrap()
        .some((r) => r.action.kind === 'run_command'),
    ).toBe(false);
    clock.advance(30 * 60_000);
    const after = (await gateDeliveryActions(deps, 'sess_1', planned))._unsafeUnwrap();
    expect(after.kind).toBe('proceed');
    const spend = approvals
      .list()
      ._unsafeUnwrap()
      .find((r) => r.action.kind === 'spend');
    expect(spend?.decidedBy).toBe(TIMEOUT_ACTOR);
  });

  it('waits on a Jira transition to Done (medium) but not to In Review (low)', async () => {
    const approvals = store();
    const deps = { policy: defaultPolicy(), approvals };
    const review = planDeliveryActions(facts({ ticket: { key: 'WT-1', status: 'In Review' } }));
    expect((await gateDeliveryActions(deps, 'sess_1', review))._unsafeUnwrap().kind).toBe('proceed');
    const done = planDeliveryActions(facts({ sessionId: 'sess_2', ticket: { key: 'WT-1', status: 'done' } }));
    const verdict = (await gateDeliveryActions(deps, 'sess_2', done))._unsafeUnwrap();
    expect(verdict.kind === 'pending' && verdict.pending.map((r) => [r.action.kind, r.tier])).toEqual([
      ['transition_ticket', 'medium'],
    ]);
  });

  it('gates the push of a protected branch as high under a policy that says so', async () => {
    const policy = parsePolicy(
      'version: 1\nrules:\n  - action: push\n    branches: [main]\n    tier: high\n  - action: open_pull_request\n    tier: low\n',
      'test',
    )._unsafeUnwrap();
    const approvals = store();
    const verdict = (
      await gateDeliveryActions(
        { policy, approvals },
        'sess_1',
        planDeliveryActions(facts({ branch: 'main', issueNumber: 3 })),
      )
    )._unsafeUnwrap();
    // push to main: high; comment: no rule → high by default-deny.
    expect(verdict.kind === 'pending' && verdict.pending.map((r) => [r.action.kind, r.tier])).toEqual([
      ['push', 'high'],
      ['comment', 'high'],
    ]);
  });
});
