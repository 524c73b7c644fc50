/**
 * Issue 6 acceptance, blast-radius approvals: a delivery the policy ranks high waits without holding a
 * worker, survives a SIGKILL of the daemon while it waits, and then proceeds (approved with the real
 * `worktrain` CLI while the daemon is down → exactly one PR) or stops (rejected through the HTTP API → no
 * PR, the session records who rejected it and why). While it waits, the API shows the completed session
 * with `delivery: awaiting_approval`. Notifications go to a signed webhook and the Slack
 * double on loopback.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { verifyNotification } from '@worktrain/delivery';
import { startFakeSlack } from '@worktrain/testkit';
import { describe, expect, it } from 'vitest';
import { binArgs } from '../../../scripts/test-bins.js';
import { type Daemon, fixScript, repoRoot, sessionEvents, waitFor } from './helpers.js';
import { cleanups, daemonFor, type Rig, rig, sendIssueWebhook, sessionOfTask, taskState } from './rig.js';

/** A team policy: every pull request needs a person; pushes of the session branch and comments do not. */
const POLICY = `version: 1
rules:
  - action: push
    branches: [main]
    tier: high
  - action: push
    tier: low
  - action: open_pull_request
    tier: high
  - action: comment
    tier: low
  - action: spend
    tier: low
  - action: run_command
    tier: low
`;
const NOTIFY_SECRET = 'notify-secret-0123456789';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

async function webhookReceiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function approvalRig(): Promise<Rig> {
  const r = await rig(fixScript());
  writeFileSync(join(r.home.home, 'policy.yaml'), POLICY);
  return r;
}

interface RequestView {
  id: string;
  state: string;
  tier: string;
  action: { kind: string };
  decidedBy: string | null;
  decisionReason: string | null;
}

async function pendingRequest(d: Daemon): Promise<RequestView> {
  return waitFor('a pending approval request', async () => {
    const r = (await (await d.api('/approvals?state=pending')).json()) as { requests: RequestView[] };
    return r.requests[0];
  });
}

