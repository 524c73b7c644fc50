import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const dir = tempDir('trigger');
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
// Triggers that can run: installed workflows, a real clone with an origin (validate checks as the daemon does).
let fx: GitFixture;
const config = join(files, 'triggers.yaml');
beforeAll(async () => {
  fx = await createGitFixture({ files: { 'README.md': '# widgets\n' } });
  write(
    'triggers.yaml',
    `triggers:
  - id: gh-ready
    provider: github
    repo: octo-org/octo-repo
    workflowId: wr.coding-task
    workspace: ${JSON.stringify(fx.repoDir)}
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
  - id: nightly
    provider: schedule
    workflowId: wr.quick-task
    workspace: ${JSON.stringify(fx.repoDir)}
    cron: "0 3 * * *"
    timezone: Europe/Paris
`,
  );
});
afterAll(async () => {
  await fx?.cleanup();
});
const invalid = write(
  'invalid.yaml',
  'triggers:\n  - id: x\n    provider: github\n    workflowId: w\n    workspace: /w\n    repo: nope\n',
);
// A real GitHub payload (octokit's issues.labeled example) relabelled and moved to the configured repo.
const examples: Array<{ name: string; examples: Array<Record<string, unknown>> }> = createRequire(
  join(import.meta.dirname, '../../../packages/triggers/package.json'),
)('@octokit/webhooks-examples/api.github.com/index.json');
const labeled = examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'labeled') ?? {};
const payload = (label: string) =>
  write(
    `labeled-${label}.json`,
    JSON.stringify({
      ...labeled,
      label: { name: label },
      repository: { ...(labeled.repository as object), full_name: 'octo-org/octo-repo' },
    }),
  );

