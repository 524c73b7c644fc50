import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixFlakyTest, schemaInvalid } from './fixtures/workflows.js';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('validate');
afterAll(dir.cleanup);
const home = join(dir.path, 'home');
const files = join(dir.path, 'files');
mkdirSync(files);
const write = (name: string, content: string) => {
  const path = join(files, name);
  writeFileSync(path, content);
  return path;
};
const valid = write('valid.json', JSON.stringify(fixFlakyTest, null, 2));
const badJson = write('bad.json', '{\n  "id": "x",\n  "name": "y"\n  "steps": []\n}\n');
const invalid = write('invalid.json', JSON.stringify(schemaInvalid, null, 2));

interface Verdict {
  valid: boolean;
  workflowId: string | null;
  workflowHash?: string;
  issues: { path: string; message: string }[];
}

describe('worktrain workflow validate', () => {
  it('accepts a valid workflow: exit 0 and the json verdict with its hash', async () => {
    const run = await runWorktrain(['workflow', 'validate', valid, '--format', 'json'], { home });
    expect(run.code).toBe(0);
    const verdict = parseJson(run) as Verdict;
    expect(verdict).toEqual({
      valid: true,
      workflowId: 'team.fix-flaky-test',
      workflowHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      issues: [],
    });
  });

  it('gives the same hash for the same file (compiled form is pinned)', async () => {
    const a = parseJson(
      await runWorktrain(['workflow', 'validate', valid, '--format', 'json'], { home }),
    ) as Verdict;
    const b = parseJson(
      await runWorktrain(['--format=json', 'workflow', 'validate', valid], { home }),
    ) as Verdict;
    expect(a.workflowHash).toBe(b.workflowHash);
  });

  it('prints a one-line verdict in text and resolves paths against the working directory', async () => {
    const run = await runWorktrain(['workflow', 'validate', 'valid.json'], { home, cwd: files });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^valid: valid\.json \(team\.fix-flaky-test, sha256:[0-9a-f]{64}\)\n$/);
  });

  it('rejects bad JSON with its line and column (exit 1)', async () => {
    const run = await runWorktrain(['workflow', 'validate', badJson, '--format', 'json'], { home });
    expect(run.code).toBe(1);
    const verdict = parseJson(run) as Verdict;
    expect(verdict.valid).toBe(false);
    expect(verdict.workflowId).toBeNull();
    expect(verdict.issues).toHaveLength(1);
    expect(verdict.issues[0]?.path).toBe('');
    expect(verdict.issues[0]?.message).toMatch(/line 4, column 3/);
  });

  it('lists every schema error with its JSON pointer (exit 1)', async () => {
    const run = await runWorktrain(['workflow', 'validate', invalid, '--format', 'json'], { home });
    expect(run.code).toBe(1);
    const verdict = parseJson(run) as Verdict;
    expect(verdict.valid).toBe(false);
    expect(verdict.workflowId).toBe('Bad Id');
    expect(verdict.workflowHash).toBeUndefined();
    const paths = verdict.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/id',
        '/version',
        '/steps/0/foo',
        '/steps/1/loop/maxIterations',
        '/steps/1/body',
      ]),
    );
    expect(verdict.issues.find((i) => i.path === '/steps/0/foo')?.message).toBe("unknown property 'foo'");
  });

  it('prints every issue as "path: message" in text', async () => {
    const run = await runWorktrain(['workflow', 'validate', invalid], { home });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("/steps/0/foo: unknown property 'foo'");
    expect(run.stdout).toContain('/steps/1/body: ');
  });

  it('reports a compile error (unknown template) at its pointer', async () => {
    const path = write(
      'unknown-template.json',
      JSON.stringify({
        ...fixFlakyTest,
        steps: [
          { id: 'call-it', title: 'Call', templateCall: { templateId: 'wr.templates.does-not-exist' } },
        ],
      }),
    );
    const run = await runWorktrain(['workflow', 'validate', path, '--format', 'json'], { home });
    expect(run.code).toBe(1);
    const verdict = parseJson(run) as Verdict;
    expect(verdict.valid).toBe(false);
    expect(verdict.issues[0]?.path).toMatch(/^\/steps\/0/);
  });

  it('fails clearly on a missing file (exit 1, no stack trace)', async () => {
    const missing = join(files, 'nope.json');
    const run = await runWorktrain(['workflow', 'validate', missing], { home });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: File not found: ${missing}\n`);
    const json = await runWorktrain(['workflow', 'validate', missing, '--format', 'json'], { home });
    expect(json.code).toBe(1);
    expect(parseJson(json)).toEqual({
      error: { code: 'FILE_NOT_FOUND', message: `File not found: ${missing}`, details: { path: missing } },
    });
  });

  it('fails clearly on a directory (exit 1)', async () => {
    const run = await runWorktrain(['workflow', 'validate', files], { home });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Is a directory');
  });

  it('validates several files in one run: an array of verdicts in order, exit 1 when any is invalid', async () => {
    const json = await runWorktrain(['workflow', 'validate', valid, invalid, badJson, '--format', 'json'], {
      home,
    });
    expect(json.code).toBe(1);
    const verdicts = parseJson(json) as (Verdict & { file: string })[];
    expect(verdicts.map((v) => [v.file, v.valid])).toEqual([
      [valid, true],
      [invalid, false],
      [badJson, false],
    ]);
    expect(verdicts[1]!.issues.length).toBeGreaterThan(0);
    const text = await runWorktrain(['workflow', 'validate', valid, invalid], { home });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`valid: ${valid}`);
    expect(text.stdout).toContain(`invalid: ${invalid}`);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('1 of 2 valid');
    const allValid = await runWorktrain(['workflow', 'validate', valid, valid], { home });
    expect(allValid.code).toBe(0);
    expect(allValid.stdout).toContain('2 of 2 valid');
  });

  it("refuses a file over the loader's 4 MiB limit unread, as the registry does (one loader)", async () => {
    // ~5.6 MB of otherwise valid steps: validate used to parse and compile it (16 s for 8.9 MB) and call
    // it valid, while the daemon's loader refused it.
    const bigDir = join(dir.path, 'big');
    mkdirSync(bigDir);
    const big = join(bigDir, 'big.json');
    const steps = Array.from({ length: 120_000 }, (_, i) => ({ id: `step-${i}`, title: 'T', prompt: 'P' }));
    writeFileSync(big, JSON.stringify({ ...fixFlakyTest, id: 'team.big', steps }));
    const run = await runWorktrain(['workflow', 'validate', big, '--format', 'json'], { home });
    expect(run.code).toBe(1);
    const verdict = parseJson(run) as Verdict;
    expect(verdict).toMatchObject({ valid: false, workflowId: null });
    expect(verdict.issues).toEqual([
      {
        path: '',
        message: expect.stringMatching(/^file is \d+ bytes; workflow files are limited to 4194304 bytes$/),
      },
    ]);
    const listed = parseJson(
      await runWorktrain(['workflow', 'list', '--workflows', bigDir, '--format', 'json'], { home }),
    ) as { invalid: { path: string; errors: string[] }[] };
    expect(listed.invalid.find((i) => i.path === big)?.errors).toEqual([verdict.issues[0]?.message]);
  });

  it('exits 2 on an unknown option', async () => {
    const run = await runWorktrain(['workflow', 'validate', valid, '--strict'], { home });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--strict'");
  });
});
