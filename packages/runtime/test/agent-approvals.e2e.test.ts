/**
 * Issue 6, the policy in front of the agent's own actions: a `bash` command matching a high `run_command`
 * pattern waits (session `awaiting_approval`, one durable approval request) until a person decides through
 * the API; approved → it runs and its output reaches the model; rejected → the model reads the refusal and
 * the session goes on; a low command runs at once, recorded approved by `policy:low`. The wait survives a
 * SIGKILL of the daemon: the restarted daemon waits on the same request. Real daemon process, real git,
 * real SQLite, fake GitHub, scripted model.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScriptedTurn } from '@worktrain/agent';
import { describe, expect, it } from 'vitest';
import { type Daemon, fixScript, sessionEvents, waitFor } from './helpers.js';
import { daemonFor, type Rig, rig, sendIssueWebhook, sessionOfTask } from './rig.js';

const POLICY = `version: 1
rules:
  - action: run_command
    commands: ["*deploy-staging*"]
    tier: high
  - action: run_command
    tier: low
  - action: push
    tier: low
  - action: open_pull_request
    tier: low
  - action: comment
    tier: low
  - action: spend
    tier: low
`;

const HIGH = 'echo DEPLOYED-OK && echo deploy-staging';
const LOW = 'echo LOW-OK';

/** A low then a high command (alone in their turn), then fixScript. */
function script(): ScriptedTurn[] {
  return [
    {
      step: 'fix',
      toolCalls: [
        { name: 'bash', input: { command: LOW } },
        { name: 'bash', input: { command: HIGH } },
      ],
    },
    ...fixScript(),
  ];
}

async function agentRig(): Promise<Rig> {
  const r = await rig(script());
  writeFileSync(join(r.home.home, 'policy.yaml'), POLICY);
  return r;
}

interface RequestView {
  id: string;
  state: string;
  tier: string;
  dedupeKey: string;
  summary: string;
  action: { kind: string; command?: string };
  decidedBy: string | null;
}

async function requests(d: Daemon, state?: string): Promise<RequestView[]> {
  const q = state === undefined ? '' : `?state=${state}`;
  return ((await (await d.api(`/approvals${q}`)).json()) as { requests: RequestView[] }).requests;
}

async function pendingCommand(d: Daemon): Promise<RequestView> {
  return waitFor('a pending run_command approval', async () =>
    (await requests(d, 'pending')).find((r) => r.action.kind === 'run_command'),
  );
}

async function sessionStatus(d: Daemon, sessionId: string): Promise<string> {
  return ((await (await d.api(`/sessions/${sessionId}`)).json()) as { status: string }).status;
}

async function decide(d: Daemon, id: string, verdict: 'approve' | 'reject', actor: string, reason: string) {
  const res = await d.api(`/approvals/${id}/${verdict}`, {
    method: 'POST',
    body: JSON.stringify({ actor, reason }),
  });
  expect(res.status).toBe(200);
}

async function bashResults(d: Daemon, sessionId: string): Promise<Map<string, string>> {
  const events = await sessionEvents(d, sessionId);
  const commands = new Map<string, string>();
  for (const e of events)
    if (e.kind === 'tool_call_started' && e.data.name === 'bash')
      commands.set(String(e.data.toolCallId), String((e.data.input as { command?: unknown }).command));
  const out = new Map<string, string>();
  for (const e of events)
    if (e.kind === 'tool_call_completed' && e.data.name === 'bash')
      out.set(commands.get(String(e.data.toolCallId)) ?? '?', String(e.data.result));
  return out;
}

