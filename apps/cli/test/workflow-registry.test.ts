import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixFlakyTest, localOnly, writeDocs } from './fixtures/workflows.js';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('registry');
afterAll(dir.cleanup);
const home = join(dir.path, 'home');
const extra = join(dir.path, 'extra');
const workspace = join(dir.path, 'repo');
const writeJson = (path: string, value: unknown) => writeFileSync(path, JSON.stringify(value, null, 2));

mkdirSync(extra);
writeJson(join(extra, 'fix-flaky-test.json'), fixFlakyTest);
writeJson(join(extra, 'write-docs.json'), writeDocs);
writeFileSync(join(extra, 'broken.json'), '{ "id": "team.broken", ');
mkdirSync(join(workspace, '.worktrain', 'workflows'), { recursive: true });
writeJson(join(workspace, '.worktrain', 'workflows', 'local-only.json'), localOnly);

interface ListOutput {
  workflows: { workflowId: string; name: string; version: string; source: { kind: string; path: string } }[];
  invalid: { path: string; errors: string[] }[];
}

const list = async (...args: string[]) => {
  const run = await runWorktrain(['workflow', 'list', '--format', 'json', ...args], { home });
  expect(run.code).toBe(0);
  return parseJson(run) as ListOutput;
};

describe('worktrain workflow list', () => {
  it('lists workflows of --workflows directories with id, name, version and source', async () => {
    const out = await list('--workflows', extra);
    const ours = out.workflows.filter((w) => w.workflowId.startsWith('team.'));
    expect(ours).toEqual([
      {
        workflowId: 'team.fix-flaky-test',
        name: 'Fix a flaky test',
        version: '1.2.0',
        description: fixFlakyTest.description,
        source: { kind: 'custom', path: join(extra, 'fix-flaky-test.json') },
      },
      {
        workflowId: 'team.write-docs',
        name: 'Write docs',
        version: '0.1.0',
        description: writeDocs.description,
        source: { kind: 'custom', path: join(extra, 'write-docs.json') },
      },
    ]);
    expect(out.invalid.map((i) => i.path)).toEqual([join(extra, 'broken.json')]);
  });

  it('reads the workspace directory only with --workspace', async () => {
    const without = await list('--workflows', extra);
    expect(without.workflows.map((w) => w.workflowId)).not.toContain('team.local-only');
    const withWorkspace = await list('--workflows', extra, '--workspace', workspace);
    expect(withWorkspace.workflows.find((w) => w.workflowId === 'team.local-only')?.source.kind).toBe(
      'project',
    );
  });

  it('reads user workflows from $WORKTRAIN_HOME/workflows', async () => {
    const userHome = join(dir.path, 'user-home');
    mkdirSync(join(userHome, 'workflows'), { recursive: true });
    writeJson(join(userHome, 'workflows', 'docs.json'), writeDocs);
    const run = await runWorktrain(['workflow', 'list', '--format', 'json'], { home: userHome });
    const out = parseJson(run) as ListOutput;
    expect(out.workflows.find((w) => w.workflowId === 'team.write-docs')?.source.kind).toBe('user');
  });

  it('reads extra directories from WORKTRAIN_WORKFLOWS_PATH', async () => {
    const run = await runWorktrain(['workflow', 'list', '--format', 'json'], {
      home,
      env: { WORKTRAIN_WORKFLOWS_PATH: extra },
    });
    const out = parseJson(run) as ListOutput;
    expect(out.workflows.find((w) => w.workflowId === 'team.write-docs')?.source.kind).toBe('custom');
  });

  it('prints a table in text mode and mentions skipped invalid files', async () => {
    const run = await runWorktrain(['workflow', 'list', '--workflows', extra], { home });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ID\s+NAME\s+VERSION\s+SOURCE/);
    expect(run.stdout).toMatch(/team\.fix-flaky-test\s+Fix a flaky test\s+1\.2\.0\s+custom: /);
    expect(run.stdout).toContain('1 invalid workflow file(s) skipped');
    expect(existsSync(home)).toBe(false);
  });

  it('fails on a --workflows directory that does not exist (exit 1)', async () => {
    const run = await runWorktrain(
      ['workflow', 'list', '--workflows', join(dir.path, 'nope'), '--format', 'json'],
      {
        home,
      },
    );
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });
});

