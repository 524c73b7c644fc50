/**
 * The OS sandbox with the real bubblewrap backend (issue #12's bad inputs), driven through the agent's own
 * `bash` tool: secrets under $WORKTRAIN_HOME and the user's home, /proc, the git common dir, the network,
 * and the limits. Limits run under an outer guard: the per-command cgroups are created below a parent
 * cgroup with its own (looser) limits, so a limit that failed could not take the test run down.
 * `.ci/run` installs bubblewrap; on a machine without it these tests fail (they are the sandbox's proof).
 */
import { mkdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, type SandboxPolicy, type SandboxRunner, worktreeGitRef } from '@worktrain/contracts';
import { createGitFixture, type GitFixture, waitFor } from '@worktrain/testkit';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSandboxPolicy, createBashTool, createSandbox, detectCgroupSupport } from '../src/index.js';
import type { SandboxEvent, ToolContext } from '../src/tools/types.js';

const SECRET = 'sk-test-SANDBOX-SECRET-4f1c9a';
const ENV_SECRET = 'ENV-SECRET-in-the-daemon-process-77e2';

let root: string;
let wtHome: string;
let userHome: string;
let worktree: string;
let fixture: GitFixture;
let commonDir: string;
let sandbox: Sandbox;
let policy: SandboxPolicy;
let allowServer: Server;
let daemonServer: Server;
let allowPort: number;
let daemonPort: number;
let toolPath: string;
const guardName = `worktrain-test-guard-${process.pid}`;
const events: SandboxEvent[] = [];

function context(signal = new AbortController().signal): ToolContext {
  return {
    worktree,
    sessionId: 'sess_sandbox_test',
    signal,
    hooks: {
      completeStep: async () => ({ content: '', isError: false }),
      reportIssue: async () => undefined,
      signalCoordinator: async () => undefined,
      recordSandboxEvent: async (e) => {
        events.push(e);
      },
    },
  };
}

/** Which path the suite drives: the daemon's long-lived sandbox per session, or one sandbox per command. */
let mode: 'long-lived' | 'per-command' = 'long-lived';
const runners = new Map<string, SandboxRunner>();

async function runnerFor(p: SandboxPolicy): Promise<SandboxRunner> {
  const key = JSON.stringify(p.networkAllow);
  const existing = runners.get(key);
  if (existing !== undefined) return existing;
  const opened = await sandbox.open(p);
  if (opened.isErr()) throw new Error(opened.error.message);
  runners.set(key, opened.value);
  return opened.value;
}

async function closeRunners(): Promise<void> {
  for (const r of runners.values()) await r.close();
  runners.clear();
}

