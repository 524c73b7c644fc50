import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBashTool } from './bash.js';
import { buildToolEnv, isSecretEnvName } from './env.js';
import type { ToolContext } from './types.js';

let wt: string;
let home: string;
let controller: AbortController;
let context: ToolContext;
beforeEach(() => {
  wt = realpathSync(mkdtempSync(join(tmpdir(), 'agent-bash-')));
  home = realpathSync(mkdtempSync(join(tmpdir(), 'agent-bash-home-')));
  controller = new AbortController();
  context = {
    worktree: wt,
    sessionId: 'sess_bash',
    signal: controller.signal,
    hooks: {
      completeStep: async () => ({ content: '', isError: true }),
      reportIssue: async () => {},
      signalCoordinator: async () => {},
    },
  };
});
afterEach(() => {
  rmSync(wt, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('bash tool', () => {
  it('runs in the worktree with the exit code reported', async () => {
    const bash = createBashTool({ home });
    const ok = await bash.execute({ command: 'pwd; echo hi >&2' }, context);
    expect(ok.isError).toBe(false);
    expect(ok.content).toContain(wt);
    expect(ok.content).toContain('hi');
    expect(ok.content).toContain('[exit code 0]');
    const failed = await bash.execute({ command: 'exit 3' }, context);
    expect(failed.isError).toBe(true);
    expect(failed.content).toContain('[exit code 3]');
  });

  it('never passes tokens, API keys or secrets to the child', async () => {
    const parentEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      GITHUB_TOKEN: 'ghp_parent_secret',
      ANTHROPIC_API_KEY: 'sk-ant-parent',
      GITLAB_TOKEN: 'glpat-parent',
      MY_SERVICE_TOKEN: 'tok-parent',
      DB_SECRET: 'secret-parent',
      STRIPE_KEY: 'key-parent',
      AWS_ACCESS_KEY_ID: 'AKIA-parent',
      HOME: '/root-parent-home',
    };
    const bash = createBashTool({
      home,
      parentEnv,
      env: {
        EXTRA_VISIBLE: 'yes',
        GH_TOKEN: 'ghp_extra',
        NPM_KEY: 'npm-extra',
        GIT_AUTHOR_NAME: 'WorkTrain',
      },
    });
    const out = await bash.execute({ command: 'env' }, context);
    for (const secret of [
      'ghp_parent_secret',
      'sk-ant-parent',
      'glpat-parent',
      'tok-parent',
      'secret-parent',
      'key-parent',
      'AKIA-parent',
      'ghp_extra',
      'npm-extra',
    ])
      expect(out.content).not.toContain(secret);
    expect(out.content).toContain('EXTRA_VISIBLE=yes');
    expect(out.content).toContain('GIT_AUTHOR_NAME=WorkTrain');
    expect(out.content).toContain(`HOME=${home}`);
    expect(out.content).toContain('LANG=C.UTF-8');
    expect(out.content).toContain('GIT_TERMINAL_PROMPT=0');
  });

  it('classifies secret-looking names', () => {
    for (const name of [
      'GITHUB_TOKEN',
      'ANTHROPIC_API_KEY',
      'X_TOKEN',
      'X_SECRET',
      'X_KEY',
      'AWS_SESSION_TOKEN',
      'DB_PASSWORD',
    ])
      expect(isSecretEnvName(name)).toBe(true);
    for (const name of ['PATH', 'LANG', 'CI', 'GIT_AUTHOR_NAME', 'KEYBOARD_LAYOUT_X'])
      expect(isSecretEnvName(name), name).toBe(false);
    expect(buildToolEnv({ parent: { SECRET_THING: 'x' }, home }).env).not.toHaveProperty('SECRET_THING');
  });

  it('kills a hanging command and its children at the timeout', async () => {
    const bash = createBashTool({ home, limits: { bashTimeoutMs: 500 } });
    const started = Date.now();
    const out = await bash.execute({ command: 'sleep 30 & echo $! > child.pid; wait' }, context);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.isError).toBe(true);
    expect(out.content).toContain('timed out after 500 ms');
    const childPid = Number(readFileSync(join(wt, 'child.pid'), 'utf8'));
    expect(await until(() => !alive(childPid), 5000)).toBe(true);
  });

  it('caps a huge output with a truncation marker, keeping head and tail, without stopping the command', async () => {
    const bash = createBashTool({ home, limits: { maxResultChars: 10_000 } });
    const out = await bash.execute({ command: 'seq 1 1000000; echo done-marker' }, context);
    expect(out.content.length).toBeLessThan(12_000);
    expect(out.content).toMatch(/…\[truncated \d+ characters\]…/);
    expect(out.content.startsWith('1\n2\n3\n')).toBe(true);
    expect(out.content).toContain('1000000\ndone-marker');
    expect(out.content).toContain('[exit code 0]');
    expect(out.isError).toBe(false);
  });

  it('stops a running command when the session is cancelled', async () => {
    const bash = createBashTool({ home });
    const started = Date.now();
    const running = bash.execute({ command: 'sleep 30' }, context);
    setTimeout(() => controller.abort(), 200);
    const out = await running;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(out.isError).toBe(true);
    expect(out.content).toContain('cancelled');
  });

  it('reports a deleted worktree instead of running elsewhere', async () => {
    const bash = createBashTool({ home });
    rmSync(wt, { recursive: true });
    const out = await bash.execute({ command: 'touch escaped' }, context);
    expect(out.isError).toBe(true);
    expect(out.content).toContain('no longer exists');
    expect(existsSync(join(process.cwd(), 'escaped'))).toBe(false);
  });

  it('rejects invalid input', async () => {
    const out = await createBashTool({ home }).execute({ command: 42 }, context);
    expect(out.isError).toBe(true);
  });
});
