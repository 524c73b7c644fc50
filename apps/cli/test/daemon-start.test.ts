/**
 * `worktrain daemon start|status` and `status` as a new user meets them: when the daemon dies while
 * starting, the error shows why (the tail of its output); a running daemon's status shows its queue depth.
 * Real CLI and daemon processes, real temp homes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteQueue } from '@worktrain/queue';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain } from './helpers.js';
import { append, openStore, sessionStart } from './session-fixture.js';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-cli-start-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A clone with one commit on main and a bare origin (what a trigger's workspace must be). */
function cloneWithOrigin(name: string): string {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@e',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@e',
      },
    });
  git(root, 'init', '-q', '--bare', '-b', 'main', `${name}-origin.git`);
  git(root, 'clone', '-q', `${name}-origin.git`, `${name}-repo`);
  const repo = join(root, `${name}-repo`);
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'init');
  git(repo, 'push', '-q', 'origin', 'HEAD:main');
  return repo;
}

function home(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

describe('worktrain daemon start', { timeout: 120_000 }, () => {
  it('prints why the daemon exited while starting (the tail of its output)', async () => {
    const broken = home('broken', {
      'config.yaml': 'port: 0\n',
      'triggers.yaml': 'triggers:\n  - id: [broken\n',
    });
    const text = await runWorktrain(['daemon', 'start'], { home: broken });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain('The daemon exited (1) while starting.');
    expect(text.stderr).toMatch(/^output:$/m);
    expect(text.stderr).toContain('triggers.yaml is not valid YAML');
    const json = await runWorktrain(['--format', 'json', 'daemon', 'start'], { home: broken });
    expect(parseJson(json)).toMatchObject({
      error: { code: 'DAEMON_ERROR', details: { output: expect.stringContaining('not valid YAML') } },
    });
  });
});

describe('no model configured', { timeout: 180_000 }, () => {
  it('daemon start warns loudly that every task will fail', async () => {
    const dir = home('no-model', { 'config.yaml': 'port: 0\n' });
    const start = await runWorktrain(['--format', 'json', 'daemon', 'start', '--port', '0'], { home: dir });
    expect(start.code, start.stdout + start.stderr).toBe(0);
    try {
      expect(parseJson(start)).toMatchObject({
        warnings: [expect.stringContaining('no model is configured')],
      });
      const again = await runWorktrain(['daemon', 'start'], { home: dir });
      expect(again.stdout).toMatch(/^WARNING: no model is configured .*every task .* fails/m);
    } finally {
      await runWorktrain(['daemon', 'stop'], { home: dir });
    }
  });

  it('a task fails once, as validation, instead of being retried', async () => {
    const dir = home('no-model-run', { 'config.yaml': 'queue: { maxAttempts: 5 }\n' });
    const repo = cloneWithOrigin('no-model');
    const run = await runWorktrain(
      ['--format', 'json', 'run', 'wr.coding-task', '--goal', 'x', '--workspace', repo],
      { home: dir },
    );
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({ state: 'dead', error: expect.stringContaining('No model') });
    const tasks = await runWorktrain(['--format', 'json', 'queue', 'list'], { home: dir });
    expect(parseJson(tasks)).toMatchObject({
      tasks: [{ attempt: 1, state: 'dead', lastError: { class: 'validation' } }],
    });
  });
});

describe('a running daemon', { timeout: 180_000 }, () => {
  it('daemon status and status show its queue depth (not `queue: {}`); sessions kill says what "parked" did', async () => {
    const dir = home('depth', { 'config.yaml': 'port: 0\n' });
    // One task that waits for tomorrow: pending whatever the workers do.
    const queue = openSqliteQueue({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
    (await queue.enqueue({ queue: 'tasks', payload: {}, delayMs: 86_400_000 }))._unsafeUnwrap();
    await queue.close();
    // A running session that no worker of this daemon runs (as after a crash).
    const store = openStore(dir);
    await append(store, 'sess_idle', 0, sessionStart('demo.alpha', 'Left behind'));
    store.close();
    const start = await runWorktrain(['--format', 'json', 'daemon', 'start', '--port', '0'], { home: dir });
    expect(start.code, start.stdout + start.stderr).toBe(0);
    try {
      const daemonStatus = await runWorktrain(['daemon', 'status'], { home: dir });
      expect(daemonStatus.code).toBe(0);
      expect(daemonStatus.stdout).toContain('queue tasks: 1 pending, 0 leased, 0 dead');
      const status = await runWorktrain(['status'], { home: dir });
      expect(status.stdout).toContain('queue tasks: 1 pending, 0 leased, 0 dead');
      expect(status.stdout).not.toContain('queue: {}');
      const json = await runWorktrain(['--format', 'json', 'status'], { home: dir });
      expect(parseJson(json)).toMatchObject({
        queue: { name: 'tasks', pending: 1, leased: 0, dead: 0, failed: 0, succeeded: 0 },
      });
      const kill = await runWorktrain(['sessions', 'kill', 'sess_idle'], { home: dir, env: { USER: 'op' } });
      expect(kill.code, kill.stderr).toBe(0);
      expect(kill.stdout).toContain(
        'killed sess_idle: it was not running on the daemon (waiting at a gate, queued or interrupted), so it was marked aborted',
      );
      expect(kill.stdout).not.toContain('(parked)');
    } finally {
      await runWorktrain(['daemon', 'stop'], { home: dir });
    }
  });
});