describe('the policy gates the agent', () => {
  it('a high command waits for approval through the API, then runs; a low one runs at once, audited', async () => {
    const r = await agentRig();
    const d = await daemonFor(r);
    const taskId = await sendIssueWebhook(d, r.issueNumber);
    const sessionId = await sessionOfTask(d, taskId);
    const request = await pendingCommand(d);
    expect(request).toMatchObject({
      tier: 'high',
      action: { kind: 'run_command', command: HIGH },
      dedupeKey: expect.stringMatching(new RegExp(`^${sessionId}:agent:run_command:`)),
    });
    expect(await sessionStatus(d, sessionId)).toBe('awaiting_approval');
    // The high command did not run while waiting (the low one before it did).
    expect((await bashResults(d, sessionId)).has(HIGH)).toBe(false);

    await decide(d, request.id, 'approve', 'api:alice', 'staging is free');
    await waitFor(
      'the pull request',
      () => (r.github.state.pulls('acme', 'widgets').length > 0 ? true : undefined),
      60_000,
    );
    const results = await bashResults(d, sessionId);
    expect(results.get(HIGH)).toContain('DEPLOYED-OK');
    expect(results.get(LOW)).toContain('LOW-OK');

    const events = await sessionEvents(d, sessionId);
    expect(events.filter((e) => e.kind === 'gate_parked').map((e) => e.data.nodeId)).toEqual([request.id]);
    expect(events.filter((e) => e.kind === 'gate_resolved').map((e) => e.data)).toEqual([
      expect.objectContaining({ nodeId: request.id, verdict: 'approved', actor: 'api:alice' }),
    ]);
    // The low command: recorded approved by policy:low, never parked.
    const all = await requests(d);
    const low = all.filter((x) => x.action.kind === 'run_command' && x.action.command === LOW);
    expect(low).toEqual([
      expect.objectContaining({ tier: 'low', state: 'approved', decidedBy: 'policy:low' }),
    ]);
    // Delivery did not ask again about the command the agent's gate already cleared.
    expect(all.filter((x) => x.dedupeKey.includes(':delivery:') && x.action.kind === 'run_command')).toEqual(
      [],
    );
  }, 120_000);

  it('a rejected command is never run: the model reads who refused it and why, and the session goes on', async () => {
    const r = await agentRig();
    const d = await daemonFor(r);
    const taskId = await sendIssueWebhook(d, r.issueNumber);
    const sessionId = await sessionOfTask(d, taskId);
    const request = await pendingCommand(d);
    await decide(d, request.id, 'reject', 'api:bob', 'not during the freeze');
    await waitFor(
      'the pull request',
      () => (r.github.state.pulls('acme', 'widgets').length > 0 ? true : undefined),
      60_000,
    );
    const results = await bashResults(d, sessionId);
    expect(results.get(HIGH)).toContain('command refused by api:bob: not during the freeze');
    expect(results.get(HIGH)).not.toContain('DEPLOYED-OK');
    expect(results.get(LOW)).toContain('LOW-OK');
    const events = await sessionEvents(d, sessionId);
    expect(events.filter((e) => e.kind === 'gate_resolved').map((e) => e.data)).toEqual([
      expect.objectContaining({ nodeId: request.id, verdict: 'rejected', actor: 'api:bob' }),
    ]);
  }, 120_000);

  it('survives a SIGKILL while waiting: the restarted daemon waits on the same request, then runs the command', async () => {
    const r = await agentRig();
    const d1 = await daemonFor(r);
    const taskId = await sendIssueWebhook(d1, r.issueNumber);
    const sessionId = await sessionOfTask(d1, taskId);
    const request = await pendingCommand(d1);
    d1.child.kill('SIGKILL');
    expect(await d1.exited).toBe('SIGKILL');

    const d2 = await daemonFor(r);
    // The task is retried once its lease expires; the resumed run asks again and finds the same request.
    await waitFor(
      'the resumed run to wait again',
      async () => {
        const events = await sessionEvents(d2, sessionId);
        const waits = events.filter(
          (e) => e.kind === 'decision_trace' && e.data.decision === 'action_gate_waiting',
        );
        return waits.length >= 2 ? true : undefined;
      },
      60_000,
    );
    expect(await sessionStatus(d2, sessionId)).toBe('awaiting_approval');
    const commandRequests = (await requests(d2)).filter(
      (x) => x.action.kind === 'run_command' && x.action.command === HIGH,
    );
    expect(commandRequests.map((x) => x.id)).toEqual([request.id]);

    await decide(d2, request.id, 'approve', 'api:alice', 'after the restart');
    await waitFor(
      'the pull request',
      () => (r.github.state.pulls('acme', 'widgets').length > 0 ? true : undefined),
      60_000,
    );
    expect((await bashResults(d2, sessionId)).get(HIGH)).toContain('DEPLOYED-OK');
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(1);
  }, 180_000);
});
