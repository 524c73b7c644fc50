import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, REPO_ROOT, runWorktrain, tempDir } from './helpers.js';

/** WorkRail's workflow corpus, copied into the repo by the engine (with its SOURCE.txt and LICENSE). */
const CORPUS = join(REPO_ROOT, 'packages/engine/test/fixtures/third-party/workrail-workflows/workflows');

/**
 * The one corpus file WorkRail's official schema v0.3.0 itself rejects (WorkRail never loads
 * `workflows/examples/`); the CLI must reject it too, only for properties the official schema rejects.
 */
const OFFICIALLY_INVALID = 'examples/dashboard-template-workflow.json';
const OFFICIAL_ISSUE_PATHS = [
  '/autoRecognitionPatterns',
  '/examples/0',
  '/examples/1',
  '/examples/2',
  '/steps/0/expectedOutput',
  '/tags',
  '/tips',
];

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return jsonFiles(path);
    return entry.name.endsWith('.json') ? [path] : [];
  });
}

const files = jsonFiles(CORPUS)
  .map((file) => relative(CORPUS, file))
  .sort();
const dir = tempDir('corpus');
afterAll(dir.cleanup);

interface Verdict {
  valid: boolean;
  workflowId: string | null;
  workflowHash?: string;
  issues: { path: string; message: string }[];
}

describe('worktrain workflow validate over the WorkRail corpus', () => {
  it('finds all 48 corpus workflows', () => {
    expect(files).toHaveLength(48);
    expect(files).toContain(OFFICIALLY_INVALID);
  });

  // One at a time: each run is a full node process and the machine is shared.
  it.each(files.filter((f) => f !== OFFICIALLY_INVALID))('%s is valid (exit 0)', async (file) => {
    const run = await runWorktrain(['workflow', 'validate', join(CORPUS, file), '--format', 'json'], {
      home: dir.path,
    });
    const verdict = parseJson(run) as Verdict;
    expect(verdict.issues).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.code).toBe(0);
  });

  it(`${OFFICIALLY_INVALID} is rejected for the properties the official schema rejects (exit 1)`, async () => {
    const run = await runWorktrain(
      ['workflow', 'validate', join(CORPUS, OFFICIALLY_INVALID), '--format', 'json'],
      {
        home: dir.path,
      },
    );
    expect(run.code).toBe(1);
    const verdict = parseJson(run) as Verdict;
    expect(verdict.valid).toBe(false);
    expect(verdict.workflowId).toBe('dashboard-template-workflow');
    // Every issue names one of the properties the official schema rejects (the engine may report a subset
    // or finer paths below them, e.g. `/autoRecognitionPatterns`: must be an array).
    expect(verdict.issues.length).toBeGreaterThan(0);
    for (const issue of verdict.issues) {
      expect(OFFICIAL_ISSUE_PATHS.some((p) => issue.path === p || issue.path.startsWith(`${p}/`))).toBe(true);
    }
  });
});
