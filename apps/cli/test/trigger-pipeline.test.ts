/**
 * `worktrain trigger validate|list|test` over a trigger that names a pipeline (`pipeline: feature`) instead
 * of a workflow: valid when the daemon runs that kind, listed with the pipeline where a workflow is shown,
 * and its dry run's candidate carries the kind. Naming both, or an unknown kind, is a located issue.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('trigger-pipeline');
afterAll(dir.cleanup);
const home = join(dir.path, 'home');
const files = join(dir.path, 'files');
mkdirSync(files);
const write = (name: string, content: string) => {
  const path = join(files, name);
  writeFileSync(path, content);
  return path;
};
const SECRET = 'cli-test-secret';
const env = { GITHUB_WEBHOOK_SECRET: SECRET };
let fx: GitFixture;
let config: string;
const entry = (id: string, runs: string, workspace: string) => `  - id: ${id}
    provider: github
    repo: octo-org/octo-repo
    ${runs}
    workspace: ${JSON.stringify(workspace)}
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
    events: [issues.opened]
`;
beforeAll(async () => {
  fx = await createGitFixture({ files: { 'README.md': '# widgets\n' } });
  config = write(
    'triggers.yaml',
    `triggers:\n${entry('gh-feature', 'pipeline: feature', fx.repoDir)}${entry('gh-fix', 'workflowId: wr.coding-task', fx.repoDir)}`,
  );
});
afterAll(async () => {
  await fx?.cleanup();
});

describe('worktrain trigger with a pipeline trigger', () => {
  it('validate: a known pipeline kind is valid; both keys, or an unknown kind, are issues at their paths', async () => {
    const good = await runWorktrain(['trigger', 'validate', '--config', config, '--format', 'json'], {
      home,
      env,
    });
    expect(good.code).toBe(0);
    expect(parseJson(good)).toMatchObject({ valid: true, triggers: ['gh-feature', 'gh-fix'], issues: [] });

    const both = write(
      'both.yaml',
      `triggers:\n${entry('gh-both', 'workflowId: wr.coding-task\n    pipeline: feature', fx.repoDir)}`,
    );
    const bad = await runWorktrain(['trigger', 'validate', '--config', both], { home, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(
      'triggers[0].pipeline: name either `workflowId` (the workflow a task runs) or `pipeline` (the pipeline it starts), not both',
    );

    const typo = write('typo.yaml', `triggers:\n${entry('gh-typo', 'pipeline: featur', fx.repoDir)}`);
    const unknown = await runWorktrain(['trigger', 'validate', '--config', typo, '--format', 'json'], {
      home,
      env,
    });
    expect(unknown.code).toBe(1);
    expect(parseJson(unknown)).toMatchObject({
      valid: false,
      issues: [
        { path: 'triggers[0].pipeline', message: "no pipeline kind 'featur' (this daemon runs: feature)" },
      ],
    });
  });

  it('list: shows the pipeline where a workflow is shown', async () => {
    const json = await runWorktrain(['trigger', 'list', '--config', config, '--format', 'json'], {
      home,
      env,
    });
    expect(json.code).toBe(0);
    expect(parseJson(json)).toMatchObject({
      triggers: [
        { id: 'gh-feature', workflowId: null, pipeline: 'feature' },
        { id: 'gh-fix', workflowId: 'wr.coding-task', pipeline: null },
      ],
    });
    const text = await runWorktrain(['trigger', 'list', '--config', config], { home, env });
    expect(text.stdout.split('\n').filter((l) => l !== '')).toEqual([
      'gh-feature\tgithub\twebhook\tpipeline:feature',
      'gh-fix\tgithub\twebhook\twr.coding-task',
    ]);
  });

  it('test: the candidate a matching event would enqueue names the pipeline', async () => {
    const payload = write(
      'opened.json',
      JSON.stringify({
        action: 'opened',
        issue: {
          number: 3,
          title: 'Dark mode',
          body: 'Please.',
          html_url: 'https://github.com/x/y/issues/3',
          labels: [],
          user: { login: 'o' },
        },
        repository: { full_name: 'octo-org/octo-repo' },
      }),
    );
    const run = await runWorktrain(
      [
        'trigger',
        'test',
        'gh-feature',
        '--event',
        'issues',
        '--payload',
        payload,
        '--config',
        config,
        '--format',
        'json',
      ],
      { home, env },
    );
    expect(run.code).toBe(0);
    const out = parseJson(run) as { matched: boolean; candidate: Record<string, unknown> | null };
    expect(out.matched).toBe(true);
    expect(out.candidate).toMatchObject({ pipeline: 'feature', triggerId: 'gh-feature' });
    expect(out.candidate).not.toHaveProperty('workflowId');
  });
});
