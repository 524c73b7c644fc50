/**
 * Starts a real `worktrain-daemon` from source for the benchmarks (bench/daemon.ts, bench/triggers.ts
 * `--target daemon`): `node --conditions=@worktrain/source --import tsx apps/daemon/src/main.ts --home <home>`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** A running daemon process and the URL it printed (`listening on http://127.0.0.1:<port>`). */
export interface DaemonProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** SIGKILLs the daemon (if still running) and resolves once it exited. */
  readonly kill: () => Promise<void>;
}

/**
 * Spawns the daemon with `env` added to this process's environment and waits (up to `startTimeoutMs`,
 * default 90 000 ms) for its "listening on" line. Rejects with the last 4 000 characters of its stderr when
 * it exits or does not start in time.
 */
export async function spawnDaemon(
  home: string,
  env: Record<string, string>,
  startTimeoutMs = 90_000,
): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@worktrain/source',
      '--import',
      'tsx',
      join(ROOT, 'apps/daemon/src/main.ts'),
      '--home',
      home,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, WORKTRAIN_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`daemon did not start:\n${stderr}`)), startTimeoutMs);
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1] !== undefined) {
          clearTimeout(timer);
          ok(m[1]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`daemon exited ${code}:\n${stderr}`));
      });
    });
    return { child, url, kill };
  } catch (thrown) {
    await kill();
    throw thrown;
  }
}