describe('worktrain workflow show', () => {
  it('shows metadata and steps as authored', async () => {
    const run = await runWorktrain(
      ['workflow', 'show', 'team.fix-flaky-test', '--workflows', extra, '--format', 'json'],
      {
        home,
      },
    );
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({
      workflowId: 'team.fix-flaky-test',
      version: '1.2.0',
      metaGuidance: fixFlakyTest.metaGuidance,
      steps: [
        { id: 'reproduce', type: 'step' },
        {
          id: 'fix-loop',
          type: 'loop',
          loop: { type: 'for', maxIterations: 3 },
          body: [{ id: 'attempt-fix' }, { id: 'check-fix' }],
        },
        { id: 'report', requiresConfirmation: true },
      ],
      definition: fixFlakyTest,
    });
    const text = await runWorktrain(['workflow', 'show', 'team.fix-flaky-test', '--workflows', extra], {
      home,
    });
    expect(text.stdout).toContain('2. fix-loop: Fix until green [loop; for, max 3]');
    expect(text.stdout).toContain('2.1. attempt-fix: Attempt a fix');
  });

  it('fails on an invalid workflow with WORKFLOW_INVALID and its issues (exit 1)', async () => {
    const invalidDir = join(dir.path, 'invalid-workflows');
    mkdirSync(invalidDir);
    writeJson(join(invalidDir, 'short-ids.json'), {
      ...writeDocs,
      id: 'team.short-ids',
      steps: [{ id: 'ab', title: 'T', prompt: 'p' }],
    });
    const run = await runWorktrain(
      ['workflow', 'show', 'team.short-ids', '--workflows', invalidDir, '--format', 'json'],
      {
        home,
      },
    );
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({
      error: {
        code: 'WORKFLOW_INVALID',
        details: { issues: [{ path: '/steps/0/id', message: expect.any(String) }] },
      },
    });
  });

  it('fails on an unknown id with WORKFLOW_NOT_FOUND (exit 1)', async () => {
    const run = await runWorktrain(
      ['workflow', 'show', 'team.nope', '--workflows', extra, '--format', 'json'],
      { home },
    );
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({ error: { code: 'WORKFLOW_NOT_FOUND' } });
  });
});

describe('worktrain workflow preview', () => {
  it('prints the compiled steps in order', async () => {
    const run = await runWorktrain(['workflow', 'preview', 'team.fix-flaky-test', '--workflows', extra], {
      home,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Fix a flaky test (team.fix-flaky-test v1.2.0)');
    const order = ['Reproduce the flake', 'Fix until green', 'Attempt a fix', 'Check the fix', 'Report'].map(
      (t) => run.stdout.indexOf(t),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('prints the inspect JSON with --format json', async () => {
    const run = await runWorktrain(
      ['workflow', 'preview', 'team.fix-flaky-test', '--workflows', extra, '--format', 'json'],
      { home },
    );
    expect(run.code).toBe(0);
    const inspect = parseJson(run) as { workflowId: string; workflowHash: string; steps: { id: string }[] };
    expect(inspect.workflowId).toBe('team.fix-flaky-test');
    expect(inspect.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(inspect.steps.map((s) => s.id)).toEqual(['reproduce', 'fix-loop', 'report']);
  });

  it('hashes the same as workflow validate of the same file', async () => {
    const validate = parseJson(
      await runWorktrain(['workflow', 'validate', join(extra, 'fix-flaky-test.json'), '--format', 'json'], {
        home,
      }),
    ) as { workflowHash: string };
    const preview = parseJson(
      await runWorktrain(
        ['workflow', 'preview', 'team.fix-flaky-test', '--workflows', extra, '--format', 'json'],
        {
          home,
        },
      ),
    ) as { workflowHash: string };
    expect(preview.workflowHash).toBe(validate.workflowHash);
  });
});
