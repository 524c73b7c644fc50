import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  // One process validates the whole corpus (`workflow validate <files...>`, as a CI glob would): 48 node
  // start-ups from source cost ~100 s of test time.
  let run: Awaited<ReturnType<typeof runWorktrain>>;
  let verdicts: Map<string, Verdict>;
  beforeAll(async () => {
    run = await runWorktrain(
      ['workflow', 'validate', ...files.map((f) => join(CORPUS, f)), '--format', 'json'],
      {
        home: dir.path,
      },
    );
    const parsed = parseJson(run) as (Verdict & { file: string })[];
    verdicts = new Map(parsed.map((v) => [relative(CORPUS, v.file), v]));
  });

  it('finds all 48 corpus workflows and validates each once, exit 0', () => {
    expect(files).toHaveLength(48);
    expect([...verdicts.keys()].sort()).toEqual(files);
    expect(run.code).toBe(0);
  });

  // Including examples/dashboard-template-workflow.json, which WorkRail's official schema rejects for its
  // informational legacy fields (tags, tips, …): our format is a documented superset that accepts them.
  it.each(files)('%s is valid', (file) => {
    const verdict = verdicts.get(file);
    expect(verdict?.issues).toEqual([]);
    expect(verdict?.valid).toBe(true);
    expect(verdict?.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