/** Runs the real CLI (as a user would, against the same WORKTRAIN_HOME; scripts/test-bins.ts). */
function runCli(home: string, args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...binArgs('cli'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, WORKTRAIN_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

/** A session as `GET /sessions/:id` (or, with `fromList`, `GET /sessions`) shows it. */
async function sessionView(d: Daemon, sessionId: string, fromList = false): Promise<Record<string, unknown>> {
  if (!fromList) return (await (await d.api(`/sessions/${sessionId}`)).json()) as Record<string, unknown>;
  const listed = (await (await d.api('/sessions')).json()) as { sessions: Array<Record<string, unknown>> };
  return listed.sessions.find((s) => s.sessionId === sessionId) ?? {};
}

async function killAndWait(d: Daemon): Promise<void> {
  d.child.kill('SIGKILL');
  expect(await d.exited).toBe('SIGKILL');
}

describe('blast-radius approval of a delivery', () => {
  it('waits without a worker, survives SIGKILL, and opens exactly one PR once approved with the CLI', async () => {
    const r = await approvalRig();
    const hook = await webhookReceiver();
    const slack = await startFakeSlack();
    cleanups.push(() => slack.close());
    appendFileSync(
      join(r.home.home, 'config.yaml'),
      `approvals: { checkIntervalMs: 200 }
notifications:
  webhooks: [{ name: ops, url: ${JSON.stringify(hook.url)}, secret: $NOTIFY_SECRET }]
  slack: [{ name: team, url: $SLACK_WEBHOOK_URL, events: [approval.needed] }]
`,
    );
    appendFileSync(
      join(r.home.home, '.env'),
      `NOTIFY_SECRET=${NOTIFY_SECRET}\nSLACK_WEBHOOK_URL=${slack.webhookUrl}\n`,
    );
    const d1 = await daemonFor(r);
    const taskId = await sendIssueWebhook(d1, r.issueNumber);
    const sessionId = await sessionOfTask(d1, taskId);
    const request = await pendingRequest(d1);
    expect(request).toMatchObject({ tier: 'high', action: { kind: 'open_pull_request' } });
    // Parked, not waiting in a worker: the task is done, nothing was pushed or opened.
    await waitFor('the task to end parked', async () =>
      (await taskState(d1, taskId)) === 'succeeded' ? true : undefined,
    );
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(0);
    expect(await r.git.originRef(`worktrain/${sessionId}`)).toBeUndefined();
    // The agent finished (completed stays completed), but the API says the delivery waits for a person.
    const waiting = { status: 'completed', delivery: 'awaiting_approval', pendingApprovalIds: [request.id] };
    expect(await sessionView(d1, sessionId)).toMatchObject(waiting);
    expect(await sessionView(d1, sessionId, true)).toMatchObject(waiting);
    await waitFor('the approval.needed notifications', () =>
      hook.received.length >= 1 && slack.messages.length >= 1 ? true : undefined,
    );

    await killAndWait(d1);
    const approved = await runCli(r.home.home, [
      'approvals',
      'approve',
      request.id,
      '--actor',
      'cli:alice',
      '--reason',
      'reviewed the diff',
      '--format',
      'json',
    ]);
    expect(approved.code).toBe(0);

    const d2 = await daemonFor(r);
    await waitFor(
      'the pull request after the approval',
      () => (r.github.state.pulls('acme', 'widgets').length > 0 ? true : undefined),
      60_000,
    );
    await waitFor('the session.completed notification', () =>
      hook.received.some((x) => x.headers['x-worktrain-event'] === 'session.completed') ? true : undefined,
    );
    const pulls = r.github.state.pulls('acme', 'widgets');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.pull).toMatchObject({ head: `worktrain/${sessionId}` });
    expect(await sessionView(d2, sessionId, true)).toMatchObject({
      status: 'completed',
      delivery: null,
      pendingApprovalIds: [],
    });

    const events = await sessionEvents(d2, sessionId);
    const resolved = events.filter((e) => e.kind === 'gate_resolved');
    expect(resolved).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          nodeId: request.id,
          verdict: 'approved',
          actor: 'cli:alice',
          reason: 'reviewed the diff',
        }),
      }),
    ]);
    expect(events.some((e) => e.kind === 'gate_parked' && e.data.nodeId === request.id)).toBe(true);
    const traces = events.filter((e) => e.kind === 'decision_trace' && e.data.decision === 'delivery_gate');
    expect(traces.map((e) => (e.data.data as { verdict: string }).verdict)).toEqual(['pending', 'proceed']);
    expect(
      events
        .filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'delivery')
        .map((e) => e.data.outcome),
    ).toEqual(['succeeded']);

    const shown = (await (await d2.api(`/approvals/${request.id}`)).json()) as {
      audit: Array<{ event: string; actor: string; reason: string | null }>;
    };
    expect(shown.audit).toContainEqual(expect.objectContaining({ event: 'approved', actor: 'cli:alice' }));

    // Notifications: signed, typed, and never carrying the secrets.
    const types = hook.received.map((x) => x.headers['x-worktrain-event']);
    expect(types).toEqual(expect.arrayContaining(['approval.needed', 'session.completed']));
    for (const x of hook.received) {
      expect(
        verifyNotification({
          secret: NOTIFY_SECRET,
          body: x.body,
          signature: String(x.headers['x-worktrain-signature-256']),
          timestamp: String(x.headers['x-worktrain-timestamp']),
          nowSeconds: Math.floor(Date.now() / 1000),
        }),
      ).toEqual({ ok: true });
      expect(x.body).not.toContain(NOTIFY_SECRET);
    }
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]?.text).toContain('approval needed');
    expect(d2.stderr()).not.toContain(NOTIFY_SECRET);
    expect(d2.stderr()).not.toContain(slack.webhookUrl);
    expect(JSON.stringify(events)).not.toContain(NOTIFY_SECRET);
  }, 180_000);

  it('stops on a rejection through the API after a restart: no PR, and the session says who and why', async () => {
    const r = await approvalRig();
    // The trigger's callbackUrl gets this session's notifications, signed with notifications.callbackSecret.
    const callback = await webhookReceiver();
    appendFileSync(join(r.home.home, 'triggers.yaml'), `    callbackUrl: ${JSON.stringify(callback.url)}\n`);
    appendFileSync(join(r.home.home, 'config.yaml'), 'notifications: { callbackSecret: $NOTIFY_SECRET }\n');
    appendFileSync(join(r.home.home, '.env'), `NOTIFY_SECRET=${NOTIFY_SECRET}\n`);
    const d1 = await daemonFor(r);
    const taskId = await sendIssueWebhook(d1, r.issueNumber);
    const sessionId = await sessionOfTask(d1, taskId);
    const request = await pendingRequest(d1);
    // Notifications are best effort: let the approval.needed one arrive before the kill.
    await waitFor('the approval.needed callback', () =>
      callback.received.some((x) => x.headers['x-worktrain-event'] === 'approval.needed') ? true : undefined,
    );
    await killAndWait(d1);

    const d2 = await daemonFor(r);
    const res = await d2.api(`/approvals/${request.id}/reject`, {
      method: 'POST',
      body: JSON.stringify({ actor: 'api:bob', reason: 'not during the freeze' }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { approval: RequestView }).approval).toMatchObject({
      state: 'rejected',
      decidedBy: 'api:bob',
    });
    const again = await d2.api(`/approvals/${request.id}/approve`, { method: 'POST', body: '{}' });
    expect(again.status).toBe(409);

    await waitFor('the session to end failed', async () => {
      const s = (await (await d2.api(`/sessions/${sessionId}`)).json()) as { status: string };
      return s.status === 'failed' ? true : undefined;
    });
    const events = await sessionEvents(d2, sessionId);
    const stopped = events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'delivery');
    expect(stopped).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({
          outcome: 'failed',
          details: expect.objectContaining({
            code: 'APPROVAL_REJECTED',
            approvalId: request.id,
            actor: 'api:bob',
            reason: 'not during the freeze',
          }),
        }),
      }),
    ]);
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'gate_resolved',
        data: expect.objectContaining({ verdict: 'rejected', actor: 'api:bob' }),
      }),
    );
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(0);
    expect(await r.git.originRef(`worktrain/${sessionId}`)).toBeUndefined();

    await waitFor('the session.failed callback', () =>
      callback.received.some((x) => x.headers['x-worktrain-event'] === 'session.failed') ? true : undefined,
    );
    const failed = callback.received.find((x) => x.headers['x-worktrain-event'] === 'session.failed');
    expect(JSON.parse(failed?.body ?? '{}')).toMatchObject({
      sessionId,
      triggerId: 'gh-issues',
      summary: expect.stringContaining('not during the freeze'),
    });
    for (const x of callback.received)
      expect(
        verifyNotification({
          secret: NOTIFY_SECRET,
          body: x.body,
          signature: String(x.headers['x-worktrain-signature-256']),
          timestamp: String(x.headers['x-worktrain-timestamp']),
          nowSeconds: Math.floor(Date.now() / 1000),
        }).ok,
      ).toBe(true);
    // The callback URL is read from triggers.yaml when needed, never written to the session log.
    expect(JSON.stringify(events)).not.toContain(callback.url);
  }, 180_000);
});
