import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock, okAsync, ResultAsync, silentLogger } from '@worktrain/contracts';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearStaleIndexLock, createWorkspaceManager, withRepoLock } from '../src/index.js';
import { createGitFixture, type GitFixture } from './helpers/git-fixture.js';

const children: ResultPromise[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** A child process that keeps `path` open (as git does with its index.lock) until killed. */
async function holdOpen(path: string): Promise<number> {
  const child = execa(
    'node',
    ['-e', "require('fs').openSync(process.argv[1],'r');console.log('ready');setInterval(()=>{},1e3)", path],
    { reject: false },
  );
  children.push(child);
  await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
  return child.pid ?? -1;
}

describe('stale index.lock handling', () => {
  let fx: GitFixture;
  beforeEach(async () => {
    fx = await createGitFixture();
  });
  afterEach(() => fx.cleanup());

  it('removes an old index.lock that no process holds, so git works again', async () => {
    const lock = join(fx.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    await expect(fx.git(fx.repo, 'add', '-A')).rejects.toThrow(/index.lock/);
    const clock = manualClock(Date.now() + 60_000);
    const manager = createWorkspaceManager({ worktreesDir: join(fx.root, 'wt'), clock });
    expect((await manager.releaseStaleIndexLock(fx.repo))._unsafeUnwrap()).toBe('removed_stale');
    await fx.git(fx.repo, 'add', '-A');
    expect((await manager.releaseStaleIndexLock(fx.repo))._unsafeUnwrap()).toBe('absent');
  });

  it('never removes a lock a process holds open, however old', async () => {
    const lock = join(fx.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    await holdOpen(lock);
    const result = await clearStaleIndexLock(join(fx.repo, '.git'), fx.repo, {
      clock: manualClock(Date.now() + 3_600_000),
      waitMs: 300,
      pollMs: 20,
    });
    expect(result._unsafeUnwrapErr().code).toBe('LOCKED');
    expect(readdirSync(join(fx.repo, '.git'))).toContain('index.lock');
  });

  it('waits for a young lock and reports it released when its owner finishes', async () => {
    const lock = join(fx.repo, '.git', 'index.lock');
    writeFileSync(lock, '');
    let announced: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      announced = resolve;
    });
    const logger = { ...silentLogger, info: () => announced() };
    const waiting = clearStaleIndexLock(join(fx.repo, '.git'), fx.repo, {
      clock: manualClock(Date.now()),
      pollMs: 20,
      logger,
    });
    await started;
    rmSync(lock);
    expect((await waiting)._unsafeUnwrap()).toBe('released');
  });

  it('gives LOCKED for a young lock that stays', async () => {
    writeFileSync(join(fx.repo, '.git', 'index.lock'), '');
    const result = await clearStaleIndexLock(join(fx.repo, '.git'), fx.repo, {
      clock: manualClock(Date.now()),
      waitMs: 200,
      pollMs: 20,
    });
    expect(result._unsafeUnwrapErr()).toMatchObject({ code: 'LOCKED' });
  });
});

describe('withRepoLock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wt-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs work for one repository one at a time', async () => {
    let running = 0;
    let maxRunning = 0;
    const work = () =>
      ResultAsync.fromSafePromise(
        (async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setImmediate(r));
          running--;
          return running;
        })(),
      );
    const options = { locksDir: join(dir, 'locks'), clock: manualClock() };
    const results = await Promise.all([1, 2, 3, 4].map(() => withRepoLock('/repo/a', options, work)));
    expect(results.every((r) => r.isOk())).toBe(true);
    expect(maxRunning).toBe(1);
    expect(readdirSync(join(dir, 'locks'))).toEqual([]);
  });

  it('waits for a lock file held by a live process, then gives LOCKED', async () => {
    const locksDir = join(dir, 'locks');
    const holder = await holdOpen(join(dir));
    const clock = manualClock(Date.now());
    // Take the lock file name the same way the lock does, by letting one lock run and observing it.
    let lockName = '';
    await withRepoLock('/repo/b', { locksDir, clock }, () => {
      lockName = readdirSync(locksDir)[0] ?? '';
      return okAsync(undefined);
    });
    mkdirSync(locksDir, { recursive: true });
    writeFileSync(
      join(locksDir, lockName),
      JSON.stringify({ pid: holder, host: (await import('node:os')).hostname(), at: clock.now() }),
    );
    const result = await withRepoLock('/repo/b', { locksDir, clock, timeoutMs: 200, pollMs: 20 }, () =>
      okAsync('ran'),
    );
    expect(result._unsafeUnwrapErr()).toMatchObject({ code: 'LOCKED', details: { holderPid: holder } });

    // The same file left by a dead process is taken over.
    const dead = execa('node', ['-e', '0']);
    await dead;
    writeFileSync(
      join(locksDir, lockName),
      JSON.stringify({ pid: dead.pid, host: (await import('node:os')).hostname(), at: clock.now() }),
    );
    const taken = await withRepoLock('/repo/b', { locksDir, clock, timeoutMs: 200, pollMs: 20 }, () =>
      okAsync('ran'),
    );
    expect(taken._unsafeUnwrap()).toBe('ran');
  });
});
