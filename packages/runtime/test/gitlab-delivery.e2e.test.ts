/**
 * Issue 6 acceptance, GitLab: the real `worktrain-daemon` process, a real git repository with a bare origin,
 * the fake self-managed GitLab (answers checked against the shapes of real gitlab.com answers) and the
 * scripted model. A GitLab `Issue Hook` (X-Gitlab-Token) becomes a task, a session, a commit pushed on
 * `worktrain/<session>`, a merge request filled from GitLab's default MR template, and a note on the issue.
 * SIGKILLed while GitLab holds the create request (the MR is made, the daemon never hears back), the
 * restarted daemon finds the MR by its source branch: exactly one MR and one note.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonOf, forgeRig, GITLAB_TOKEN, PROJECT, sendGitLabIssueHook } from './forge-rig.js';
import { fixScript, sessionEvents, waitFor } from './helpers.js';
import { sessionOfTask, taskState } from './rig.js';

const mergeRequestsOf = (r: Awaited<ReturnType<typeof forgeRig>>) =>
  r.gitlab.state.project(PROJECT)?.mergeRequests ?? [];
const issueOf = (r: Awaited<ReturnType<typeof forgeRig>>) =>
  r.gitlab.state.project(PROJECT)?.issues.find((i) => i.iid === r.glIssueIid);

describe('daemon delivery to GitLab', () => {
  it('turns an Issue Hook into one merge request (MR template, labels) and a note on the issue', async () => {
    const r = await forgeRig({ turns: fixScript() });
    const d = await daemonOf(r);
    const taskId = await sendGitLabIssueHook(d, r.glIssueIid);
    const sessionId = await sessionOfTask(d, taskId);
    await waitFor(
      'the task to succeed',
      async () => ((await taskState(d, taskId)) === 'succeeded' ? true : undefined),
      60_000,
    );

    const mrs = mergeRequestsOf(r);
    expect(mrs).toHaveLength(1);
    const mr = mrs[0];
    expect(mr).toMatchObject({
      sourceBranch: `worktrain/${sessionId}`,
      targetBranch: 'main',
      state: 'opened',
      labels: ['worktrain'],
    });
    // GitLab's default MR template (.gitlab/merge_request_templates/Default.md) shapes the description.
    expect(mr?.description).toContain('## What does this MR do?');
    expect(mr?.description).toContain('## How to test');
    expect(mr?.description).toMatch(new RegExp(`#${r.glIssueIid}\\b`));
    // The branch was pushed to the real origin with the fix.
    const sha = await r.git.originRef(`worktrain/${sessionId}`);
    expect(await r.git.git(['show', `${sha}:src/add.js`], r.git.originDir)).toContain('a + b');

    const notes = issueOf(r)?.notes ?? [];
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain(`/${PROJECT}/-/merge_requests/${mr?.iid}`);
    expect(r.gitlab.state.schemaViolations).toEqual([]);
    // Every call carried the configured token (the double records the user it belongs to).
    expect(r.gitlab.state.requests.every((q) => q.username === 'worktrain-bot')).toBe(true);

    const events = await sessionEvents(d, sessionId);
    const stages = events
      .filter((e) => e.kind === 'delivery_recorded')
      .map((e) => [e.data.stage, e.data.outcome]);
    expect(stages).toEqual(
      expect.arrayContaining([
        ['push', 'succeeded'],
        ['pull_request', 'succeeded'],
        ['issue_comment', 'succeeded'],
        ['delivery', 'succeeded'],
      ]),
    );
    const attempted = events.find((e) => e.kind === 'delivery_attempted' && e.data.stage === 'pull_request');
    expect(attempted?.data.target).toBe(`gitlab:${PROJECT}`);
    expect(JSON.stringify(events)).not.toContain(GITLAB_TOKEN);
    expect(readFileSync(join(r.home.home, 'logs', 'daemon.log'), 'utf8')).not.toContain(GITLAB_TOKEN);
  });

  it.each([
    { label: 'while GitLab creates the merge request', route: 'createMergeRequest' },
    { label: 'while GitLab creates the issue note', route: 'createIssueNote' },
  ])('SIGKILL $label: after a restart exactly one MR and one note exist', async ({ route }) => {
    const r = await forgeRig({ turns: fixScript(), leaseMs: 2000 });
    const d1 = await daemonOf(r);
    let killed = false;
    // The double calls this before it handles the request: the kill lands while the daemon awaits the
    // answer, and the MR (or note) is still made — the worst case for idempotency.
    r.gitlab.state.onRequest = (name) => {
      if (name === route && !killed) {
        killed = true;
        d1.child.kill('SIGKILL');
      }
    };
    const taskId = await sendGitLabIssueHook(d1, r.glIssueIid);
    const sessionId = await sessionOfTask(d1, taskId);
    await d1.exited;
    expect(killed).toBe(true);
    expect(r.gitlab.state.requests.filter((q) => q.route === route)).toHaveLength(1);

    const d2 = await daemonOf(r);
    await waitFor(
      'the task to succeed after the restart',
      async () => ((await taskState(d2, taskId)) === 'succeeded' ? true : undefined),
      90_000,
    );
    const mrs = mergeRequestsOf(r);
    expect(mrs).toHaveLength(1);
    expect(mrs[0]?.sourceBranch).toBe(`worktrain/${sessionId}`);
    expect(issueOf(r)?.notes).toHaveLength(1);
    expect(r.gitlab.state.requests.filter((q) => q.route === 'createMergeRequest')).toHaveLength(1);
    const events = await sessionEvents(d2, sessionId);
    expect(events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'delivery')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'succeeded' }) }),
    ]);
    const log = await r.git.git(['log', '--format=%s', `main..worktrain/${sessionId}`], r.git.originDir);
    expect(log.split('\n').filter((l) => l.length > 0)).toHaveLength(1);
  });

  it('a dispatch to a GitLab project id that does not exist dead-letters with a clear error, opening nothing', async () => {
    const r = await forgeRig({ turns: fixScript() });
    const d = await daemonOf(r);
    const res = await d.api('/dispatch', {
      method: 'POST',
      body: JSON.stringify({
        workflowId: 'test.daemon-fix',
        goal: 'Fix add()',
        title: 'Fix add()',
        workspace: r.git.repoDir,
        forge: 'gitlab',
        project: '999999',
        issueNumber: r.glIssueIid,
      }),
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { task: { id: string } }).task.id;
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
    expect(task.attempt).toBe(1); // not retried: the project will not appear by itself
    expect(task.lastError?.message).toContain('FORGE_NOT_FOUND');
    expect(task.lastError?.message).toContain("GitLab project '999999' does not exist");
    expect(mergeRequestsOf(r)).toHaveLength(0);
    expect(issueOf(r)?.notes).toHaveLength(0);
  });
});
