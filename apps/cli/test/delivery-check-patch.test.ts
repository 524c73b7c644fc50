import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('check-patch');
afterAll(dir.cleanup);
const opts = { home: join(dir.path, 'home'), cwd: dir.path };

function write(name: string, text: string): string {
  writeFileSync(join(dir.path, name), text);
  return name;
}

const benign = write(
  'benign.patch',
  'diff --git a/src/a.ts b/src/a.ts\nnew file mode 100644\n--- /dev/null\n+++ b/src/a.ts\n@@ -0,0 +1 @@\n+export const a = 1;\n',
);
const workflow = write(
  'workflow.patch',
  'diff --git a/.github/workflows/x.yml b/.github/workflows/x.yml\nnew file mode 100644\n--- /dev/null\n+++ b/.github/workflows/x.yml\n@@ -0,0 +1 @@\n+on: push\n',
);
const traversal = write(
  'traversal.patch',
  'diff --git "a/..\\\\..\\\\x" "b/..\\\\..\\\\x"\nnew file mode 100644\n--- /dev/null\n+++ "b/..\\\\..\\\\x"\n@@ -0,0 +1 @@\n+x\n',
);

interface Verdict {
  ok: boolean;
  reasons: { code: string; path: string | null; message: string }[];
  files: { path: string; sha256: string }[];
}

describe('worktrain delivery check-patch', () => {
  it('exits 0 with ok:true and per-file sha256 for a benign patch', async () => {
    const run = await runWorktrain(
      ['delivery', 'check-patch', benign, '--targets', 'src/**', '--format', 'json'],
      opts,
    );
    expect(run.code).toBe(0);
    const out = parseJson(run) as Verdict;
    expect(out.ok).toBe(true);
    expect(out.reasons).toEqual([]);
    expect(out.files).toEqual([
      expect.objectContaining({ path: 'src/a.ts', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    ]);
  });

  it('exits 1 with reasons {code, path, message} when refused', async () => {
    const run = await runWorktrain(
      ['delivery', 'check-patch', benign, '--targets', 'lib/', '--format', 'json'],
      opts,
    );
    expect(run.code).toBe(1);
    const out = parseJson(run) as Verdict;
    expect(out.ok).toBe(false);
    expect(out.reasons).toEqual([
      { code: 'OUTSIDE_TARGETS', path: 'src/a.ts', message: expect.stringContaining('lib/') },
    ]);
  });

  it('refuses a workflow file until approved, and backslash traversal always', async () => {
    const refused = parseJson(
      await runWorktrain(['delivery', 'check-patch', workflow, '--format', 'json'], opts),
    ) as Verdict;
    expect(refused.reasons.map((r) => r.code)).toEqual(['PROTECTED_PATH']);
    const approved = await runWorktrain(
      ['delivery', 'check-patch', workflow, '--approve', '.github/workflows/**'],
      opts,
    );
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('ok:');
    const bad = await runWorktrain(['delivery', 'check-patch', traversal], opts);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('PATH_TRAVERSAL');
  });

  it('applies --max-files and --max-bytes', async () => {
    const run = await runWorktrain(
      ['delivery', 'check-patch', benign, '--max-bytes', '10', '--max-files', '1', '--format', 'json'],
      opts,
    );
    expect(run.code).toBe(1);
    expect((parseJson(run) as Verdict).reasons.map((r) => r.code)).toEqual(['TOO_LARGE']);
  });

  it('exits 2 on usage errors and 1 on a missing file', async () => {
    const badNumber = await runWorktrain(
      ['delivery', 'check-patch', benign, '--max-files', 'many', '--format', 'json'],
      opts,
    );
    expect(badNumber.code).toBe(2);
    expect(parseJson(badNumber)).toMatchObject({ error: { code: 'USAGE' } });
    const noFile = await runWorktrain(['delivery', 'check-patch'], opts);
    expect(noFile.code).toBe(2);
    const missing = await runWorktrain(['delivery', 'check-patch', 'nope.patch', '--format', 'json'], opts);
    expect(missing.code).toBe(1);
    expect(parseJson(missing)).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });
});