async function sh(command: string, options: { timeoutMs?: number; policy?: SandboxPolicy } = {}) {
  const p = options.policy ?? policy;
  const tool =
    mode === 'long-lived'
      ? createBashTool({ runner: await runnerFor(p), policy: p, env: { PATH: toolPath } })
      : createBashTool({ sandbox, policy: p, env: { PATH: toolPath } });
  return tool.execute(
    { command, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
    context(),
  );
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
}

beforeAll(async () => {
  process.env.WT_SANDBOX_TEST_SECRET = ENV_SECRET;
  root = realpathSync(await mkdtemp(join(tmpdir(), 'wt-sandbox-')));
  wtHome = join(root, 'wt-home');
  userHome = join(root, 'user-home');
  for (const f of ['.env', 'config.yaml', 'triggers.yaml', 'policy.yaml', 'daemon.token', 'worktrain.db'])
    write(join(wtHome, f), `${f}: ${SECRET}\n`);
  write(join(wtHome, 'keys', 'token-1.key'), SECRET);
  write(join(wtHome, 'logs', 'daemon.log'), SECRET);
  write(join(wtHome, 'worktrees', 'other-session', 'stolen.txt'), SECRET);
  for (const f of ['.ssh/id_ed25519', '.aws/credentials', '.config/gh/hosts.yml', '.npmrc', '.gitconfig'])
    write(join(userHome, f), SECRET);
  write(join(userHome, '.bashrc'), '# untouched\n');
  write(join(userHome, '.bash_history'), `export TOKEN=${SECRET}\n`);
  // A toolchain installed under the home (nvm layout): visible read-only, although the home is hidden.
  write(join(userHome, '.nvm/versions/node/v99/bin/fake-node'), '#!/bin/sh\necho toolchain-ok\n');
  await execa('chmod', ['+x', join(userHome, '.nvm/versions/node/v99/bin/fake-node')]);

  fixture = await createGitFixture({ parentDir: root, files: { 'README.md': '# demo\n' } });
  worktree = join(wtHome, 'worktrees', 'sess_sandbox_test');
  await fixture.git(['worktree', 'add', '-b', 'worktrain/sess_sandbox_test', worktree]);
  commonDir = realpathSync(join(fixture.repoDir, '.git'));
  const ref = worktreeGitRef(worktree, commonDir);

  // Outer guard: every per-command cgroup lives below `guard`, whose own limits bind them all.
  const outer = detectCgroupSupport({ parent: guardName });
  outer.create('g', { memoryBytes: 3 * 1024 ** 3, maxProcesses: 1024 });
  const built = await createSandbox({ cgroups: detectCgroupSupport({ parent: `${guardName}/g/inner` }) });
  if (built.isErr()) throw new Error(`no sandbox on this machine: ${built.error.message}`);
  sandbox = built.value;

  allowServer = createServer((_req, res) => res.end('allowed-server-ok'));
  daemonServer = createServer((_req, res) => res.end(`daemon-api ${SECRET}`));
  allowPort = await listen(allowServer);
  daemonPort = await listen(daemonServer);

  toolPath = `${join(userHome, '.nvm/versions/node/v99/bin')}:${process.env.PATH ?? ''}`;
  policy = buildSandboxPolicy({
    worktree,
    gitAdminDir: ref.gitDir,
    gitCommonDir: ref.commonDir,
    stateDir: join(wtHome, 'sandbox', 'sess_sandbox_test'),
    worktrainHome: wtHome,
    userHome,
    path: toolPath,
    hide: [userHome],
    limits: { memoryBytes: 256 * 1024 ** 2, maxProcesses: 64 },
  });
}, 60_000);

afterAll(async () => {
  delete process.env.WT_SANDBOX_TEST_SECRET;
  await new Promise<void>((r) => allowServer?.close(() => r()));
  await new Promise<void>((r) => daemonServer?.close(() => r()));
  for (const hierarchy of ['memory', 'pids'])
    for (const dir of [`${guardName}/g/inner`, `${guardName}/g`, guardName]) {
      try {
        rmdirSync(join('/sys/fs/cgroup', hierarchy, dir));
      } catch {
        // v2 hosts or already removed
      }
    }
  await fixture?.cleanup();
  await rm(root, { recursive: true, force: true });
});

for (const suiteMode of ['long-lived', 'per-command'] as const) {
  describe(`${suiteMode} sandbox`, () => {
    beforeAll(() => {
      mode = suiteMode;
    });
    afterAll(closeRunners);

    describe('filesystem profile', () => {
      it('hides $WORKTRAIN_HOME: relative escapes and absolute paths to every secret file read nothing', async () => {
        const targets = [
          '../../.env',
          ...['.env', 'config.yaml', 'triggers.yaml', 'policy.yaml', 'daemon.token', 'worktrain.db'].map(
            (f) => join(wtHome, f),
          ),
          join(wtHome, 'keys', 'token-1.key'),
          join(wtHome, 'logs', 'daemon.log'),
          join(wtHome, 'worktrees', 'other-session', 'stolen.txt'),
        ];
        const result = await sh(targets.map((t) => `cat '${t}'`).join('; '));
        expect(result.content).not.toContain(SECRET);
        expect(result.content).toContain('No such file or directory');
      });

      it("hides the user's home but keeps toolchains installed there runnable", async () => {
        const files = [
          '.ssh/id_ed25519',
          '.aws/credentials',
          '.config/gh/hosts.yml',
          '.npmrc',
          '.gitconfig',
          '.bash_history',
        ];
        const result = await sh(`${files.map((f) => `cat '${join(userHome, f)}'`).join('; ')}; fake-node`);
        expect(result.content).not.toContain(SECRET);
        expect(result.content).toContain('toolchain-ok');
      });

      it('a symlink or a hard link made in the worktree does not reach a hidden file', async () => {
        const result = await sh(
          `ln -s '${join(wtHome, '.env')}' leak-link; cat leak-link; ln '${join(wtHome, '.env')}' leak-hard; cat leak-hard; cat /proc/self/root${wtHome}/.env`,
        );
        expect(result.content).not.toContain(SECRET);
      });

      it('shows /proc of the sandbox only: no daemon process and no daemon environment', async () => {
        const result = await sh(
          `cat /proc/1/environ | tr '\\0' '\\n'; cat /proc/${process.pid}/environ; ls /proc | grep -c '^[0-9]'`,
        );
        expect(result.content).not.toContain(ENV_SECRET);
        expect(result.content).toContain(`/proc/${process.pid}/environ: No such file or directory`);
      });

      it('writes to the real home never land; HOME is private', async () => {
        const result = await sh(
          `echo pwned >> '${join(userHome, '.bashrc')}'; echo ${suiteMode} > ~/.bashrc; echo "home=$HOME"`,
        );
        expect(readFileSync(join(userHome, '.bashrc'), 'utf8')).toBe('# untouched\n');
        expect(result.content).toContain(`home=${policy.home}`);
        expect(readFileSync(join(policy.home, '.bashrc'), 'utf8')).toBe(`${suiteMode}\n`);
      });

      it("keeps the repository's git config and hooks read-only while git add and status work", async () => {
        const before = readFileSync(join(commonDir, 'config'), 'utf8');
        const result = await sh(
          [
            `echo 'touch ${root}/hook-ran' > '${join(commonDir, 'hooks', 'pre-commit')}'`,
            'git config core.hooksPath /tmp/evil',
            `git config core.fsmonitor 'touch ${root}/fsmonitor-ran'`,
            'echo change > new-file.txt',
            'git add new-file.txt && git status --porcelain',
          ].join('; '),
        );
        expect(readFileSync(join(commonDir, 'config'), 'utf8')).toBe(before);
        expect(result.content).toContain('Read-only file system');
        expect(result.content).toContain('A  new-file.txt');
        await expect(execa('test', ['-e', join(commonDir, 'hooks', 'pre-commit')])).rejects.toThrow();
      });
    });

    describe('network', () => {
      it("cannot reach the daemon's loopback API (curl and Node fetch) nor an outside address", async () => {
        const result = await sh(
          [
            `curl -sS -m 3 http://127.0.0.1:${daemonPort}/ || echo curl-refused`,
            `node -e "fetch('http://127.0.0.1:${daemonPort}/').then(r=>r.text()).then(console.log,()=>console.log('fetch-refused'))"`,
            'curl -sS -m 3 http://192.0.2.1/ || echo outside-refused',
          ].join('; '),
        );
        expect(result.content).not.toContain(SECRET);
        expect(result.content).toContain('curl-refused');
        expect(result.content).toContain('fetch-refused');
        expect(result.content).toContain('outside-refused');
      });

      it('reaches an allowlisted host through the proxy and reports each refused connection as an event', async () => {
        events.length = 0;
        const allowed = { ...policy, networkAllow: [`127.0.0.1:${allowPort}`] };
        const result = await sh(
          `curl -sS -m 5 http://127.0.0.1:${allowPort}/; echo; curl -sS -m 5 http://127.0.0.1:${daemonPort}/ || true`,
          { policy: allowed },
        );
        expect(result.content).toContain('allowed-server-ok');
        expect(result.content).not.toContain(SECRET);
        expect(result.content).toContain(`connection to 127.0.0.1:${daemonPort} refused`);
        expect(events).toContainEqual({
          kind: 'network_denied',
          host: '127.0.0.1',
          port: daemonPort,
          reason: 'not in sandbox.network.allow',
        });
      });
    });

    describe('limits and process lifetime', () => {
      it('stops a fork bomb at the process limit', async () => {
        events.length = 0;
        const result = await sh('bomb(){ bomb | bomb & }; bomb; sleep 2; echo survived', {
          timeoutMs: 20_000,
        });
        expect(result.content).toContain('survived');
        expect(events).toContainEqual({ kind: 'limit_hit', limit: 'processes' });
      });

      it('stops a 10 GiB allocation at the memory limit', async () => {
        events.length = 0;
        const result = await sh(`python3 -c "b = b'x' * (10 * 1024 ** 3)"; echo "exit=$?"`);
        expect(result.content).toMatch(/exit=(137|1)\b/);
        expect(events).toContainEqual({ kind: 'limit_hit', limit: 'memory' });
      });

      it('kills a process that ignores SIGTERM when the command times out', async () => {
        const marker = `${Date.now() % 100000}.4242`;
        const result = await sh(`trap '' TERM; sleep ${marker}`, { timeoutMs: 1_000 });
        expect(result.content).toContain('timed out');
        await waitFor(
          async () => (await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false })).exitCode === 1,
          {
            timeoutMs: 5_000,
          },
        );
      });

      it('setsid and nohup children do not outlive the command', async () => {
        const marker = `${Date.now() % 100000}.777`;
        const result = await sh(
          `setsid sleep ${marker}1 >/dev/null 2>&1 < /dev/null & nohup sleep ${marker}2 >/dev/null 2>&1 & disown -a; echo started`,
        );
        expect(result.content).toContain('started');
        await waitFor(
          async () => (await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false })).exitCode === 1,
          {
            timeoutMs: 5_000,
          },
        );
      });
    });
  });
}

