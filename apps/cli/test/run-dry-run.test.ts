/**
 * `worktrain run --dry-run`: the session runs in its worktree with the scripted model, then delivery only
 * plans (issue 6): the plan is printed, nothing is pushed and no pull request is opened on the fake GitHub.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const TOKEN = 'ghp_runDryRunTestToken0000000000000000';
const FIXED = 'export function add(a, b) {\n  return a + b;\n}\n';
const WORKFLOW = {
  id: 'test.dry-run-fix',
  name: 'Dry-run fix (test)',
  description: 'Fix src/add.js.',
  version: '1.0.0',
  steps: [{ id: 'fix', title: 'Fix', prompt: 'Fix the bug in src/add.js and hand off.' }],
};
const TURNS = [
  { step: 'fix', toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: FIXED } }] },
  {
    step: 'fix',
    toolCalls: [
      {
        name: 'complete_step',
        input: {
          notesMarkdown: 'add() now adds.',
          artifacts: [
            {
              kind: 'wr.coding_handoff',
              version: 1,
              keyDecisions: [],
              knownLimitations: [],
              testsAdded: [],
              filesChanged: ['src/add.js'],
            },
          ],
        },
      },
    ],
  },
];

let dir: ReturnType<typeof tempDir>;
let home: string;
let fx: GitFixture;
let gh: FakeGitHub;

beforeAll(async () => {
  dir = tempDir('run-dry-run');
  home = join(dir.path, 'home');
  mkdirSync(join(home, 'workflows'), { recursive: true });
  fx = await createGitFixture({
    files: { 'src/add.js': 'export function add(a, b) {\n  return a - b;\n}\n' },
  });
  gh = await startFakeGitHub({ tokens: { [TOKEN]: 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', originDir: fx.originDir });
  writeFileSync(join(home, 'workflows', 'test.dry-run-fix.json'), JSON.stringify(WORKFLOW));
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: TURNS }));
  writeFileSync(
    join(home, 'config.yaml'),
    `model: { provider: scripted, script: model-script.json }\nport: 0\nforge:\n  github:\n    token: $GITHUB_TOKEN\n    apiBaseUrl: ${gh.url}\n`,
  );
});
afterAll(async () => {
  await gh.close();
  await fx.cleanup();
  dir.cleanup();
});

describe('worktrain run --dry-run', () => {
  it('runs the session and prints the delivery plan; nothing is pushed or opened', async () => {
    const run = await runWorktrain(
      [
        '--format',
        'json',
        'run',
        'test.dry-run-fix',
        '--goal',
        'Fix add()',
        '--workspace',
        fx.repoDir,
        '--repo',
        'acme/widgets',
        '--dry-run',
      ],
      {
        home,
        env: { GITHUB_TOKEN: TOKEN, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
        timeoutMs: 120_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const out = parseJson(run) as { sessionId: string; state: string; plan: Record<string, unknown> | null };
    expect(out.state).toBe('succeeded');
    expect(out.plan).toMatchObject({
      target: 'github:acme/widgets',
      branch: `worktrain/${out.sessionId}`,
      diffStat: { files: [{ path: 'src/add.js', status: 'modified' }] },
    });
    expect(gh.state.pulls('acme', 'widgets')).toEqual([]);
    expect(await fx.originRef(`worktrain/${out.sessionId}`)).toBeUndefined();
  });
});
