/**
 * `worktrain daemon start|status|stop`, `status`, `sessions kill|resume`, `logs` and `run` as real child
 * processes over a temp WORKTRAIN_HOME, a real git repository with a bare origin and the scripted model.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain } from './helpers.js';

const WORKFLOW = {
  id: 'test.cli-fix',
  name: 'CLI fix (test)',
  description: 'Fix src/add.js.',
  version: '1.0.0',
  steps: [{ id: 'fix', title: 'Fix', prompt: 'Fix the bug in src/add.js.' }],
};
const FIXED = 'export function add(a, b) {\n  return a + b;\n}\n';
const TURNS = [
  { step: 'fix', toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: FIXED } }] },
  { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed.' } }] },
];

let root: string;
let home: string;
let repo: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  });
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-cli-daemon-')));
  home = join(root, 'home');
  mkdirSync(join(home, 'workflows'), { recursive: true });
  writeFileSync(join(home, 'workflows', 'test.cli-fix.json'), JSON.stringify(WORKFLOW));
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: TURNS }));
  writeFileSync(
    join(home, 'config.yaml'),
    'model: { provider: scripted, script: model-script.json }\nport: 0\n',
  );
  git(root, 'init', '-q', '--bare', '-b', 'main', 'origin.git');
  git(root, 'clone', '-q', 'origin.git', 'repo');
  repo = join(root, 'repo');
  mkdirSync(join(repo, 'src'));
  writeFileSync(join(repo, 'src', 'add.js'), 'export function add(a, b) {\n  return a - b;\n}\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'init');
  git(repo, 'push', '-q', 'origin', 'main');
});

afterAll(async () => {
  await runWorktrain(['daemon', 'stop'], { home });
  rmSync(root, { recursive: true, force: true });
});

describe('worktrain daemon and operator commands', () => {
  it('status says the daemon is not running (exit 1); kill without a daemon is DAEMON_UNREACHABLE', async () => {
    const status = await runWorktrain(['daemon', 'status'], { home });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('daemon not running');
    const kill = await runWorktrain(['--format', 'json', 'sessions', 'kill', '--all'], { home });
    expect(kill.code).toBe(1);
    expect(parseJson(kill)).toMatchObject({ error: { code: 'DAEMON_UNREACHABLE' } });
    const usage = await runWorktrain(['sessions', 'kill'], { home });
    expect(usage.code).toBe(2);
  });

  it('run executes one session in-process: the fix lands in the session worktree', async () => {
    const run = await runWorktrain(
      ['--format', 'json', 'run', 'test.cli-fix', '--goal', 'Fix add()', '--workspace', repo],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    const out = parseJson(run) as { sessionId: string; state: string; status: string };
    expect(out).toMatchObject({ state: 'succeeded', status: 'completed' });
    expect(readFileSync(join(home, 'worktrees', out.sessionId, 'src', 'add.js'), 'utf8')).toBe(FIXED);
    expect(git(repo, 'branch', '--list', `worktrain/${out.sessionId}`)).toContain(out.sessionId);
    const missing = await runWorktrain(['run', 'no.such-workflow', '--goal', 'x', '--workspace', repo], {
      home,
    });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('no workflow');
  });

  it('daemon start waits for /health; status, sessions kill/resume and logs talk to it; stop drains it', {
    timeout: 240_000,
  }, async () => {
    const start = await runWorktrain(['--format', 'json', 'daemon', 'start', '--port', '0'], { home });
    expect(start.code, start.stderr).toBe(0);
    const started = parseJson(start) as { url: string; pid: number; alreadyRunning: boolean };
    expect(started).toMatchObject({
      alreadyRunning: false,
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    const health = (await (await fetch(`${started.url}/health`)).json()) as { pid: number };
    expect(health.pid).toBe(started.pid);

    const again = await runWorktrain(['--format', 'json', 'daemon', 'start'], { home });
    expect(parseJson(again)).toMatchObject({ alreadyRunning: true, url: started.url });

    const status = await runWorktrain(['--format', 'json', 'status'], { home });
    expect(parseJson(status)).toMatchObject({ daemon: { running: true, pid: started.pid } });

    const kill = await runWorktrain(['--format', 'json', 'sessions', 'kill', 'sess_nope'], { home });
    expect(kill.code).toBe(1);
    expect(parseJson(kill)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    const resume = await runWorktrain(['--format', 'json', 'sessions', 'resume', 'sess_nope'], { home });
    expect(parseJson(resume)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
    const killAll = await runWorktrain(['sessions', 'kill', '--all'], { home });
    expect(killAll.code).toBe(0);
    expect(killAll.stdout).toContain('nothing to kill');

    const logs = await runWorktrain(['--format', 'json', 'logs', '--since', '1h'], { home });
    const lines = (parseJson(logs) as { lines: Array<{ msg: string }> }).lines.map((l) => l.msg);
    expect(lines).toContain('daemon listening');
    const badLevel = await runWorktrain(['logs', '--level', 'loud'], { home });
    expect(badLevel.code).toBe(2);

    const stop = await runWorktrain(['--format', 'json', 'daemon', 'stop'], { home });
    expect(parseJson(stop)).toEqual({ stopped: true, pid: started.pid });
    const after = await runWorktrain(['daemon', 'status'], { home });
    expect(after.code).toBe(1);
  });
});