describe('the long-lived sandbox of a session', () => {
  beforeAll(() => {
    mode = 'long-lived';
  });
  afterAll(closeRunners);

  it('runs concurrent commands side by side, each with its own output and exit code', async () => {
    const runner = await runnerFor(policy);
    const run = async (text: string, code: number) => {
      let out = '';
      const r = await runner.run({
        argv: ['sh', '-c', `sleep 0.3; echo ${text}; exit ${code}`],
        cwd: worktree,
        env: { PATH: toolPath },
        timeoutMs: 10_000,
        onOutput: (_s, c) => {
          out += c;
        },
      });
      return { out, code: r._unsafeUnwrap().exitCode };
    };
    const [a, b] = await Promise.all([run('first', 3), run('second', 4)]);
    expect(a).toEqual({ out: 'first\n', code: 3 });
    expect(b).toEqual({ out: 'second\n', code: 4 });
  });

  it('a command that kills the sandbox ends without a code, and the next one gets a fresh sandbox', async () => {
    const killed = await sh('kill -9 $PPID; sleep 5; echo not-reached');
    expect(killed.content).not.toContain('not-reached');
    expect(killed.content).toContain('the sandbox ended unexpectedly');
    const next = await sh(`echo fresh; cat ${join(wtHome, '.env')} 2>&1 || true`);
    expect(next.content).toContain('fresh');
    expect(next.content).not.toContain(SECRET);
  });

  it('close kills what still runs, and the runner refuses later commands', async () => {
    const runner = await sandbox.open(policy);
    if (runner.isErr()) throw new Error(runner.error.message);
    const marker = `${Date.now() % 100000}.919`;
    const running = runner.value.run({
      argv: ['sleep', marker],
      cwd: worktree,
      env: { PATH: toolPath },
      timeoutMs: 60_000,
    });
    await waitFor(
      async () => (await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false })).exitCode === 0,
      {
        timeoutMs: 5_000,
      },
    );
    await runner.value.close();
    expect((await running)._unsafeUnwrap().exitCode).toBeNull();
    await waitFor(
      async () => (await execa('pgrep', ['-f', `sleep ${marker}`], { reject: false })).exitCode === 1,
      {
        timeoutMs: 5_000,
      },
    );
    const later = await runner.value.run({ argv: ['true'], cwd: worktree, env: {}, timeoutMs: 1_000 });
    expect(later._unsafeUnwrapErr().code).toBe('SANDBOX_SETUP_FAILED');
  });

  it('refuses a command whose folder is outside the worktree', async () => {
    const runner = await runnerFor(policy);
    const r = await runner.run({ argv: ['true'], cwd: wtHome, env: {}, timeoutMs: 1_000 });
    expect(r._unsafeUnwrapErr().code).toBe('SANDBOX_POLICY_INVALID');
  });
});
