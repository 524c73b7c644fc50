import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkPatchText, gitApplyCheck, parsePatch, quoteC, validatePatch } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = join(here, 'fixtures/third-party/git-apply-corpus/t');
const patches = readdirSync(corpus).flatMap((d) =>
  readdirSync(join(corpus, d))
    .filter((f) => !f.startsWith('expect') && !f.endsWith('.expect'))
    .map((f) => ({ name: `${d}/${f}`, text: readFileSync(join(corpus, d, f), 'utf8') })),
);

describe('git apply corpus (git t4100, t4101, t4109, t4110, t4135)', () => {
  it('has the patches', () => {
    expect(patches.length).toBeGreaterThanOrEqual(45);
  });

  it('rejects every patch git apply --check rejects, and passes the benign ones', async () => {
    let gitRejected = 0;
    for (const p of patches) {
      const v = await validatePatch(p.text);
      expect(v.git.ran, p.name).toBe(true);
      if (!v.git.accepted) {
        gitRejected += 1;
        expect(v.ok, p.name).toBe(false);
        expect(
          v.reasons.map((r) => r.code),
          p.name,
        ).toContain('GIT_APPLY_REJECTED');
      }
      if (/^t410[19]\/|^t4110\//.test(p.name)) expect(v.reasons, p.name).toEqual([]);
    }
    // Traditional diffs without an epoch timestamp patch a file that is not there (diff-*.diff).
    expect(gitRejected).toBeGreaterThan(0);
  }, 120_000);

  it('refuses names git accepts but we do not: backslashes and control characters', () => {
    for (const name of ['git-with backslash.diff', 'add-with backslash.diff']) {
      const text = readFileSync(join(corpus, 't4135', name), 'utf8');
      expect(checkPatchText(text).reasons.map((r) => r.code)).toContain('PATH_TRAVERSAL');
    }
    const tab = checkPatchText(readFileSync(join(corpus, 't4135', 'git-with tab.diff'), 'utf8'));
    expect(tab.reasons[0]?.message).toMatch(/control character/);
  });

  it('flags the mode-only corpus patch (t-apply-4) for the executable bit git happily applies', async () => {
    const v = await validatePatch(readFileSync(join(corpus, 't4100/t-apply-4.patch'), 'utf8'));
    expect(v.git.accepted).toBe(true);
    expect(v.reasons.map((r) => [r.code, r.path])).toEqual([
      ['EXECUTABLE_BIT', 't/t0000-basic.sh'],
      ['EXECUTABLE_BIT', 't/test-lib.sh'],
    ]);
  });

  it('parses renames and copies of t-apply-1/2 with their names', () => {
    const one = parsePatch(readFileSync(join(corpus, 't4100/t-apply-1.patch'), 'utf8'));
    expect(one.errors).toEqual([]);
    expect(one.files[0]).toMatchObject({
      operation: 'rename',
      oldPath: 'Documentation/git-rpull.txt',
      newPath: 'Documentation/git-ssh-pull.txt',
    });
    const two = parsePatch(readFileSync(join(corpus, 't4100/t-apply-2.patch'), 'utf8'));
    expect(two.files.map((f) => f.operation)).toEqual(['modify', 'copy', 'modify']);
  });

  it('git rejects a corrupted hunk and so does the parser, with a line number', async () => {
    const text = readFileSync(join(corpus, 't4109/patch2.patch'), 'utf8');
    const lines = text.split('\n');
    const firstHunk = lines.findIndex((l) => l.startsWith('@@'));
    lines.splice(firstHunk + 2, 1, 'garbage in the middle of a hunk');
    const broken = lines.join('\n');
    const v = await validatePatch(broken);
    expect(v.ok).toBe(false);
    expect(v.reasons.some((r) => r.code === 'MALFORMED' && r.line === firstHunk + 3)).toBe(true);
    const git = await gitApplyCheck(broken, parsePatch(broken));
    expect(git.accepted).toBe(false);
  });

  it('quoteC names round-trip through the parser', () => {
    const name = 'dir/tab\there "q" ä.txt';
    const p = parsePatch(
      `diff --git ${quoteC(`a/${name}`)} ${quoteC(`b/${name}`)}\nnew file mode 100644\n--- /dev/null\n+++ ${quoteC(`b/${name}`)}\n@@ -0,0 +1 @@\n+x\n`,
    );
    expect(p.errors).toEqual([]);
    expect(p.files[0]?.newPath).toBe(name);
  });
});
