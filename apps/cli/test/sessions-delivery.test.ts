/**
 * Issue 6: a session whose agent finished stays `completed` (terminal statuses never change), but while its
 * delivery waits for a person `sessions list` and `sessions show` say so — `delivery: awaiting_approval`
 * with the pending request ids (json) and `completed (delivery awaiting approval)` / a `Delivery` line
 * (text). Real `worktrain.db`: the session store and the approval store the daemon writes.
 */
import { join } from 'node:path';
import { openApprovalStore } from '@worktrain/delivery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';
import { advanceEvents, append, completionEvents, openStore, sessionStart } from './session-fixture.js';

interface Row {
  sessionId: string;
  status: string;
  delivery: string | null;
  pendingApprovalIds: string[];
}

describe('worktrain sessions: a completed session whose delivery awaits approval', () => {
  const dir = tempDir('sessions-delivery');
  const home = dir.path;
  afterAll(dir.cleanup);
  let requestId = '';

  beforeAll(async () => {
    const store = openStore(home);
    for (const id of ['sess_parked', 'sess_delivered']) {
      let seq = await append(store, id, 0, sessionStart('demo.alpha', `Fix ${id}`));
      seq = await append(store, id, seq, advanceEvents());
      await append(store, id, seq, completionEvents());
    }
    await append(store, 'sess_running', 0, sessionStart('demo.alpha', 'Still at it'));
    // The daemon's delivery gate asks for approval of the pull request after the session completed.
    const approvals = openApprovalStore({
      path: join(home, 'worktrain.db'),
      sessionStore: store,
    })._unsafeUnwrap();
    const requested = await approvals.requestApproval({
      sessionId: 'sess_parked',
      action: { kind: 'open_pull_request', target: 'acme/widgets' },
      tier: 'high',
      summary: 'open the pull request worktrain/sess_parked → main in acme/widgets',
      dedupeKey: 'sess_parked:delivery:1:open_pull_request:worktrain/sess_parked',
    });
    requestId = requested._unsafeUnwrap().request.id;
    approvals.close();
    store.close();
  });

  it('lists it as completed with delivery awaiting_approval and the request id (json and text)', async () => {
    const json = parseJson(await runWorktrain(['sessions', 'list', '--format', 'json'], { home })) as {
      sessions: Row[];
    };
    const byId = new Map(json.sessions.map((s) => [s.sessionId, s]));
    expect(byId.get('sess_parked')).toMatchObject({
      status: 'completed',
      delivery: 'awaiting_approval',
      pendingApprovalIds: [requestId],
    });
    expect(byId.get('sess_delivered')).toMatchObject({
      status: 'completed',
      delivery: null,
      pendingApprovalIds: [],
    });
    expect(byId.get('sess_running')).toMatchObject({ status: 'running', delivery: null });

    const text = await runWorktrain(['sessions', 'list'], { home });
    expect(text.code).toBe(0);
    const line = (id: string) => text.stdout.split('\n').find((l) => l.startsWith(id)) ?? '';
    expect(line('sess_parked')).toContain('completed (delivery awaiting approval)');
    expect(line('sess_delivered')).toContain('completed');
    expect(line('sess_delivered')).not.toContain('awaiting');
  });

  it('shows it with a Delivery line naming the request (text) and the fields (json)', async () => {
    const json = parseJson(
      await runWorktrain(['sessions', 'show', 'sess_parked', '--format', 'json'], { home }),
    );
    expect(json).toMatchObject({
      summary: { sessionId: 'sess_parked', status: 'completed' },
      delivery: 'awaiting_approval',
      pendingApprovalIds: [requestId],
    });
    const text = await runWorktrain(['sessions', 'show', 'sess_parked'], { home });
    expect(text.stdout).toContain('Status    completed');
    expect(text.stdout).toContain(`Delivery  awaiting approval: ${requestId}`);
    const other = await runWorktrain(['sessions', 'show', 'sess_delivered'], { home });
    expect(other.stdout).not.toContain('Delivery ');
  });

  it('drops the signal once the request is decided', async () => {
    const approved = await runWorktrain(
      ['approvals', 'approve', requestId, '--actor', 'cli:alice', '--format', 'json'],
      { home },
    );
    expect(approved.code).toBe(0);
    const json = parseJson(await runWorktrain(['sessions', 'list', '--format', 'json'], { home })) as {
      sessions: Row[];
    };
    expect(json.sessions.find((s) => s.sessionId === 'sess_parked')).toMatchObject({
      status: 'completed',
      delivery: null,
      pendingApprovalIds: [],
    });
  });
});
