/**
 * `delivery.checks` in config.yaml (issue 6, apply pipeline): the daemon runs the configured commands in the
 * session's worktree before anything is committed or pushed, records exit code and output as the `checks`
 * delivery stage, and a failing check stops the delivery for good (CHECKS_FAILED, dead letter at once, no
 * branch pushed, no PR).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixScript, sessionEvents, waitFor } from './helpers.js';
import { daemonFor, rig, sessionOfTask } from './rig.js';

type QueueTask = { id: string; state: string; attempt: number; lastError: { message: string } | null };

async function dispatch(
  d: Awaited<ReturnType<typeof daemonFor>>,
  r: Awaited<ReturnType<typeof rig>>,
): Promise<string> {
  const res = await d.api('/dispatch', {
    method: 'POST',
    body: JSON.stringify({
      workflowId: 'test.daemon-fix',
      goal: 'Fix add()',
      workspace: r.git.repoDir,
      repo: 'acme/widgets',
      issueNumber: r.issueNumber,
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { task: { id: string } }).task.id;
}

async function finalTask(d: Awaited<ReturnType<typeof daemonFor>>, taskId: string): Promise<QueueTask> {
  return waitFor(
    'the task to finish',
    async () => {
      const q = (await (await d.api('/queue')).json()) as { tasks: QueueTask[] };
      const t = q.tasks.find((x) => x.id === taskId);
      return t?.state === 'succeeded' || t?.state === 'dead' ? t : undefined;
    },
    60_000,
  );
}

describe('delivery.checks', () => {
  it('runs each check in the worktree before the commit and records its output; passing checks deliver', async () => {
    const r = await rig(fixScript());
    // The check sees the agent's fix (it runs in the worktree) and not the daemon's secrets.
    appendFileSync(
      join(r.home.home, 'config.yaml'),
      [
        'delivery:',
        '  checks:',
        '    - name: test',
        `      command: "grep -q 'a + b' src/add.js && echo fixed; echo token=$\{GITHUB_TOKEN:-none}"`,
        '',
      ].join('\n'),
    );
    const d = await daemonFor(r);
    const taskId = await dispatch(d, r);
    const sessionId = await sessionOfTask(d, taskId);
    expect((await finalTask(d, taskId)).state).toBe('succeeded');

    const events = await sessionEvents(d, sessionId);
    const checks = events.find((e) => e.kind === 'delivery_recorded' && e.data.stage === 'checks');
    expect(checks?.kind === 'delivery_recorded' && checks.data.outcome).toBe('succeeded');
    const details = JSON.stringify(checks?.kind === 'delivery_recorded' ? checks.data.details : null);
    expect(details).toContain('fixed');
    expect(details).toContain('token=none');
    expect(details).not.toContain('ghp_testtoken');
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(1);
  });

  it('a failing check stops the delivery at once: dead letter with CHECKS_FAILED, nothing pushed or opened', async () => {
    const r = await rig(fixScript());
    appendFileSync(
      join(r.home.home, 'config.yaml'),
      'delivery:\n  checks:\n    - name: lint\n      command: "echo style problem >&2; exit 3"\n',
    );
    expect(readFileSync(join(r.home.home, 'config.yaml'), 'utf8')).toContain('exit 3');
    const d = await daemonFor(r);
    const taskId = await dispatch(d, r);
    const sessionId = await sessionOfTask(d, taskId);
    const task = await finalTask(d, taskId);
    expect(task.state).toBe('dead');
    expect(task.attempt).toBe(1);
    expect(task.lastError?.message).toContain('CHECKS_FAILED');

    const events = await sessionEvents(d, sessionId);
    const checks = events.find((e) => e.kind === 'delivery_recorded' && e.data.stage === 'checks');
    expect(checks?.kind === 'delivery_recorded' && checks.data.outcome).toBe('failed');
    expect(JSON.stringify(checks?.kind === 'delivery_recorded' ? checks.data.details : null)).toContain(
      'style problem',
    );
    expect(r.github.state.pulls('acme', 'widgets')).toEqual([]);
    expect(await r.git.originRef(`worktrain/${sessionId}`)).toBeUndefined();
  });
});
