import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJson, REPO_ROOT, runWorktrain, tempDir } from './helpers.js';

/** WorkRail's workflow corpus, copied into the repo by the engine (with its SOURCE.txt and LICENSE). */
const CORPUS = join(REPO_ROOT, 'packages/engine/test/fixtures/third-party/workrail-workflows/workflows');

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
  });

  // Including examples/dashboard-template-workflow.json, which WorkRail's official schema rejects for its
  // informational legacy fields (tags, tips, …): our format is a documented superset that accepts them.
  // One at a time: each run is a full node process and the machine is shared.
  it.each(files)('%s is valid (exit 0)', async (file) => {
    const run = await runWorktrain(['workflow', 'validate', join(CORPUS, file), '--format', 'json'], {
      home: dir.path,
    });
    const verdict = parseJson(run) as Verdict;
    expect(verdict.issues).toEqual([]);
    expect(verdict.valid).toBe(true);
    expect(verdict.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.code).toBe(0);
  });
});
