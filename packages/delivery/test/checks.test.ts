import type { SessionEvent } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver, redactOutput } from '../src/index.js';
import { createHarness, type Harness, pullsFor, TOKEN } from './setup.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const checkRecords = async () =>
  [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()].filter(
    (e): e is SessionEvent & { kind: 'delivery_recorded' } =>
      e.kind === 'delivery_recorded' && e.data.stage === 'checks',
  );

describe('delivery checks', () => {
  it('runs the configured checks in the worktree and stores their stdout/stderr on the session', async () => {
    await h.write({ 'src/page.ts': 'export const page = 2;\n' });
    const checks = [
      { name: 'list', command: 'ls src && echo warn >&2' },
      { name: 'env', command: 'printenv GITHUB_TOKEN || echo token=none' },
    ];
    process.env.GITHUB_TOKEN = TOKEN;
    try {
      (await deliver(h.input({ checks }), h.deps()))._unsafeUnwrap();
    } finally {
      delete process.env.GITHUB_TOKEN;
    }
    const [record] = await checkRecords();
    expect(record?.data.outcome).toBe('succeeded');
    const results = record?.data.details?.checks as { name: string; stdout: string; stderr: string }[];
    expect(results.map((r) => r.name)).toEqual(['list', 'env']);
    expect(results[0]?.stdout).toBe('page.ts');
    expect(results[0]?.stderr).toBe('warn');
    // The daemon's environment (where tokens live) does not reach checks.
    expect(results[1]?.stdout).toBe('token=none');
    expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)).toHaveLength(1);
  });

  it('stops with CHECKS_FAILED before committing when a check fails, keeping its output', async () => {
    await h.write({ 'src/page.ts': 'export const page = 3;\n' });
    const before = await h.git(['rev-parse', 'HEAD']);
    const checks = [
      { name: 'test', command: 'echo "1 failed"; echo "expected 1, got 0" >&2; exit 3' },
      { name: 'never', command: 'touch should-not-run' },
    ];
    const error = (await deliver(h.input({ checks }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('CHECKS_FAILED');
    expect(error.message).toContain("Check 'test' exited with 3: expected 1, got 0");
    const [record] = await checkRecords();
    expect(record?.data).toMatchObject({
      outcome: 'failed',
      details: { code: 'CHECKS_FAILED', check: 'test', exitCode: 3 },
    });
    const results = record?.data.details?.checks as { stdout: string; stderr: string }[];
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ stdout: '1 failed', stderr: 'expected 1, got 0' });
    expect(await h.git(['rev-parse', 'HEAD'])).toBe(before);
    expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBeUndefined();
  });

  it('reports a timed-out check', async () => {
    await h.write({ 'src/page.ts': 'export const page = 4;\n' });
    const checks = [{ name: 'hang', command: 'exec sleep 30', timeoutMs: 300 }];
    const error = (await deliver(h.input({ checks }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('CHECKS_FAILED');
    expect(error.details?.timedOut).toBe(true);
  });
});

describe('redactOutput', () => {
  it('masks literal secrets and known token shapes', () => {
    const ghp = `ghp_${'a1B2'.repeat(9)}`;
    const out = redactOutput(`push with ${ghp} and glpat-abcdefghijklmnopqrstu`);
    expect(out).toBe(`push with ghp_${'*'.repeat(36)} and glpa${'*'.repeat(23)}`);
    expect(redactOutput('pw=s3cretvalue', ['s3cretvalue'])).toBe('pw=***');
  });
});
