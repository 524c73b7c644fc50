/**
 * `pnpm demo` (issue 4 acceptance: passes on a fresh clone in under 5 minutes and is part of CI): runs
 * `scripts/demo-daemon.ts` as a child process — the real daemon, the fake GitHub, ts-dedent with a seeded
 * bug — and checks its exit code and the lines of every stage.
 *
 * Needs `pnpm build` first (the demo starts the built `worktrain-daemon`; the root `pnpm test` builds).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function runDemo(): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  // The demo runs vitest itself (the package's tests): do not leak this vitest's worker variables into it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo-daemon.ts', '--cleanup'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 290_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, out, ms: Date.now() - started });
    });
  });
}

describe('pnpm demo', () => {
  it('turns a labelled issue into one PR whose branch passes the package tests, in under 5 minutes', async () => {
    const r = await runDemo();
    expect(r.out).toContain('DEMO OK');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(300_000);
    const expected = [
      /bug\s+seeded in src\/index\.ts .*Tests 7 failed \| 16 passed \(23\)/,
      /webhook\s+issues\.labeled "worktrain:ready" .*→ 202 accepted/,
      /queue\s+task task_\S+ queued/,
      /session\s+created: workflow wr\.coding-task, goal "Fix issue #1: /,
      /session\s+started in its own git worktree/,
      /model\s+scripted model: turn 0/,
      /tool\s+edit_file src\/index\.ts: .*Math\.min/,
      /tests\s+Tests 23 passed \(23\)/,
      /delivery\s+commit: succeeded [0-9a-f]{10}/,
      /delivery\s+push: succeeded/,
      /delivery\s+pull_request: succeeded http:\/\/127\.0\.0\.1:\d+\/acme\/ts-dedent\/pull\/\d+/,
      /delivery\s+issue_comment: succeeded/,
      /verify\s+exactly 1 PR; worktrain\/sess_\S+ on origin at [0-9a-f]{10}; tests on it: Tests 23 passed \(23\)/,
      /verify\s+worktrain sessions verify sess_\S+: ok/,
      /worktrain\.js sessions show sess_\S+ --home \S+/,
    ];
    for (const line of expected) expect(r.out).toMatch(line);
    // Every model line is labelled as the scripted model.
    const modelLines = r.out.split('\n').filter((l) => /^\s*[\d.]+s\s+model\s/.test(l));
    expect(modelLines.length).toBeGreaterThanOrEqual(7);
    for (const l of modelLines) expect(l).toContain('scripted model');
  }, 300_000);
});
