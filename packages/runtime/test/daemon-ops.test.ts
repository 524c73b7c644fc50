/**
 * Operator paths of the real daemon: dispatch, SSE with Last-Event-ID, graceful drain on SIGTERM, kill-all,
 * resume, steer, and approvals of a parked gate. No forge is configured, so delivery records `skipped`.
 */
import { createGitFixture } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BUGGY_ADD,
  type Daemon,
  fixScript,
  makeHome,
  sessionEvents,
  startDaemon,
  waitFor,
} from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(turns: Parameters<typeof makeHome>[0]['turns']) {
  const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
  cleanups.push(() => git.cleanup());
  const home = makeHome({ turns, repoDir: git.repoDir, leaseMs: 2000 });
  cleanups.push(() => home.cleanup());
  return { git, home };
}

async function start(home: string): Promise<Daemon> {
  const d = await startDaemon(home);
  cleanups.push(async () => {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  });
  return d;
}

async function dispatch(d: Daemon, workflowId: string, workspace: string): Promise<string> {
  const res = await d.api('/dispatch', {
    method: 'POST',
    body: JSON.stringify({ workflowId, goal: 'Fix add()', workspace }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { task: { id: string } }).task.id;
}

async function sessionOf(d: Daemon, taskId: string): Promise<string> {
  return waitFor('the session of the task', async () => {
    const r = (await (await d.api('/sessions')).json()) as {
      sessions: Array<{ sessionId: string; taskId: string | null }>;
    };
    return r.sessions.find((s) => s.taskId === taskId)?.sessionId;
  });
}

async function task(
  d: Daemon,
  taskId: string,
): Promise<{ state: string; attempt: number; lastError: { class: string } | null } | undefined> {
  const r = (await (await d.api('/queue')).json()) as {
    tasks: Array<{ id: string; state: string; attempt: number; lastError: { class: string } | null }>;
  };
  return r.tasks.find((t) => t.id === taskId);
}

describe('daemon operations', () => {
  it('dispatch runs a session; without a forge, delivery is recorded as skipped; SSE resumes after Last-Event-ID', async () => {
    const { git, home } = await setup(fixScript());
    const d = await start(home.home);
    const taskId = await dispatch(d, 'test.daemon-fix', git.repoDir);
    const sessionId = await sessionOf(d, taskId);
    await waitFor('the task to succeed', async () =>
      (await task(d, taskId))?.state === 'succeeded' ? true : undefined,
    );
    const all = await sessionEvents(d, sessionId);
    expect(all.at(-1)).toMatchObject({
      kind: 'delivery_recorded',
      data: { outcome: 'skipped', stage: 'delivery' },
    });
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const after = all[4]?.seq ?? 0;
    const res = await d.api(`/sessions/${sessionId}/events?follow=false`, {
      headers: { 'last-event-id': String(after) },
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const ids = (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('id: '))
      .map((l) => Number(l.slice(4)));
    expect(ids).toEqual(all.filter((e) => e.seq > after).map((e) => e.seq));
    const bad = await d.api(`/sessions/${sessionId}/events`, { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
  });

  it('a workspace without an origin remote dead-letters at once (validation), and the session log says why', async () => {
    const { git, home } = await setup(fixScript());
    await git.git(['remote', 'remove', 'origin']);
    const d = await start(home.home);
    const taskId = await dispatch(d, 'test.daemon-fix', git.repoDir);
    const sessionId = await sessionOf(d, taskId);
    const dead = await waitFor('the task to be dead-lettered', async () => {
      const t = await task(d, taskId);
      return t?.state === 'dead' ? t : undefined;
    });
    // One attempt, not maxAttempts (5): no retry can add the remote.
    expect(dead).toMatchObject({ attempt: 1, lastError: { class: 'validation' } });
    const traces = (await sessionEvents(d, sessionId)).filter((e) => e.kind === 'decision_trace');
    expect(traces.at(-1)?.data).toMatchObject({
      decision: 'task_dead_lettered',
      reason: expect.stringContaining('has no remote named origin'),
      data: { taskId, attempt: 1, failureClass: 'validation' },
    });
    // The API shows the session failed (not running forever), with why and how to carry on.
    const shown = (await (await d.api(`/sessions/${sessionId}`)).json()) as Record<string, unknown>;
    expect(shown).toMatchObject({
      status: 'failed',
      runningHere: false,
      failure: {
        reason: expect.stringContaining('has no remote named origin'),
        hint: expect.stringContaining(`worktrain sessions continue ${sessionId}`),
        taskId,
      },
    });
    const listed = (await (await d.api('/sessions?status=running')).json()) as { sessions: unknown[] };
    expect(listed.sessions).toEqual([]);
  });

  it('SIGTERM drains: the running session finishes, the process exits 0, and nothing is left leased', async () => {
    const { git, home } = await setup(fixScript({ fixDelayMs: 1500 }));
    const d = await start(home.home);
    const taskId = await dispatch(d, 'test.daemon-fix', git.repoDir);
    const sessionId = await sessionOf(d, taskId);
    await waitFor('the agent to run', async () => {
      const s = (await (await d.api(`/sessions/${sessionId}`)).json()) as { runningHere: boolean };
      return s.runningHere ? true : undefined;
    });
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);
    const d2 = await start(home.home);
    expect(await task(d2, taskId)).toMatchObject({ state: 'succeeded' });
    const s = (await (await d2.api(`/sessions/${sessionId}`)).json()) as { status: string };
    expect(s.status).toBe('completed');
  });

  it('kill-all aborts every running session; resume of an aborted session is refused; steer needs a running session', async () => {
    const { git, home } = await setup(fixScript({ fixDelayMs: 120_000 }));
    const d = await start(home.home);
    const t1 = await dispatch(d, 'test.daemon-fix', git.repoDir);
    const t2 = await dispatch(d, 'test.daemon-fix', git.repoDir);
    const s1 = await sessionOf(d, t1);
    const s2 = await sessionOf(d, t2);
    await waitFor('both agents to run', async () => {
      const r = (await (await d.api('/sessions')).json()) as { sessions: Array<{ runningHere: boolean }> };
      return r.sessions.filter((s) => s.runningHere).length === 2 ? true : undefined;
    });
    const steer = await d.api(`/sessions/${s1}/steer`, {
      method: 'POST',
      body: JSON.stringify({ message: 'focus on add()' }),
    });
    expect(steer.status).toBe(202);
    const started = Date.now();
    const res = await d.api('/sessions/kill-all', { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    const killed = ((await res.json()) as { killed: Array<{ sessionId: string }> }).killed.map(
      (k) => k.sessionId,
    );
    expect(killed.sort()).toEqual([s1, s2].sort());
    for (const t of [t1, t2])
      await waitFor(
        'the task to be dead (cancelled)',
        async () => {
          const found = await task(d, t);
          return found?.state === 'dead' && found.lastError?.class === 'cancelled' ? true : undefined;
        },
        10_000,
      );
    expect(Date.now() - started).toBeLessThan(5000);
    const resume = await d.api(`/sessions/${s1}/resume`, { method: 'POST', body: '{}' });
    expect(resume.status).toBe(409);
    const steerDead = await d.api(`/sessions/${s1}/steer`, {
      method: 'POST',
      body: JSON.stringify({ message: 'x' }),
    });
    expect(steerDead.status).toBe(409);
    expect(await steerDead.json()).toMatchObject({ code: 'SESSION_NOT_RUNNING' });
    const again = await d.api(`/sessions/${s1}/kill`, { method: 'POST', body: '{}' });
    expect(again.status).toBe(409);
  });

  it('a gate parks the session; approving it through the API resumes and completes the session', async () => {
    const { git, home } = await setup([
      {
        step: 'plan',
        toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Plan: change + to -.' } }],
      },
      { step: 'ship', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Shipped.' } }] },
    ]);
    const d = await start(home.home);
    const taskId = await dispatch(d, 'test.daemon-gate', git.repoDir);
    const sessionId = await sessionOf(d, taskId);
    const approvals = await waitFor('a parked gate', async () => {
      const r = (await (await d.api('/approvals')).json()) as {
        approvals: Array<{ sessionId: string; stepId: string; gateToken: string }>;
      };
      return r.approvals.length > 0 ? r.approvals : undefined;
    });
    expect(approvals).toEqual([expect.objectContaining({ sessionId, stepId: 'plan', gateToken: '' })]);
    const summary = (await (await d.api(`/sessions/${sessionId}`)).json()) as { status: string };
    expect(summary.status).toBe('awaiting_approval');
    const res = await d.api(`/approvals/${sessionId}/approve`, {
      method: 'POST',
      body: JSON.stringify({ actor: 'alice' }),
    });
    expect(res.status).toBe(200);
    await waitFor('the session to complete', async () => {
      const s = (await (await d.api(`/sessions/${sessionId}`)).json()) as { status: string };
      return s.status === 'completed' ? true : undefined;
    });
    const events = await sessionEvents(d, sessionId);
    expect(events.find((e) => e.kind === 'gate_resolved')?.data).toMatchObject({
      verdict: 'approved',
      actor: 'alice',
    });
    const unknown = await d.api(`/approvals/${sessionId}/approve`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
  });
});
