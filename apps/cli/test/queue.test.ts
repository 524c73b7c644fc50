import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock, type Result } from '@worktrain/contracts';
import { createPostgresQueue, openSqliteQueue, type Task, type TaskQueue } from '@worktrain/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const DAY_MS = 86_400_000;
const ENV = { USER: 'tester' };
/** Several CLI runs per test, each a fresh node + tsx process; generous on a loaded machine. */
const SLOW = { timeout: 180_000 };

async function unwrap<T, E>(result: PromiseLike<Result<T, E>>): Promise<T> {
  const r = await result;
  if (r.isErr()) throw new Error(`queue call failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function enqueue(q: TaskQueue, queue: string, payload: unknown, priority = 0): Promise<Task> {
  return (await unwrap(q.enqueue({ queue, payload, priority }))).task;
}

/** Claims the single ready task of `queue` (there must be exactly the one the test expects). */
async function claimOne(q: TaskQueue, queue: string, expectedId: string) {
  const [leased] = await unwrap(q.claim({ queue, workerId: 'worker-1', n: 1, leaseMs: 60_000 }));
  if (leased?.id !== expectedId) throw new Error(`claimed ${leased?.id}, expected ${expectedId}`);
  return { taskId: leased.id, leaseToken: leased.leaseToken };
}

interface Seeded {
  /** reviews: pending, priority 5, recent. */
  readonly pending: string;
  /** reviews: dead letter (validation), recent. */
  readonly dead: string;
  /** reviews: succeeded 10 days ago. */
  readonly oldSucceeded: string;
  /** sweeps: dead letter (execution, attempts exhausted) 10 days ago. */
  readonly oldDead: string;
  /** sweeps: pending, recent. */
  readonly sweep: string;
}

/** Seeds `<home>/worktrain.db` through the package API: old tasks with a clock 10 days back, others now. */
async function seedSqlite(home: string): Promise<Seeded> {
  const clock = manualClock(Date.now() - 10 * DAY_MS);
  const opened = openSqliteQueue({ path: join(home, 'worktrain.db'), clock });
  if (opened.isErr()) throw new Error(opened.error.message);
  const q = opened.value;
  const oldSucceeded = await enqueue(q, 'reviews', { pr: 1 });
  await unwrap(q.complete(await claimOne(q, 'reviews', oldSucceeded.id)));
  const oldDead = (await unwrap(q.enqueue({ queue: 'sweeps', payload: { repo: 'a' }, maxAttempts: 1 }))).task;
  await unwrap(
    q.fail({
      ...(await claimOne(q, 'sweeps', oldDead.id)),
      error: { class: 'execution', message: 'git fetch failed: exit 128' },
    }),
  );
  clock.set(Date.now());
  const dead = await enqueue(q, 'reviews', { pr: 2, note: 'bad secret' });
  await unwrap(
    q.fail({
      ...(await claimOne(q, 'reviews', dead.id)),
      error: { class: 'validation', message: 'webhook signature does not match' },
    }),
  );
  const pending = await enqueue(q, 'reviews', { pr: 3 }, 5);
  const sweep = await enqueue(q, 'sweeps', { repo: 'b' });
  await q.close();
  return {
    pending: pending.id,
    dead: dead.id,
    oldSucceeded: oldSucceeded.id,
    oldDead: oldDead.id,
    sweep: sweep.id,
  };
}

function ids(run: { stdout: string; stderr: string; code: number | null }): string[] {
  const doc = parseJson({ ...run, signal: null }) as { tasks: Array<{ id: string }> };
  return doc.tasks.map((t) => t.id).sort();
}

describe('worktrain queue without a database', SLOW, () => {
  const dir = tempDir('queue-empty');
  afterAll(dir.cleanup);
  const home = join(dir.path, 'missing-home');

  it('lists nothing, says so, and creates nothing', async () => {
    const text = await runWorktrain(['queue', 'list'], { home });
    expect(text.code).toBe(0);
    expect(text.stdout.trim()).toBe('no tasks yet');
    const json = await runWorktrain(['queue', 'dead-letters', '--format', 'json'], { home });
    expect(parseJson(json)).toEqual({ tasks: [] });
    const stats = await runWorktrain(['queue', 'stats', '--format', 'json'], { home });
    expect(parseJson(stats)).toEqual({
      queues: {},
      total: { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 },
      oldestReadyAgeMs: null,
    });
    const purge = await runWorktrain(['queue', 'purge', '--older-than', '7d', '--format', 'json'], { home });
    expect(parseJson(purge)).toEqual({ purged: 0, archivePath: null });
    expect(existsSync(home)).toBe(false);
  });

  it('fails inspect and requeue of any id with TASK_NOT_FOUND (exit 1)', async () => {
    const inspect = await runWorktrain(['queue', 'inspect', 'task_nope', '--format', 'json'], { home });
    expect(inspect.code).toBe(1);
    expect(parseJson(inspect)).toMatchObject({
      error: { code: 'TASK_NOT_FOUND', details: { taskId: 'task_nope' } },
    });
    const requeue = await runWorktrain(['queue', 'requeue', 'task_nope', '--reason', 'x'], { home });
    expect(requeue.code).toBe(1);
    expect(requeue.stderr).toMatch(/^error: No task 'task_nope'/);
    expect(existsSync(home)).toBe(false);
  });
});

describe('worktrain queue over a file that is not a WorkTrain database', SLOW, () => {
  const dir = tempDir('queue-garbage');
  afterAll(dir.cleanup);

  it('fails with QUEUE_ERROR / NOT_A_WORKTRAIN_DATABASE (exit 1) and leaves the file alone', async () => {
    const file = join(dir.path, 'worktrain.db');
    const content = 'this is somebody else’s file, not SQLite\n'.repeat(200);
    writeFileSync(file, content);
    const json = await runWorktrain(['queue', 'list', '--format', 'json'], { home: dir.path });
    expect(json.code).toBe(1);
    expect(parseJson(json)).toMatchObject({
      error: { code: 'QUEUE_ERROR', details: { queueCode: 'NOT_A_WORKTRAIN_DATABASE' } },
    });
    const text = await runWorktrain(['queue', 'stats'], { home: dir.path });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: .*is not a WorkTrain database/);
    expect(text.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(file, 'utf8')).toBe(content);
  });
});

describe('worktrain queue over a seeded SQLite queue', SLOW, () => {
  const dir = tempDir('queue');
  const home = dir.path;
  afterAll(dir.cleanup);
  let t: Seeded;

  beforeAll(async () => {
    t = await seedSqlite(home);
  });

  it('lists every task as a table, and as {tasks} in json', async () => {
    const text = await runWorktrain(['queue', 'list'], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^TASK\s+QUEUE\s+STATE\s+PRIORITY\s+ATTEMPT/);
    for (const id of Object.values(t)) expect(text.stdout).toContain(id);
    const json = await runWorktrain(['queue', 'list', '--format', 'json'], { home });
    expect(ids(json)).toEqual(Object.values(t).sort());
  });

  it('filters by --state, --queue, --since and --limit', async () => {
    const dead = await runWorktrain(['queue', 'list', '--state', 'dead', '--format', 'json'], { home });
    expect(ids(dead)).toEqual([t.dead, t.oldDead].sort());
    const reviews = await runWorktrain(['queue', 'list', '--queue', 'reviews', '--format', 'json'], { home });
    expect(ids(reviews)).toEqual([t.pending, t.dead, t.oldSucceeded].sort());
    const recent = await runWorktrain(['queue', 'list', '--since', '7d', '--format', 'json'], { home });
    expect(ids(recent)).toEqual([t.pending, t.dead, t.sweep].sort());
    const limited = await runWorktrain(['queue', 'list', '--limit', '2', '--format', 'json'], { home });
    expect(ids(limited)).toHaveLength(2);
    const none = await runWorktrain(['queue', 'list', '--state', 'leased'], { home });
    expect(none.stdout.trim()).toBe('no tasks match');
  });

  it('rejects a malformed filter as a usage error (exit 2)', async () => {
    const state = await runWorktrain(['queue', 'list', '--state', 'stuck', '--format', 'json'], { home });
    expect(state.code).toBe(2);
    expect(parseJson(state)).toMatchObject({ error: { code: 'USAGE' } });
    const limit = await runWorktrain(['queue', 'list', '--limit', 'lots'], { home });
    expect(limit.code).toBe(2);
  });

  it('inspects a task with its payload and audit history', async () => {
    const json = await runWorktrain(['queue', 'inspect', t.dead, '--format', 'json'], { home });
    expect(json.code).toBe(0);
    const doc = parseJson(json) as {
      task: Task;
      history: Array<{ from: string | null; to: string; actor: string }>;
    };
    expect(doc.task).toMatchObject({
      id: t.dead,
      state: 'dead',
      payload: { pr: 2, note: 'bad secret' },
      lastError: { class: 'validation', message: 'webhook signature does not match' },
    });
    expect(doc.history.map((h) => [h.from, h.to])).toEqual([
      [null, 'pending'],
      ['pending', 'leased'],
      ['leased', 'dead'],
    ]);
    const text = await runWorktrain(['queue', 'inspect', t.dead], { home });
    expect(text.stdout).toContain('Last error validation: webhook signature does not match');
    expect(text.stdout).toContain('"note": "bad secret"');
    expect(text.stdout).toMatch(/History \(3 transitions\)\n\s+AT\s+ACTOR\s+FROM\s+TO\s+REASON/);
  });

  it('fails inspect of an unknown id with TASK_NOT_FOUND (exit 1) and a clear message', async () => {
    const json = await runWorktrain(['queue', 'inspect', 'task_missing', '--format', 'json'], { home });
    expect(json.code).toBe(1);
    expect(parseJson(json)).toEqual({
      error: {
        code: 'TASK_NOT_FOUND',
        message: "No task 'task_missing' in the queue.",
        details: { taskId: 'task_missing' },
      },
    });
  });

  it('lists dead letters with their class, filtered by queue', async () => {
    const text = await runWorktrain(['queue', 'dead-letters'], { home });
    expect(text.stdout).toMatch(/^TASK\s+QUEUE\s+ATTEMPTS\s+DEAD SINCE\s+CLASS\s+MESSAGE/);
    expect(text.stdout).toMatch(
      new RegExp(`${t.oldDead}\\s+sweeps\\s+1/1\\s+\\S+\\s+execution\\s+git fetch failed`),
    );
    const reviews = await runWorktrain(['queue', 'dead-letters', '--queue', 'reviews', '--format', 'json'], {
      home,
    });
    expect(ids(reviews)).toEqual([t.dead]);
    const recent = await runWorktrain(['queue', 'dead-letters', '--since', '7d', '--format', 'json'], {
      home,
    });
    expect(ids(recent)).toEqual([t.dead]);
    const one = await runWorktrain(['queue', 'dead-letters', '--limit', '1', '--format', 'json'], { home });
    expect(ids(one)).toHaveLength(1);
  });

  it('counts tasks per queue and state', async () => {
    const json = await runWorktrain(['queue', 'stats', '--format', 'json'], { home });
    expect(parseJson(json)).toMatchObject({
      queues: {
        reviews: { pending: 1, leased: 0, succeeded: 1, failed: 0, dead: 1 },
        sweeps: { pending: 1, leased: 0, succeeded: 0, failed: 0, dead: 1 },
      },
      total: { pending: 2, succeeded: 1, dead: 2 },
      oldestReadyAgeMs: expect.any(Number),
    });
    const text = await runWorktrain(['queue', 'stats'], { home });
    expect(text.stdout).toMatch(/\(total\)\s+2\s+0\s+0\s+2\s+1/);
    expect(text.stdout).toMatch(/oldest ready task: .* waiting/);
  });

  it('counts only one queue with stats --queue; an unknown queue shows zero counts, not an error', async () => {
    const json = await runWorktrain(['queue', 'stats', '--queue', 'reviews', '--format', 'json'], { home });
    expect(json.code).toBe(0);
    expect(parseJson(json)).toEqual({
      queues: { reviews: { pending: 1, leased: 0, succeeded: 1, failed: 0, dead: 1 } },
      total: { pending: 1, leased: 0, succeeded: 1, failed: 0, dead: 1 },
      oldestReadyAgeMs: expect.any(Number),
    });
    const text = await runWorktrain(['queue', 'stats', '--queue', 'sweeps'], { home });
    expect(text.stdout).toMatch(/^QUEUE\s+PENDING/);
    expect(text.stdout).toMatch(/\nsweeps\s+1\s+0\s+0\s+1\s+0\n/);
    expect(text.stdout).not.toContain('reviews');
    const unknown = await runWorktrain(['queue', 'stats', '--queue', 'nobody', '--format', 'json'], { home });
    expect(unknown.code).toBe(0);
    expect(parseJson(unknown)).toEqual({
      queues: {},
      total: { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 },
      oldestReadyAgeMs: null,
    });
    const unknownText = await runWorktrain(['queue', 'stats', '--queue', 'nobody'], { home });
    expect(unknownText.stdout.trim()).toBe('no tasks in queue nobody');
    const help = await runWorktrain(['queue', 'stats', '--help'], { home });
    expect(help.stdout).toMatch(/--queue <name>\s+only this queue/);
  });

  it('refuses requeue without --reason (usage error, exit 2) and changes nothing', async () => {
    const run = await runWorktrain(['queue', 'requeue', t.dead, '--format', 'json'], { home });
    expect(run.code).toBe(2);
    expect(parseJson(run)).toMatchObject({
      error: { code: 'USAGE', message: expect.stringContaining('--reason') },
    });
    const blank = await runWorktrain(['queue', 'requeue', t.dead, '--reason', '  '], { home });
    expect(blank.code).toBe(2);
    const after = await runWorktrain(['queue', 'inspect', t.dead, '--format', 'json'], { home });
    expect((parseJson(after) as { task: Task }).task.state).toBe('dead');
  });

  it('requeues a dead letter with the reason and the cli:$USER actor recorded', async () => {
    const run = await runWorktrain(
      ['queue', 'requeue', t.dead, '--reason', 'fixed the webhook secret', '--format', 'json'],
      { home, env: ENV },
    );
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({ task: { id: t.dead, state: 'pending' } });
    const after = await runWorktrain(['queue', 'inspect', t.dead, '--format', 'json'], { home });
    const history = (parseJson(after) as { history: Array<Record<string, unknown>> }).history;
    expect(history.at(-1)).toMatchObject({
      actor: 'cli:tester',
      from: 'dead',
      to: 'pending',
      reason: 'requeued: fixed the webhook secret',
    });
  });

  it('refuses to requeue a task that is not a dead letter (QUEUE_ERROR / INVALID_STATE, exit 1)', async () => {
    const run = await runWorktrain(['queue', 'requeue', t.pending, '--reason', 'again', '--format', 'json'], {
      home,
    });
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({
      error: { code: 'QUEUE_ERROR', details: { queueCode: 'INVALID_STATE' } },
    });
  });

  it('cancels an unfinished task as a dead letter of class cancelled, with --actor recorded', async () => {
    const noReason = await runWorktrain(['queue', 'cancel', t.sweep], { home });
    expect(noReason.code).toBe(2);
    const run = await runWorktrain(
      ['queue', 'cancel', t.sweep, '--reason', 'duplicate', '--actor', 'alice'],
      { home },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`cancelled ${t.sweep} (queue sweeps): now dead (cancelled: duplicate)`);
    const after = await runWorktrain(['queue', 'inspect', t.sweep, '--format', 'json'], { home });
    const doc = parseJson(after) as { task: Task; history: Array<Record<string, unknown>> };
    expect(doc.task.lastError?.class).toBe('cancelled');
    expect(doc.history.at(-1)).toMatchObject({ actor: 'alice', to: 'dead', reason: 'cancelled: duplicate' });
  });

  it('previews a purge with --dry-run (text and json) and changes nothing', async () => {
    const archive = join(dir.path, 'dry', 'purged.jsonl');
    const json = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--archive', archive, '--dry-run', '--format', 'json'],
      { home },
    );
    expect(json.code).toBe(0);
    const doc = parseJson(json) as {
      dryRun: boolean;
      wouldPurge: number;
      archivePath: string | null;
      cutoffMs: number;
      tasks: Task[];
    };
    expect(doc).toMatchObject({ dryRun: true, wouldPurge: 2, archivePath: archive });
    expect(doc.tasks.map((x) => x.id).sort()).toEqual([t.oldSucceeded, t.oldDead].sort());
    expect(doc.cutoffMs).toBeLessThan(Date.now() - 6 * DAY_MS);
    const onlyDead = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--state', 'dead', '--dry-run', '--format', 'json'],
      { home },
    );
    expect((parseJson(onlyDead) as { tasks: Task[] }).tasks.map((x) => x.id)).toEqual([t.oldDead]);
    const onlyReviews = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--queue', 'reviews', '--dry-run', '--format', 'json'],
      { home },
    );
    expect((parseJson(onlyReviews) as { tasks: Task[] }).tasks.map((x) => x.id)).toEqual([t.oldSucceeded]);
    const text = await runWorktrain(['queue', 'purge', '--older-than', '7d', '--dry-run'], { home });
    expect(text.stdout).toMatch(
      /^dry run: would purge 2 finished tasks \(finished before \S+Z\); nothing was changed/,
    );
    expect(text.stdout).toMatch(/TASK\s+QUEUE\s+STATE\s+FINISHED\s+LAST ERROR/);
    expect(text.stdout).toContain(t.oldDead);
    expect(existsSync(archive)).toBe(false);
    const all = await runWorktrain(['queue', 'list', '--format', 'json'], { home });
    expect(ids(all)).toEqual(Object.values(t).sort());
  });

  it('requires --older-than for purge, as a duration', async () => {
    const missing = await runWorktrain(['queue', 'purge'], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--older-than');
    const bad = await runWorktrain(['queue', 'purge', '--older-than', 'a week'], { home });
    expect(bad.code).toBe(2);
  });

  it('purges tasks finished before the cutoff, archiving each with its history first', async () => {
    const archive = join(dir.path, 'archive', 'purged.jsonl');
    const run = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--archive', archive, '--format', 'json'],
      { home },
    );
    expect(run.code).toBe(0);
    expect(parseJson(run)).toEqual({ purged: 2, archivePath: archive });
    const lines = readFileSync(archive, 'utf8').trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { task: Task; history: unknown[] });
    expect(records.map((r) => r.task.id).sort()).toEqual([t.oldSucceeded, t.oldDead].sort());
    for (const r of records) expect(r.history.length).toBeGreaterThanOrEqual(3);
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const left = await runWorktrain(['queue', 'list', '--format', 'json'], { home });
    expect(ids(left)).toEqual([t.pending, t.dead, t.sweep].sort());
    const again = await runWorktrain(['queue', 'purge', '--older-than', '7d'], { home });
    expect(again.stdout).toMatch(/^purged 0 finished tasks \(finished before \S+Z\)/);
  });
});

describe('worktrain queue purge --since / --limit over a seeded SQLite queue', SLOW, () => {
  const dir = tempDir('queue-purge-bounds');
  const home = dir.path;
  afterAll(dir.cleanup);
  let t: Seeded;

  beforeAll(async () => {
    t = await seedSqlite(home);
  });

  it('documents --since and --limit and keeps --older-than required', async () => {
    const help = await runWorktrain(['queue', 'purge', '--help'], { home });
    expect(help.stdout).toMatch(/--older-than <duration>/);
    expect(help.stdout).toMatch(/--since <when>\s+only purge tasks that finished since/);
    expect(help.stdout).toMatch(/--limit <n>\s+purge at most n tasks, the oldest finished first/);
    const missing = await runWorktrain(['queue', 'purge', '--since', '30d'], { home });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--older-than');
    for (const bad of [
      ['--limit', '0'],
      ['--limit', 'all'],
      ['--since', 'last week'],
    ]) {
      const run = await runWorktrain(['queue', 'purge', '--older-than', '7d', ...bad, '--format', 'json'], {
        home,
      });
      expect(run.code).toBe(2);
      expect(parseJson(run)).toMatchObject({ error: { code: 'USAGE' } });
    }
  });

  it('applies --since and --limit to a dry run', async () => {
    const inWindow = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--since', '11d', '--dry-run', '--format', 'json'],
      { home },
    );
    const doc = parseJson(inWindow) as { wouldPurge: number; sinceMs: number; limit: null; tasks: Task[] };
    expect(doc).toMatchObject({ dryRun: true, wouldPurge: 2, limit: null });
    expect(doc.sinceMs).toBeLessThan(Date.now() - 10 * DAY_MS);
    const tooRecent = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--since', '9d', '--dry-run', '--format', 'json'],
      { home },
    );
    expect(parseJson(tooRecent)).toMatchObject({ dryRun: true, wouldPurge: 0, tasks: [] });
    const one = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--limit', '1', '--dry-run', '--format', 'json'],
      { home },
    );
    expect(parseJson(one)).toMatchObject({ dryRun: true, wouldPurge: 1, limit: 1 });
    expect((parseJson(one) as { tasks: Task[] }).tasks.map((x) => x.id)).toEqual([t.oldSucceeded]);
    const text = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--since', '11d', '--limit', '1', '--dry-run'],
      { home },
    );
    expect(text.stdout).toMatch(
      /^dry run: would purge 1 finished task \(finished before \S+Z and since \S+Z; at most 1, oldest first\); nothing was changed/,
    );
    const all = await runWorktrain(['queue', 'list', '--format', 'json'], { home });
    expect(ids(all)).toEqual(Object.values(t).sort());
  });

  it('purges at most --limit tasks, oldest finished first, and only those finished since --since', async () => {
    const first = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--limit', '1', '--format', 'json'],
      {
        home,
      },
    );
    expect(first.code).toBe(0);
    expect(parseJson(first)).toEqual({ purged: 1, archivePath: null });
    const afterFirst = await runWorktrain(['queue', 'list', '--format', 'json'], { home });
    expect(ids(afterFirst)).toEqual([t.pending, t.dead, t.oldDead, t.sweep].sort());
    const outside = await runWorktrain(['queue', 'purge', '--older-than', '7d', '--since', '9d'], { home });
    expect(outside.stdout).toMatch(/^purged 0 finished tasks \(finished before \S+Z and since \S+Z\)/);
    const inside = await runWorktrain(
      ['queue', 'purge', '--older-than', '7d', '--since', '11d', '--format', 'json'],
      { home },
    );
    expect(parseJson(inside)).toEqual({ purged: 1, archivePath: null });
    const left = await runWorktrain(['queue', 'list', '--format', 'json'], { home });
    expect(ids(left)).toEqual([t.pending, t.dead, t.sweep].sort());
  });
});

const PG_URL = process.env.WORKTRAIN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('worktrain queue --database-url (PostgreSQL)', SLOW, () => {
  const dir = tempDir('queue-pg');
  const schema = `wtcli_${randomBytes(6).toString('hex')}`;
  let deadId = '';
  let pendingId = '';

  beforeAll(async () => {
    const q = await unwrap(
      createPostgresQueue({ connectionString: PG_URL, schema, listen: false, sweepIntervalMs: 0 }),
    );
    try {
      const dead = await enqueue(q, 'reviews', { pr: 9 });
      await unwrap(
        q.fail({ ...(await claimOne(q, 'reviews', dead.id)), error: { class: 'validation', message: 'no' } }),
      );
      deadId = dead.id;
      pendingId = (await enqueue(q, 'reviews', { pr: 10 })).id;
    } finally {
      await q.close();
    }
  });

  afterAll(() => {
    dir.cleanup();
    const dropped = spawnSync('psql', [PG_URL, '-qc', `DROP SCHEMA IF EXISTS "${schema}" CASCADE`]);
    expect(dropped.status).toBe(0);
  });

  it('lists, requeues and counts tasks in the given schema; the SQLite data directory stays untouched', async () => {
    const target = ['--database-url', PG_URL, '--schema', schema, '--format', 'json'];
    const dead = await runWorktrain(['queue', 'dead-letters', ...target], { home: dir.path });
    expect(dead.code).toBe(0);
    expect(ids(dead)).toEqual([deadId]);
    const requeue = await runWorktrain(['queue', 'requeue', deadId, '--reason', 'retry on pg', ...target], {
      home: dir.path,
      env: ENV,
    });
    expect(parseJson(requeue)).toMatchObject({ task: { id: deadId, state: 'pending' } });
    const inspect = await runWorktrain(['queue', 'inspect', deadId, ...target], { home: dir.path });
    expect((parseJson(inspect) as { history: unknown[] }).history.at(-1)).toMatchObject({
      actor: 'cli:tester',
      reason: 'requeued: retry on pg',
    });
    // The environment variable works like the flag.
    const stats = await runWorktrain(['queue', 'stats', '--format', 'json'], {
      home: dir.path,
      env: { WORKTRAIN_DATABASE_URL: PG_URL, WORKTRAIN_DATABASE_SCHEMA: schema },
    });
    expect(parseJson(stats)).toMatchObject({ queues: { reviews: { pending: 2, dead: 0 } } });
    const list = await runWorktrain(['queue', 'list', '--state', 'pending', ...target], { home: dir.path });
    expect(ids(list)).toEqual([deadId, pendingId].sort());
    expect(existsSync(join(dir.path, 'worktrain.db'))).toBe(false);
  });

  it('filters stats by --queue and bounds purge by --since and --limit on PostgreSQL', async () => {
    const q = await unwrap(
      createPostgresQueue({ connectionString: PG_URL, schema, listen: false, sweepIntervalMs: 0 }),
    );
    const done: string[] = [];
    try {
      for (const n of [1, 2]) {
        const task = await enqueue(q, 'sweeps', { n });
        await unwrap(q.complete(await claimOne(q, 'sweeps', task.id)));
        done.push(task.id);
      }
    } finally {
      await q.close();
    }
    const target = ['--database-url', PG_URL, '--schema', schema, '--format', 'json'];
    const sweeps = await runWorktrain(['queue', 'stats', '--queue', 'sweeps', ...target], { home: dir.path });
    expect(parseJson(sweeps)).toEqual({
      queues: { sweeps: { pending: 0, leased: 0, succeeded: 2, failed: 0, dead: 0 } },
      total: { pending: 0, leased: 0, succeeded: 2, failed: 0, dead: 0 },
      oldestReadyAgeMs: null,
    });
    const unknown = await runWorktrain(['queue', 'stats', '--queue', 'nobody', ...target], {
      home: dir.path,
    });
    expect(parseJson(unknown)).toMatchObject({ queues: {}, total: { pending: 0, succeeded: 0 } });
    const future = await runWorktrain(
      ['queue', 'purge', '--older-than', '0d', '--since', '2999-01-01', '--dry-run', ...target],
      { home: dir.path },
    );
    expect(parseJson(future)).toMatchObject({ wouldPurge: 0, tasks: [] });
    const preview = await runWorktrain(
      ['queue', 'purge', '--older-than', '0d', '--queue', 'sweeps', '--limit', '1', '--dry-run', ...target],
      { home: dir.path },
    );
    expect(parseJson(preview)).toMatchObject({ wouldPurge: 1, limit: 1 });
    expect((parseJson(preview) as { tasks: Task[] }).tasks.map((x) => x.id)).toEqual([done[0]]);
    const purged = await runWorktrain(
      [
        'queue',
        'purge',
        '--older-than',
        '0d',
        '--queue',
        'sweeps',
        '--since',
        '1h',
        '--limit',
        '1',
        ...target,
      ],
      { home: dir.path },
    );
    expect(parseJson(purged)).toEqual({ purged: 1, archivePath: null });
    const left = await runWorktrain(['queue', 'list', '--queue', 'sweeps', ...target], { home: dir.path });
    expect(ids(left)).toEqual([done[1]]);
  });

  it('rejects a database URL that is not postgres:// (usage error) and never prints its password', async () => {
    const run = await runWorktrain(['queue', 'list', '--database-url', 'mysql://me:hunter2@db/x'], {
      home: dir.path,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('postgres://');
    expect(run.stderr).not.toContain('hunter2');
  });
});
