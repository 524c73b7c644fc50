/**
 * Issue 6 acceptance, Jira: the real `worktrain-daemon` process, a real git repository with a bare origin,
 * the fake Jira Cloud (requests and answers validated against Atlassian's OpenAPI description), the fake
 * GitLab and GitHub. A signed Jira webhook for ticket WT-1 becomes a task whose code goes where
 * `jira.projects` sends the WT project; once the MR/PR is open the ticket moves to "In Review" (a
 * transition found by its target status's name), gets a remote link to the MR/PR and one comment. A
 * status no transition leads to fails the task with the transitions the ticket does offer.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  daemonOf,
  type ForgeRig,
  forgeRig,
  JIRA_TOKEN,
  PROJECT,
  sendGitHubMergedPull,
  sendGitLabMergeHook,
  sendJiraWebhook,
} from './forge-rig.js';
import { type Daemon, fixScript, sessionEvents, waitFor } from './helpers.js';
import { sessionOfTask, taskState } from './rig.js';

interface RequestView {
  id: string;
  state: string;
  tier: string;
  action: Record<string, unknown>;
}

async function pendingRequest(d: Daemon): Promise<RequestView> {
  return waitFor('a pending approval request', async () => {
    const r = (await (await d.api('/approvals?state=pending')).json()) as { requests: RequestView[] };
    return r.requests[0];
  });
}

async function approve(d: Daemon, id: string, actor: string): Promise<void> {
  const res = await d.api(`/approvals/${id}/approve`, {
    method: 'POST',
    body: JSON.stringify({ actor, reason: 'merged on purpose' }),
  });
  expect(res.status).toBe(200);
}

/** Waits until the session records the merge follow-up's Jira update (stage `ticket_merged`) as done. */
async function mergeRecorded(d: Daemon, sessionId: string): Promise<void> {
  await waitFor(
    'the ticket_merged record',
    async () =>
      (await sessionEvents(d, sessionId)).some(
        (e) =>
          e.kind === 'delivery_recorded' &&
          e.data.stage === 'ticket_merged' &&
          e.data.outcome === 'succeeded',
      )
        ? true
        : undefined,
    30_000,
  );
}

const ticketOf = (r: ForgeRig) => {
  const t = r.jira.state.issue(r.jiraKey);
  if (t === undefined) throw new Error(`no ticket ${r.jiraKey}`);
  return t;
};

