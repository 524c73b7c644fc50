/**
 * End to end (issue 4 acceptance): the real `worktrain-daemon` process, a real git repository with a bare
 * origin, the fake GitHub REST API (checked against GitHub's OpenAPI description) and the scripted model.
 * A signed `issues.labeled` webhook becomes a task, a session, a commit on `worktrain/<session>`, a push,
 * a pull request and a comment on the issue, with session events for every stage.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXED_ADD, fixScript, sessionEvents, waitFor } from './helpers.js';
import { daemonFor, rig, sendIssueWebhook, sessionOfTask, taskState } from './rig.js';

describe('daemon lifecycle: webhook → task → session → commit → push → PR → comment', () => {
  it('delivers one PR for a labelled issue, with events for every stage', async () => {
    const r = await rig(fixScript());
    const d = await daemonFor(r);
    const taskId = await sendIssueWebhook(d, r.issueNumber);
    const sessionId = await sessionOfTask(d, taskId);
    await waitFor(
      'the task to succeed',
      async () => ((await taskState(d, taskId)) === 'succeeded' ? true : undefined),
      60_000,
    );

    const pulls = r.github.state.pulls('acme', 'widgets');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.pull).toMatchObject({ head: `worktrain/${sessionId}` });
    const branchSha = await r.git.originRef(`worktrain/${sessionId}`);
    expect(branchSha).toMatch(/^[0-9a-f]{40}$/);
    const content = await r.git.git(['show', `${branchSha}:src/add.js`], r.git.originDir);
    expect(`${content}\n`).toBe(FIXED_ADD);
    const issue = r.github.state.issues('acme', 'widgets').find((i) => i.number === r.issueNumber);
    expect(issue?.comments).toHaveLength(1);
    expect(issue?.comments[0]?.body).toContain(pulls[0]?.number.toString());

    const events = await sessionEvents(d, sessionId);
    const kinds = events.map((e) => e.kind);
    for (const k of [
      'session_created',
      'session_started',
      'llm_turn_started',
      'tool_call_completed',
      'session_completed',
    ])
      expect(kinds).toContain(k);
    const stages = events
      .filter((e) => e.kind === 'delivery_recorded')
      .map((e) => [e.data.stage, e.data.outcome]);
    expect(stages).toEqual(
      expect.arrayContaining([
        ['commit', 'succeeded'],
        ['push', 'succeeded'],
        ['pull_request', 'succeeded'],
        ['issue_comment', 'succeeded'],
        ['delivery', 'succeeded'],
      ]),
    );
    const worktreeReady = events.find(
      (e) => e.kind === 'decision_trace' && e.data.decision === 'worktree_ready',
    );
    expect(worktreeReady).toBeDefined();
    // Delivered: the worktree is removed, the branch stays.
    await waitFor('the worktree to be removed', () =>
      existsSync(join(r.home.home, 'worktrees', sessionId)) ? undefined : true,
    );
    // The agent never saw the forge token.
    expect(JSON.stringify(events)).not.toContain('ghp_testtoken');
    expect(readFileSync(join(r.home.home, 'logs', 'daemon.log'), 'utf8')).not.toContain('ghp_testtoken');
  });

  it('SIGKILL during an LLM call: after restart the session resumes, completes, and exactly one PR exists', async () => {
    const r = await rig(fixScript({ fixDelayMs: 4000 }), 2000);
    const d1 = await daemonFor(r);
    const taskId = await sendIssueWebhook(d1, r.issueNumber);
    const sessionId = await sessionOfTask(d1, taskId);
    await waitFor('the first model turn to start', async () => {
      const events = await sessionEvents(d1, sessionId);
      return events.some((e) => e.kind === 'llm_turn_started') ? true : undefined;
    });
    d1.child.kill('SIGKILL');
    await d1.exited;

    const d2 = await daemonFor(r);
    await waitFor(
      'the task to succeed after restart',
      async () => ((await taskState(d2, taskId)) === 'succeeded' ? true : undefined),
      60_000,
    );
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(1);
    const sessions = (await (await d2.api('/sessions')).json()) as { sessions: Array<{ sessionId: string }> };
    expect(sessions.sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    const events = await sessionEvents(d2, sessionId);
    expect(events.filter((e) => e.kind === 'session_started').length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.kind === 'session_created')).toHaveLength(1);
  });

  it('kill switch: a running session is aborted within seconds, recorded, and its task dead-lettered as cancelled', async () => {
    const r = await rig(fixScript({ fixDelayMs: 120_000 }));
    const d = await daemonFor(r);
    const taskId = await sendIssueWebhook(d, r.issueNumber);
    const sessionId = await sessionOfTask(d, taskId);
    await waitFor('the agent to be running', async () => {
      const s = (await (await d.api(`/sessions/${sessionId}`)).json()) as { runningHere: boolean };
      return s.runningHere ? true : undefined;
    });
    const started = Date.now();
    const res = await d.api(`/sessions/${sessionId}/kill`, {
      method: 'POST',
      body: JSON.stringify({ reason: 'test kill' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ sessionId, how: 'running' });
    await waitFor(
      'the session to be aborted',
      async () => {
        const s = (await (await d.api(`/sessions/${sessionId}`)).json()) as {
          status: string;
          runningHere: boolean;
        };
        return s.status === 'aborted' && !s.runningHere ? true : undefined;
      },
      10_000,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(
      'the task to be dead',
      async () => ((await taskState(d, taskId)) === 'dead' ? true : undefined),
      10_000,
    );
    const events = await sessionEvents(d, sessionId);
    const aborted = events.find((e) => e.kind === 'session_aborted');
    expect(aborted?.data).toMatchObject({ reason: 'test kill', actor: 'api', code: 'KILLED' });
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(0);
  });
});
