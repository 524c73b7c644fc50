/**
 * What both daemon demos share (`pnpm demo`, `pnpm demo:pipeline`): the built `worktrain-daemon` started on a
 * free loopback port with its API client, a child process runner, a polling wait, and the demo's error type.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const daemonBin = join(repoRoot, 'apps/daemon/bin/worktrain-daemon.js');
export const cliBin = join(repoRoot, 'apps/cli/bin/worktrain.js');

/** A failure the demo explains (printed without a stack). */
export class DemoError extends Error {}
export const fail = (message: string): never => {
  throw new DemoError(message);
};

/** Runs a command to its end; never throws. */
export function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((r) =>
    execFile(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) =>
      r({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

/** Polls `probe` every 150 ms until it returns a value; fails the demo after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

export interface Daemon {
  child: ChildProcess;
  url: string;
  api(path: string, init?: RequestInit): Promise<Response>;
  stderr(): string;
  exited: Promise<unknown>;
}

/** Starts the built daemon on `home` and waits for its listening line; refuses a fail-closed sandbox. */
export async function startDaemon(home: string, env: Readonly<Record<string, string>> = {}): Promise<Daemon> {
  const child = spawn(process.execPath, [daemonBin, '--home', home], {
    cwd: repoRoot,
    env: { ...process.env, WORKTRAIN_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errText = '';
  child.stderr?.on('data', (d: Buffer) => {
    errText += d.toString();
  });
  const exited = new Promise((r) => child.on('exit', r));
  const url = await new Promise<string>((ok, no) => {
    const timer = setTimeout(() => no(new DemoError(`daemon did not start:\n${errText}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      no(new DemoError(`daemon exited before listening:\n${errText}`));
    });
  });
  // Fail closed is a clear stop here, not a demo waiting for a session that will never run.
  const health = (await (await fetch(`${url}/health`)).json()) as {
    sandbox?: { agentSessions?: string; error?: string };
  };
  if (health.sandbox?.agentSessions === 'refused') {
    child.kill('SIGTERM');
    throw new DemoError(
      `the daemon runs no agent session without its sandbox: ${health.sandbox.error ?? ''}\n` +
        'Install bubblewrap (sudo apt-get install bubblewrap) and run the demo again, or pass --sandbox-off to see it unconfined.',
    );
  }
  const token = readFileSync(join(home, 'daemon.token'), 'utf8').trim();
  return {
    child,
    url,
    exited,
    stderr: () => errText,
    api: (path, init = {}) =>
      fetch(`${url}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      }),
  };
}

/** Runs a demo's `main`: exit 0 when it resolves; `DEMO FAILED: …` (a stack only for a non-demo error) and 1. */
export function runDemo(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`\nDEMO FAILED: ${error instanceof DemoError ? error.message : String(error)}`);
      if (!(error instanceof DemoError) && error instanceof Error) console.error(error.stack);
      process.exit(1);
    },
  );
}
