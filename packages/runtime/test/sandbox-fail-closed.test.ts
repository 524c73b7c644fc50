/**
 * Fail closed (issue #12): with `sandbox.mode: enforce` (the default) and no working backend — here the
 * daemon's PATH has git but no `bwrap` — the real daemon starts and serves its API, but runs no agent
 * session: /health says so, the log says why and how to fix it, and a dispatched task stays queued.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { BUGGY_ADD, fixScript, makeHome, startDaemon, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('sandbox fail closed', () => {
  it('without bubblewrap the daemon serves its API but claims no task, and says why', async () => {
    const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
    cleanups.push(() => git.cleanup());
    const home = makeHome({ turns: fixScript(), repoDir: git.repoDir });
    cleanups.push(() => home.cleanup());
    const bin = join(home.root, 'bin-without-bwrap');
    mkdirSync(bin);
    symlinkSync('/usr/bin/git', join(bin, 'git'));
    const d = await startDaemon(home.home, [], { PATH: bin });
    cleanups.push(async () => {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGKILL');
        await d.exited;
      }
    });

    const health = (await (await fetch(`${d.url}/health`)).json()) as {
      sandbox: { mode: string; backend: string | null; agentSessions: string; error?: string };
    };
    expect(health.sandbox).toMatchObject({ mode: 'enforce', backend: null, agentSessions: 'refused' });
    expect(health.sandbox.error).toContain('bubblewrap');
    await waitFor('the fail-closed log line', () =>
      d.stderr().includes('Agent sessions will not run until this is fixed') ? true : undefined,
    );
    expect(d.stderr()).toContain('apt-get install bubblewrap');

    const res = await d.api('/dispatch', {
      method: 'POST',
      body: JSON.stringify({ workflowId: 'test.daemon-fix', goal: 'Fix add()', workspace: git.repoDir }),
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { task: { id: string } }).task.id;
    const queue = (await (await d.api('/queue')).json()) as {
      tasks: Array<{ id: string; state: string; attempt: number }>;
    };
    expect(queue.tasks.find((t) => t.id === taskId)).toMatchObject({ state: 'pending', attempt: 0 });
    const sessions = (await (await d.api('/sessions')).json()) as { sessions: unknown[] };
    expect(sessions.sessions).toEqual([]);
  });
});
