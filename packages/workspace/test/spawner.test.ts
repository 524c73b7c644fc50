import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnViaHelper } from '../src/spawner.js';

const SPAWNER = fileURLToPath(new URL('../src/spawner.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `probe` every 20 ms until it is true (the synchronisation on another process), at most 10 s. */
async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs a script that uses the helper in a child node process; resolves with its stdout lines as they come. */
function child(body: string) {
  const script = `import { spawnViaHelper, spawnHelperPid } from ${JSON.stringify(`file://${SPAWNER}`)};\n${body}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, lines: () => out.split('\n').filter((l) => l !== ''), exited };
}

describe('spawnViaHelper', () => {
  it('returns the output and exit code of the command, and says when it timed out', async () => {
    const version = await spawnViaHelper({ file: 'git', args: ['--version'], env: {}, timeoutMs: 10_000 });
    expect(version).toMatchObject({ exitCode: 0, timedOut: false });
    expect(version.stdout).toMatch(/^git version /);
    const failed = await spawnViaHelper({
      file: 'sh',
      args: ['-c', 'echo "$WT_X" >&2; exit 3'],
      env: { WT_X: 'from env' },
      timeoutMs: 10_000,
    });
    expect(failed).toMatchObject({ exitCode: 3, stderr: 'from env\n', timedOut: false });
    const slow = await spawnViaHelper({ file: 'sleep', args: ['5'], env: {}, timeoutMs: 50 });
    expect(slow).toMatchObject({ exitCode: null, timedOut: true });
    await expect(
      spawnViaHelper({ file: 'no-such-command-wt', args: [], env: {}, timeoutMs: 1000 }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('does not keep its parent alive, and ends when the parent is SIGKILLed', async () => {
    const quiet =
      child(`await spawnViaHelper({ file: 'git', args: ['--version'], env: {}, timeoutMs: 10000 });
console.log('done');`);
    expect(await quiet.exited).toBe(0);
    expect(quiet.lines()).toEqual(['done']);

    const killed =
      child(`await spawnViaHelper({ file: 'git', args: ['--version'], env: {}, timeoutMs: 10000 });
console.log(spawnHelperPid());
setInterval(() => {}, 1000);`);
    await until('the helper pid', () => killed.lines().length > 0);
    const pid = Number(killed.lines()[0]);
    expect(alive(pid)).toBe(true);
    killed.proc.kill('SIGKILL');
    await killed.exited;
    await until('the helper to exit', () => !alive(pid));
  });
});
