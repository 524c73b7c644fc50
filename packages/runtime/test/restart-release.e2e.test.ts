/**
 * Crash recovery without waiting for the lease: a daemon SIGKILLed in the middle of a session holds a
 * 10-minute lease on its task. The next daemon on the same WORKTRAIN_HOME proves the predecessor dead (its
 * pid is gone) and releases that lease at start, so the session resumes and delivers within seconds, with
 * the release in the task's audit trail. A live daemon's leases are never touched.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openSqliteQueue } from '@worktrain/queue';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { localProbe, openIncarnations } from '../src/incarnations.js';
import { fixScript, sessionEvents, waitFor } from './helpers.js';
import { daemonFor, rig, sendIssueWebhook, sessionOfTask, taskState } from './rig.js';

const TEN_MINUTES = 600_000;

describe('restart after a crash', () => {
  it('releases the killed daemon’s leases at start instead of waiting for them to expire', async () => {
    const r = await rig(fixScript({ fixDelayMs: 1500 }), TEN_MINUTES);
    const d1 = await daemonFor(r);
    const taskId = await sendIssueWebhook(d1, r.issueNumber);
    const sessionId = await sessionOfTask(d1, taskId);
    await waitFor('the first model turn', async () =>
      (await sessionEvents(d1, sessionId)).some((e) => e.kind === 'llm_turn_started') ? true : undefined,
    );
    expect(await taskState(d1, taskId)).toBe('leased');
    const deadWorker = `${hostname()}:${d1.child.pid}`;
    d1.child.kill('SIGKILL');
    expect(await d1.exited).toBe('SIGKILL');

    const d2 = await daemonFor(r);
    // Far below the 10-minute lease: only the release at start can make this pass.
    await waitFor(
      'the task to succeed after the restart',
      async () => ((await taskState(d2, taskId)) === 'succeeded' ? true : undefined),
      120_000,
    );
    expect(r.github.state.pulls('acme', 'widgets')).toHaveLength(1);
    const sessions = (await (await d2.api('/sessions')).json()) as {
      sessions: Array<{ sessionId: string; status: string }>;
    };
    expect(sessions.sessions).toEqual([expect.objectContaining({ sessionId, status: 'completed' })]);

    const queue = openSqliteQueue({ path: join(r.home.home, 'worktrain.db') })._unsafeUnwrap();
    try {
      const history = (await queue.history(taskId))._unsafeUnwrap();
      const release = history.find((h) => h.from === 'leased' && h.to === 'failed');
      expect(release).toMatchObject({ actor: `${hostname()}:${d2.child.pid}` });
      expect(release?.reason).toContain('daemon restarted');
      expect(release?.reason).toContain(deadWorker);
      expect(history.at(-1)).toMatchObject({ to: 'succeeded' });
    } finally {
      await queue.close();
    }
  }, 180_000);
});

describe('incarnation registry', () => {
  const probeOf = (alive: Record<number, string | null>, host = 'h1') => ({
    hostname: host,
    startOf: (pid: number) => (pid in alive ? alive[pid] : undefined),
  });

  it('reports only predecessors of this host whose process is gone or whose pid was reused', () => {
    const db = new Database(':memory:');
    const reg = (alive: Record<number, string | null>, host = 'h1') =>
      openIncarnations(db, probeOf(alive, host));
    const at = 1;
    reg({}).register({ workerId: 'h1:10', pid: 10, hostname: 'h1', processStart: 'b:100', startedAt: at });
    reg({}).register({ workerId: 'h1:11', pid: 11, hostname: 'h1', processStart: 'b:110', startedAt: at });
    reg({}).register({ workerId: 'h1:12', pid: 12, hostname: 'h1', processStart: 'b:120', startedAt: at });
    reg({}, 'h2').register({
      workerId: 'h2:13',
      pid: 13,
      hostname: 'h2',
      processStart: 'b:130',
      startedAt: at,
    });
    reg({}).register({ workerId: 'h1:14', pid: 14, hostname: 'h1', processStart: 'b:140', startedAt: at });
    reg({}).end(['h1:14'], 2);
    // pid 10 is gone, 11 runs again as a later process (reuse), 12 still runs, 13 is on another host,
    // 14 stopped cleanly.
    const dead = reg({ 11: 'b:999', 12: 'b:120', 99: 'b:1' }).register({
      workerId: 'h1:99',
      pid: 99,
      hostname: 'h1',
      processStart: 'b:1',
      startedAt: 3,
    });
    expect(dead.map((d) => d.workerId).sort()).toEqual(['h1:10', 'h1:11']);
    db.close();
  });

  it('does not call a process dead when its start identity is unknown', () => {
    const db = new Database(':memory:');
    const reg = openIncarnations(db, probeOf({ 20: null }));
    reg.register({ workerId: 'h1:20', pid: 20, hostname: 'h1', processStart: 'b:200', startedAt: 1 });
    const dead = openIncarnations(db, probeOf({ 20: null, 21: null })).register({
      workerId: 'h1:21',
      pid: 21,
      hostname: 'h1',
      processStart: null,
      startedAt: 2,
    });
    expect(dead).toEqual([]);
    db.close();
  });

  it('tells a live process from a gone one and from a killed, unreaped one (zombie) on this machine', async () => {
    // `sh` starts a short child, prints its pid and becomes `sleep 30`, which never reaps that child.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const zombie = Number(
        await new Promise<string>((ok) => parent.stdout.once('data', (d: Buffer) => ok(d.toString().trim()))),
      );
      await waitFor('the child to become a zombie', () => {
        const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z') ? true : undefined;
      });
      const probe = localProbe();
      expect(probe.startOf(zombie)).toBeUndefined();
      expect(probe.startOf(parent.pid ?? -1)).toMatch(/^[0-9a-f-]+:\d+$/);
      expect(probe.startOf(process.pid)).not.toBe(probe.startOf(parent.pid ?? -1));
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