/** Follows the session's SSE stream and SIGKILLs the daemon on the first `match`ing event. */
async function killWhen(
  d: Daemon,
  sessionId: string,
  match: (e: { kind: string; data: Record<string, unknown> }) => boolean,
): Promise<boolean> {
  const res = await d.api(`/sessions/${sessionId}/events`);
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error('no SSE body');
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return false;
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (!line.startsWith('data: ') || line.length <= 6) continue;
        if (match(JSON.parse(line.slice(6)))) {
          d.child.kill('SIGKILL');
          return true;
        }
      }
    }
  } catch {
    return true;
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

describe('daemon delivery for Jira tickets', () => {
  it('opens the MR on the mapped GitLab project, then moves the ticket to In Review with a link and a comment', async () => {
    const r = await forgeRig({ turns: fixScript() });
    const d = await daemonOf(r);
    const taskId = await sendJiraWebhook(d, r.jira.url, r.jiraKey);
    const sessionId = await sessionOfTask(d, taskId);
    await waitFor(
      'the task to succeed',
      async () => ((await taskState(d, taskId)) === 'succeeded' ? true : undefined),
      60_000,
    );

    const mrs = r.gitlab.state.project(PROJECT)?.mergeRequests ?? [];
    expect(mrs).toHaveLength(1);
    expect(mrs[0]?.sourceBranch).toBe(`worktrain/${sessionId}`);
    const mrUrl = `${r.gitlab.url}/${PROJECT}/-/merge_requests/${mrs[0]?.iid}`;

    const ticket = ticketOf(r);
    expect(r.jira.state.statusName(ticket)).toBe('In Review');
    expect(ticket.remoteLinks).toHaveLength(1);
    expect(ticket.remoteLinks[0]?.object.url).toBe(mrUrl);
    expect(ticket.remoteLinks[0]?.globalId).toBe(`worktrain:gitlab:${PROJECT}#${mrs[0]?.iid}`);
    expect(ticket.comments).toHaveLength(1);
    expect(JSON.stringify(ticket.comments[0]?.body)).toContain(mrUrl);
    expect(r.jira.state.specViolations).toEqual([]);
    // The transition was found by its target status: "Start review" leads to In Review.
    const transitions = r.jira.state.requests.filter(
      (q) => q.method === 'POST' && q.url.endsWith('/transitions'),
    );
    expect(transitions.map((q) => q.body)).toEqual([{ transition: { id: '31' } }]);

    const events = await sessionEvents(d, sessionId);
    const ticketUpdate = events.filter(
      (e) => e.kind === 'delivery_recorded' && e.data.stage === 'ticket_update',
    );
    expect(ticketUpdate).toEqual([
      expect.objectContaining({
        data: expect.objectContaining({ outcome: 'succeeded', url: mrUrl }),
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(JIRA_TOKEN);
  });

  it('moves the ticket to Done once approved when GitLab reports the MR merged, without starting a session', async () => {
    const r = await forgeRig({ turns: fixScript() });
    appendFileSync(join(r.home.home, 'config.yaml'), 'approvals: { checkIntervalMs: 200 }\n');
    const d = await daemonOf(r);
    const taskId = await sendJiraWebhook(d, r.jira.url, r.jiraKey);
    const sessionId = await sessionOfTask(d, taskId);
    await waitFor(
      'the task to succeed',
      async () => ((await taskState(d, taskId)) === 'succeeded' ? true : undefined),
      60_000,
    );
    const mr = r.gitlab.state.project(PROJECT)?.mergeRequests[0];
    if (mr === undefined) throw new Error('no MR');
    const mrUrl = `${r.gitlab.url}/${PROJECT}/-/merge_requests/${mr.iid}`;
    // A human merges the MR; GitLab sends the Merge Request Hook.
    mr.state = 'merged';
    const mergeTask = await sendGitLabMergeHook(d, {
      iid: mr.iid,
      sourceBranch: mr.sourceBranch,
      url: mrUrl,
    });
    await waitFor(
      'the merge task to end parked',
      async () => ((await taskState(d, mergeTask)) === 'succeeded' ? true : undefined),
      30_000,
    );
    // The built-in policy ranks a move to Done medium: it waits for a person (or the 30 min timeout).
    const request = await pendingRequest(d);
    expect(request).toMatchObject({
      tier: 'medium',
      action: { kind: 'transition_ticket', target: r.jiraKey, status: 'Done' },
    });
    expect(r.jira.state.statusName(ticketOf(r))).toBe('In Review');
    await approve(d, request.id, 'api:carol');
    await mergeRecorded(d, sessionId);
    const ticket = ticketOf(r);
    expect(ticket.statusHistory.map((id) => r.jira.state.status(id)?.name)).toEqual([
      'To Do',
      'In Review',
      'Done',
    ]);
    // Still one link (same globalId), now resolved; one comment per event.
    expect(ticket.remoteLinks).toHaveLength(1);
    expect(ticket.remoteLinks[0]?.object.status).toEqual({ resolved: true });
    expect(ticket.comments).toHaveLength(2);
    // The merge started no session; it was recorded on the session that opened the MR.
    const sessions = (await (await d.api('/sessions')).json()) as { sessions: Array<{ sessionId: string }> };
    expect(sessions.sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    const events = await sessionEvents(d, sessionId);
    expect(events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'ticket_merged')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'succeeded' }) }),
    ]);
    expect(r.jira.state.specViolations).toEqual([]);
  });

  it('GitHub: a merged worktrain/<session> pull request waits for approval across a SIGKILL, then moves the ticket to Done', async () => {
    const r = await forgeRig({
      turns: fixScript(),
      jiraProjects: '{ WT: { forge: github, project: acme/widgets } }',
    });
    appendFileSync(join(r.home.home, 'config.yaml'), 'approvals: { checkIntervalMs: 200 }\n');
    const d1 = await daemonOf(r);
    const taskId = await sendJiraWebhook(d1, r.jira.url, r.jiraKey);
    const sessionId = await sessionOfTask(d1, taskId);
    await waitFor(
      'the task to succeed',
      async () => ((await taskState(d1, taskId)) === 'succeeded' ? true : undefined),
      60_000,
    );
    const pull = r.github.state.pulls('acme', 'widgets')[0];
    if (pull === undefined) throw new Error('no pull request');
    expect(pull.pull?.head).toBe(`worktrain/${sessionId}`);
    expect(r.jira.state.statusName(ticketOf(r))).toBe('In Review');

    // A person merges the pull request; GitHub sends pull_request.closed with merged: true.
    const pullUrl = `${r.github.url}/acme/widgets/pull/${pull.number}`;
    const mergeTask = await sendGitHubMergedPull(d1, {
      number: pull.number,
      headRef: `worktrain/${sessionId}`,
      url: pullUrl,
    });
    await waitFor(
      'the merge task to end parked',
      async () => ((await taskState(d1, mergeTask)) === 'succeeded' ? true : undefined),
      30_000,
    );
    const request = await pendingRequest(d1);
    expect(request).toMatchObject({
      tier: 'medium',
      action: { kind: 'transition_ticket', target: r.jiraKey, status: 'Done' },
    });
    expect(r.jira.state.statusName(ticketOf(r))).toBe('In Review');

    d1.child.kill('SIGKILL');
    await d1.exited;
    const d2 = await daemonOf(r);
    await approve(d2, request.id, 'api:alice');
    await mergeRecorded(d2, sessionId);
    expect(r.jira.state.statusName(ticketOf(r))).toBe('Done');
    const ticket = ticketOf(r);
    expect(ticket.statusHistory.map((id) => r.jira.state.status(id)?.name)).toEqual([
      'To Do',
      'In Review',
      'Done',
    ]);
    expect(ticket.remoteLinks).toHaveLength(1);
    expect(ticket.remoteLinks[0]?.object.status).toEqual({ resolved: true });
    const sessions = (await (await d2.api('/sessions')).json()) as { sessions: Array<{ sessionId: string }> };
    expect(sessions.sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    const events = await sessionEvents(d2, sessionId);
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'gate_resolved',
        data: expect.objectContaining({ nodeId: request.id, verdict: 'approved', actor: 'api:alice' }),
      }),
    );
    expect(events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'ticket_merged')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'succeeded', url: pullUrl }) }),
    ]);
    expect(r.jira.state.specViolations).toEqual([]);
  }, 180_000);

  it('SIGKILL during the ticket update: after a restart one transition, one link, one comment, one MR', async () => {
    const r = await forgeRig({ turns: fixScript(), leaseMs: 2000 });
    const d1 = await daemonOf(r);
    const taskId = await sendJiraWebhook(d1, r.jira.url, r.jiraKey);
    const sessionId = await sessionOfTask(d1, taskId);
    const killed = await killWhen(
      d1,
      sessionId,
      (e) => e.kind === 'delivery_attempted' && e.data.stage === 'ticket_update',
    );
    expect(killed).toBe(true);
    await d1.exited;

    const d2 = await daemonOf(r);
    await waitFor(
      'the task to succeed after the restart',
      async () => ((await taskState(d2, taskId)) === 'succeeded' ? true : undefined),
      90_000,
    );
    expect(r.gitlab.state.project(PROJECT)?.mergeRequests).toHaveLength(1);
    const ticket = ticketOf(r);
    expect(r.jira.state.statusName(ticket)).toBe('In Review');
    expect(ticket.remoteLinks).toHaveLength(1);
    expect(ticket.comments).toHaveLength(1);
    // To Do → In Review once, whatever the kill interrupted.
    expect(ticket.statusHistory.map((id) => r.jira.state.status(id)?.name)).toEqual(['To Do', 'In Review']);
  });

  it('fails with the available transitions when the configured status has none leading to it', async () => {
    const r = await forgeRig({
      turns: fixScript(),
      onOpened: 'Code Review',
      jiraProjects: '{ "*": { forge: github, project: acme/widgets } }',
    });
    const d = await daemonOf(r);
    const taskId = await sendJiraWebhook(d, r.jira.url, r.jiraKey);
    const sessionId = await sessionOfTask(d, taskId);
    const task = await waitFor(
      'the task to be dead-lettered',
      async () => {
        const q = (await (await d.api('/queue')).json()) as {
          tasks: Array<{ id: string; state: string; attempt: number; lastError: { message: string } | null }>;
        };
        const t = q.tasks.find((x) => x.id === taskId);
        return t?.state === 'dead' ? t : undefined;
      },
      60_000,
    );
    // The PR was opened on GitHub (the `*` route); only the ticket update failed.
    const pulls = r.github.state.pulls('acme', 'widgets');
    expect(pulls).toHaveLength(1);
    // Not retried (maxAttempts is 5): a retry cannot make the transition exist.
    expect(task.attempt).toBe(1);
    expect(task.lastError?.message).toContain('TRANSITION_NOT_FOUND');
    expect(task.lastError?.message).toContain('no transition to "Code Review"');
    for (const name of ['"Start review" → In Review', '"Done" → Done', '"Start progress" → In Progress'])
      expect(task.lastError?.message).toContain(name);
    const ticket = ticketOf(r);
    expect(r.jira.state.statusName(ticket)).toBe('To Do');
    expect(ticket.comments).toHaveLength(0);

    const events = await sessionEvents(d, sessionId);
    const failed = events.find(
      (e) =>
        e.kind === 'delivery_recorded' && e.data.stage === 'ticket_update' && e.data.outcome === 'failed',
    );
    expect(failed?.data.details).toMatchObject({
      code: 'TRANSITION_NOT_FOUND',
      status: 'Code Review',
      available: expect.arrayContaining([{ id: '31', name: 'Start review', to: 'In Review' }]),
    });
  });
});