describe('worktrain trigger', () => {
  it('validate: exit 0 for the issue 5 example, exit 1 with located issues otherwise', async () => {
    const good = await runWorktrain(['trigger', 'validate', '--config', config, '--format', 'json'], {
      home,
      env,
    });
    expect(good.code).toBe(0);
    expect(parseJson(good)).toEqual({
      valid: true,
      file: config,
      files: [config],
      missing: [],
      triggers: ['gh-ready', 'nightly'],
      issues: [],
    });
    const bad = await runWorktrain(['trigger', 'validate', '--config', invalid, '--format', 'json'], {
      home,
      env,
    });
    expect(bad.code).toBe(1);
    expect(parseJson(bad)).toMatchObject({ valid: false, issues: [{ path: 'triggers[0].repo', line: 6 }] });
    const noEnv = await runWorktrain(['trigger', 'validate', '--config', config], { home });
    expect(noEnv.code).toBe(1);
    expect(noEnv.stdout).toContain(
      'triggers[0].webhook.secret: environment variable GITHUB_WEBHOOK_SECRET is not set',
    );
  });

  it("validate: a trigger that cannot run is invalid, as the daemon's own check says (workflow, workspace, origin)", async () => {
    const { execFileSync } = await import('node:child_process');
    const emptyOrigin = join(dir.path, 'empty-origin.git');
    const clone = join(dir.path, 'empty-clone');
    execFileSync('git', ['init', '--bare', '--quiet', emptyOrigin]);
    mkdirSync(clone);
    execFileSync('git', ['init', '--quiet'], { cwd: clone });
    execFileSync('git', ['remote', 'add', 'origin', emptyOrigin], { cwd: clone });
    const schedule = (id: string, workflowId: string, workspace: string) =>
      `  - { id: ${id}, provider: schedule, workflowId: ${workflowId}, workspace: ${JSON.stringify(workspace)}, cron: "0 3 * * *" }\n`;
    const file = write(
      'cannot-run.yaml',
      `triggers:\n${schedule('typo', 'wr.coding-tsk', fx.repoDir)}${schedule('gone', 'wr.quick-task', join(dir.path, 'gone'))}${schedule('empty', 'wr.quick-task', clone)}`,
    );
    const run = await runWorktrain(['trigger', 'validate', '--config', file, '--format', 'json'], { home });
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({
      valid: false,
      triggers: ['typo', 'gone', 'empty'],
      issues: [
        {
          triggerId: 'typo',
          path: 'triggers[0].workflowId',
          message: expect.stringContaining("no workflow with id 'wr.coding-tsk'"),
        },
        {
          triggerId: 'gone',
          path: 'triggers[1].workspace',
          message: `${join(dir.path, 'gone')} does not exist`,
        },
        {
          triggerId: 'empty',
          path: 'triggers[2].workspace',
          message: expect.stringContaining('origin has no default branch'),
        },
      ],
    });
    const text = await runWorktrain(['trigger', 'validate', '--config', file], { home });
    expect(text.stdout).toContain(`triggers[1].workspace: ${join(dir.path, 'gone')} does not exist`);
  });

  it('validate: secrets come from $WORKTRAIN_HOME/.env too (what `worktrain init` writes), the environment winning', async () => {
    const withDotEnv = join(dir.path, 'home-dotenv');
    mkdirSync(withDotEnv);
    writeFileSync(join(withDotEnv, '.env'), `GITHUB_WEBHOOK_SECRET=${SECRET}\n`, { mode: 0o600 });
    const run = await runWorktrain(['trigger', 'validate', '--config', config, '--format', 'json'], {
      home: withDotEnv,
    });
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({ valid: true });
    // The environment wins over .env: its (too short) value is the one validated.
    const overridden = await runWorktrain(['trigger', 'validate', '--config', config, '--format', 'json'], {
      home: withDotEnv,
      env: { GITHUB_WEBHOOK_SECRET: 'short' },
    });
    expect(overridden.code).toBe(1);
    expect(parseJson(overridden)).toMatchObject({
      valid: false,
      issues: [{ path: 'triggers[0].webhook.secret', message: 'secret must be at least 8 characters' }],
    });
  });

  it('validate --repo: a per-repo file extends the global defaults and defaults its workspace', async () => {
    const repo = join(dir.path, 'repo');
    mkdirSync(join(repo, '.worktrain'), { recursive: true });
    writeFileSync(
      join(repo, '.worktrain', 'triggers.yaml'),
      'triggers:\n  - { id: repo-nightly, extends: nightly }\n',
    );
    const global = write(
      'global.yaml',
      'defaults:\n  nightly: { provider: schedule, workflowId: wr.report, cron: "0 3 * * *" }\ntriggers: []\n',
    );
    const run = await runWorktrain(
      ['trigger', 'list', '--config', global, '--repo', repo, '--format', 'json'],
      { home },
    );
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({
      triggers: [{ id: 'repo-nightly', workspace: repo, parts: ['schedule'] }],
    });
  });

  it('list: ids, providers and parts, never secrets', async () => {
    const run = await runWorktrain(['trigger', 'list', '--config', config, '--format', 'json'], {
      home,
      env,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain(SECRET);
    const out = parseJson(run) as { triggers: Array<{ id: string; parts: string[] }> };
    expect(out.triggers.map((t) => [t.id, t.parts])).toEqual([
      ['gh-ready', ['webhook']],
      ['nightly', ['schedule']],
    ]);
  });

  it('test: prints {matched, candidate, reason} for a matching and a non-matching payload', async () => {
    const yes = await runWorktrain(
      [
        'trigger',
        'test',
        'gh-ready',
        '--event',
        'issues',
        '--payload',
        payload('worktrain:ready'),
        '--config',
        config,
        '--format',
        'json',
      ],
      { home, env },
    );
    expect(yes.code).toBe(0);
    const m = parseJson(yes) as { matched: boolean; candidate: Record<string, unknown>; reason: null };
    expect(Object.keys(m)).toEqual(['matched', 'candidate', 'reason']);
    expect(m).toMatchObject({
      matched: true,
      reason: null,
      candidate: {
        sourceId: 'github:octo-org/octo-repo#issue/1',
        workflowId: 'wr.coding-task',
        triggerId: 'gh-ready',
      },
    });
    const no = await runWorktrain(
      [
        'trigger',
        'test',
        'gh-ready',
        '--event',
        'issues',
        '--payload',
        payload('bug'),
        '--config',
        config,
        '--format',
        'json',
      ],
      { home, env },
    );
    expect(no.code).toBe(0);
    expect(parseJson(no)).toEqual({
      matched: false,
      candidate: null,
      reason: 'dispatchCondition: $.label.name is "bug", expected to equal "worktrain:ready"',
    });
  });

  it('test: works for every provider — GitLab and Jira webhook payloads, a polled item, a generic webhook', async () => {
    const fixtures = join(import.meta.dirname, '../../../packages/triggers/test/fixtures/third-party');
    const multi = write(
      'multi.yaml',
      `triggers:
  - { id: gl, provider: gitlab, workflowId: w, workspace: /w, webhook: { token: gitlab-hook-token }, events: [issue] }
  - { id: jira, provider: jira, workflowId: w, workspace: /w, webhook: { secret: jira-hook-secret }, events: ["jira:issue_updated"] }
  - { id: jira-poll, provider: jira, baseUrl: "https://acme.atlassian.net", workflowId: w, workspace: /w, token: t, project: WT, poll: {} }
  - { id: hook, provider: webhook, workflowId: w, workspace: /w, webhook: { secret: generic-secret }, sourceIdPath: $.id, titlePath: $.title }
`,
    );
    const dryRun = async (id: string, event: string, file: string) => {
      const run = await runWorktrain(
        ['trigger', 'test', id, '--event', event, '--payload', file, '--config', multi, '--format', 'json'],
        { home, env },
      );
      expect(run.code).toBe(0);
      const out = parseJson(run) as {
        matched: boolean;
        candidate: { sourceId: string } | null;
        reason: string | null;
      };
      expect(Object.keys(out)).toEqual(['matched', 'candidate', 'reason']);
      return out;
    };
    expect(await dryRun('gl', 'Issue Hook', join(fixtures, 'gitlab/webhooks/issue.json'))).toMatchObject({
      matched: true,
      candidate: { sourceId: 'gitlab:gitlabhq/gitlab-test#issue/23' },
      reason: null,
    });
    expect(
      await dryRun('gl', 'Merge Request Hook', join(fixtures, 'gitlab/webhooks/merge_request.json')),
    ).toEqual({
      matched: false,
      candidate: null,
      reason: 'event merge_request.open is not in events [issue]',
    });
    expect(
      await dryRun(
        'jira',
        'jira:issue_updated',
        join(fixtures, 'jira/webhooks-server-dc/issue/updated/status-changed.json'),
      ),
    ).toMatchObject({ matched: true, candidate: { sourceId: 'jira:jira.test-example.ru/INDEV-6' } });
    const cloudIssue = write(
      'jira-issue.json',
      JSON.stringify({
        id: '1',
        key: 'WT-9',
        self: 'https://acme.atlassian.net/rest/api/3/issue/1',
        fields: { summary: 'Polled' },
      }),
    );
    expect(await dryRun('jira-poll', 'jira:issue_polled', cloudIssue)).toMatchObject({
      matched: true,
      candidate: { sourceId: 'jira:acme.atlassian.net/WT-9' },
    });
    expect(
      await dryRun('hook', 'alert', write('alert.json', '{"id":"a-1","title":"Disk full"}')),
    ).toMatchObject({
      matched: true,
      candidate: { sourceId: 'webhook:a-1' },
    });
  });

  it('test: an unknown trigger id exits 1 with TRIGGER_NOT_FOUND; a missing --event is a usage error', async () => {
    const run = await runWorktrain(
      [
        'trigger',
        'test',
        'nope',
        '--event',
        'issues',
        '--payload',
        payload('x'),
        '--config',
        config,
        '--format',
        'json',
      ],
      { home, env },
    );
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({ error: { code: 'TRIGGER_NOT_FOUND' } });
    const usage = await runWorktrain(['trigger', 'test', 'gh-ready', '--config', config], { home, env });
    expect(usage.code).toBe(2);
  });

  it('fire: enqueues a schedule tick into $WORKTRAIN_HOME/worktrain.db', async () => {
    const run = await runWorktrain(['trigger', 'fire', 'nightly', '--config', config, '--format', 'json'], {
      home,
      env,
    });
    expect(run.code).toBe(0);
    const out = parseJson(run) as { outcomes: Array<{ status: string; taskId: string }> };
    expect(out.outcomes[0]?.status).toBe('enqueued');
    const db = new Database(join(home, 'worktrain.db'), { readonly: true });
    const row = db
      .prepare('SELECT queue, payload FROM queue_tasks WHERE id = ?')
      .get(out.outcomes[0]?.taskId) as { queue: string; payload: string };
    db.close();
    expect(row.queue).toBe('tasks');
    expect(JSON.parse(row.payload)).toMatchObject({ triggerId: 'nightly', workflowId: 'wr.quick-task' });
  });

  it('fire: a webhook-only trigger exits 1 with NOT_SUPPORTED and creates nothing', async () => {
    const untouched = join(dir.path, 'home-untouched');
    const run = await runWorktrain(['trigger', 'fire', 'gh-ready', '--config', config, '--format', 'json'], {
      home: untouched,
      env,
    });
    expect(run.code).toBe(1);
    expect(parseJson(run)).toMatchObject({
      error: { code: 'TRIGGER_ERROR', details: { triggerCode: 'NOT_SUPPORTED', triggerId: 'gh-ready' } },
    });
    expect(existsSync(untouched)).toBe(false);
  });

  it('next-runs: a JSON array of ISO-8601 UTC instants; an impossible expression exits 1 with a JSON error', async () => {
    const run = await runWorktrain(
      [
        'trigger',
        'next-runs',
        '--cron',
        '0 9 * * *',
        '--tz',
        'America/New_York',
        '--from',
        '2026-03-06T15:00:00Z',
        '--count',
        '3',
        '--format',
        'json',
      ],
      { home },
    );
    expect(run.code).toBe(0);
    expect(parseJson(run)).toEqual([
      '2026-03-07T14:00:00.000Z',
      '2026-03-08T13:00:00.000Z',
      '2026-03-09T13:00:00.000Z',
    ]);
    const bad = await runWorktrain(['trigger', 'next-runs', '--cron', '0 0 30 2 *', '--format', 'json'], {
      home,
    });
    expect(bad.code).toBe(1);
    expect(parseJson(bad)).toMatchObject({ error: { details: { triggerCode: 'CRON_INVALID' } } });
    const badFrom = await runWorktrain(
      ['trigger', 'next-runs', '--cron', '0 9 * * *', '--from', 'yesterday'],
      { home },
    );
    expect(badFrom.code).toBe(2);
  });
});
