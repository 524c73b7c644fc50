import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  type ConfigIssue,
  createBuiltinRegistry,
  defineTriggerProvider,
  loadTriggerConfig,
  loadTriggerFiles,
} from '../src/index.js';
import { GH_READY_YAML, SECRET } from './helpers.js';

const registry = createBuiltinRegistry();
const load = (text: string, env: Record<string, string> = { GITHUB_WEBHOOK_SECRET: SECRET }) =>
  loadTriggerConfig({ files: [{ path: '/cfg/triggers.yaml', text }], env, registry });
async function issues(
  text: string,
  env?: Record<string, string>,
): Promise<{ code: string; issues: ConfigIssue[] }> {
  const r = await load(text, env);
  const e = r._unsafeUnwrapErr();
  return { code: e.code, issues: (e.details?.issues ?? []) as ConfigIssue[] };
}

describe('triggers.yaml loader', () => {
  it('accepts the issue 5 example and resolves the $ENV secret', async () => {
    const cfg = (await load(GH_READY_YAML))._unsafeUnwrap();
    const t = cfg.triggers[0];
    expect(t?.id).toBe('gh-ready');
    expect(t?.config).toMatchObject({ repo: 'octo-org/octo-repo', webhook: { secret: SECRET } });
    expect(t?.source.webhook).toEqual({ secret: '$GITHUB_WEBHOOK_SECRET' });
    expect(t?.events).toEqual(['issues.labeled']);
  });

  it('reads a per-trigger sandbox network allowlist, and refuses a URL in it at its path', async () => {
    const withAllow = `${GH_READY_YAML}    sandbox: { network: { allow: [registry.npmjs.org, "*.pythonhosted.org"] } }\n`;
    expect((await load(withAllow))._unsafeUnwrap().triggers[0]?.sandboxNetworkAllow).toEqual([
      'registry.npmjs.org',
      '*.pythonhosted.org',
    ]);
    expect((await load(GH_READY_YAML))._unsafeUnwrap().triggers[0]?.sandboxNetworkAllow).toEqual([]);
    const bad = await issues(
      `${GH_READY_YAML}    sandbox: { network: { allow: ["https://evil.example/x"] } }\n`,
    );
    expect(bad.issues.map((i) => i.path)).toEqual(['triggers[0].sandbox.network.allow[0]']);
  });

  it('reports an unset environment variable at its path and line', async () => {
    const r = await issues(GH_READY_YAML, {});
    expect(r.code).toBe('CONFIG_INVALID');
    expect(r.issues).toEqual([
      {
        file: '/cfg/triggers.yaml',
        path: 'triggers[0].webhook.secret',
        line: 8,
        col: 24,
        message: 'environment variable GITHUB_WEBHOOK_SECRET is not set (set it in the environment)',
        code: 'ENV_UNSET',
      },
    ]);
  });

  it('reports schema errors at exact paths with lines', async () => {
    const r = await issues(`triggers:
  - id: a
    provider: github
    workflowId: w
    workspace: /w
    repo: not-a-repo
    dispatchCondition: { path: "label.name", equals: x }
    surprise: 1
`);
    const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
    expect(byPath['triggers[0].repo']?.line).toBe(6);
    expect(byPath['triggers[0].repo']?.message).toContain('owner/name');
    expect(byPath['triggers[0].dispatchCondition.path']?.message).toBe(
      "JSONPath must start with '$': label.name",
    );
    expect(byPath['triggers[0].dispatchCondition.path']?.line).toBe(7);
    expect(r.issues.some((i) => i.path === 'triggers[0]' && /surprise/.test(i.message))).toBe(true);
  });

  it('rejects tabs in indentation, anchors/aliases and duplicate keys as CONFIG_YAML', async () => {
    const tabs = await issues('triggers:\n\t- id: a\n');
    expect(tabs.code).toBe('CONFIG_YAML');
    // One issue per tab, in our words: the parser's own report of the same tab is not repeated.
    expect(tabs.issues).toEqual([
      expect.objectContaining({ line: 2, col: 1, message: 'tab character in indentation (use spaces)' }),
    ]);
    const anchors = await issues('defaults:\n  base: &b { workflowId: w }\ntriggers:\n  - *b\n');
    expect(anchors.code).toBe('CONFIG_YAML');
    expect(anchors.issues.map((i) => i.message)).toEqual(
      expect.arrayContaining(['anchors (&b) are not allowed', 'aliases (*b) are not allowed']),
    );
    const dup = await issues('triggers:\n  - id: a\n    id: b\n');
    expect(dup.code).toBe('CONFIG_YAML');
    expect(dup.issues[0]?.line).toBe(3);
    expect(dup.issues[0]?.message).toMatch(/unique/i);
  });

  it('rejects unknown providers and a provider package that throws on load', async () => {
    const text = (p: string) => `triggers:\n  - { id: a, provider: "${p}", workflowId: w, workspace: /w }\n`;
    const unknown = await issues(text('gitlub'));
    expect(unknown.issues[0]).toMatchObject({ path: 'triggers[0].provider' });
    expect(unknown.issues[0]?.message).toContain('unknown provider "gitlub"');
    const throwing = createBuiltinRegistry({
      importModule: (s) =>
        s === '@acme/broken'
          ? Promise.reject(new Error('boom at load'))
          : Promise.reject(Object.assign(new Error('x'), { code: 'ERR_MODULE_NOT_FOUND' })),
    });
    const r = await loadTriggerConfig({
      files: [{ path: '/cfg/t.yaml', text: text('@acme/broken') }],
      env: {},
      registry: throwing,
    });
    const e = r._unsafeUnwrapErr();
    expect((e.details?.issues as ConfigIssue[] | undefined)?.[0]?.message).toContain(
      'failed to load: boom at load',
    );
  });

  it('rejects an impossible cron and a bad time zone at their paths', async () => {
    const r = await issues(`triggers:
  - { id: s, provider: schedule, workflowId: w, workspace: /w, cron: "0 0 30 2 *" }
  - { id: t, provider: schedule, workflowId: w, workspace: /w, cron: "0 9 * * *", timezone: Mars/Olympus }
  - { id: u, provider: schedule, workflowId: w, workspace: /w, cron: "0 0 9 * * *" }
`);
    expect(r.issues.map((i) => i.path)).toEqual([
      'triggers[0].cron',
      'triggers[1].timezone',
      'triggers[2].cron',
    ]);
    expect(r.issues[0]?.message).toContain('never fires');
  });

  it('merges defaults through extends, the trigger winning', async () => {
    const cfg = (
      await load(`defaults:
  coding:
    workflowId: wr.coding-task
    queue: coding
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }
triggers:
  - id: a
    extends: coding
    provider: github
    workspace: /w
    queue: special
`)
    )._unsafeUnwrap();
    expect(cfg.triggers[0]).toMatchObject({
      workflowId: 'wr.coding-task',
      queue: 'special',
      config: { webhook: { secret: SECRET } },
    });
    const bad = await issues(
      'triggers:\n  - { id: a, extends: nope, provider: github, workflowId: w, workspace: /w }\n',
    );
    expect(bad.issues[0]).toMatchObject({
      path: 'triggers[0].extends',
      message: 'unknown defaults "nope" (defined: none)',
    });
  });

  it('reads a global file plus per-repo files, defaulting workspace, rejecting duplicate ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-trig-cfg-'));
    try {
      const repo = join(dir, 'repo');
      mkdirSync(join(repo, '.worktrain'), { recursive: true });
      writeFileSync(
        join(dir, 'triggers.yaml'),
        'defaults:\n  nightly: { provider: schedule, workflowId: w, cron: "0 3 * * *" }\ntriggers: []\n',
      );
      writeFileSync(
        join(repo, '.worktrain', 'triggers.yaml'),
        'triggers:\n  - { id: n, extends: nightly }\n',
      );
      const cfg = (
        await loadTriggerFiles({
          globalPath: join(dir, 'triggers.yaml'),
          repoRoots: [repo, join(dir, 'none')],
          env: {},
          registry,
        })
      )._unsafeUnwrap();
      expect(cfg.triggers.map((t) => [t.id, t.workspace])).toEqual([['n', repo]]);
      writeFileSync(
        join(dir, 'triggers.yaml'),
        'defaults:\n  nightly: { provider: schedule, workflowId: w, cron: "0 3 * * *" }\ntriggers:\n  - { id: n, provider: schedule, workflowId: w, workspace: /x, cron: "0 3 * * *" }\n',
      );
      const dup = (
        await loadTriggerFiles({
          globalPath: join(dir, 'triggers.yaml'),
          repoRoots: [repo],
          env: {},
          registry,
        })
      )._unsafeUnwrapErr();
      expect((dup.details?.issues as ConfigIssue[] | undefined)?.[0]?.message).toContain(
        'duplicate trigger id "n"',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates a custom provider config with the provider schema at the exact path', async () => {
    const p = defineTriggerProvider({
      kind: 'custom',
      configSchema: z.strictObject({ team: z.string().min(2) }),
      poll: {
        intervalMs: () => 1000,
        poll: async () => {
          throw new Error('unused');
        },
      },
    });
    const reg = createBuiltinRegistry({ providers: [p] });
    const r = await loadTriggerConfig({
      files: [
        {
          path: '/c.yaml',
          text: 'triggers:\n  - { id: a, provider: custom, workflowId: w, workspace: /w, team: x }\n',
        },
      ],
      env: {},
      registry: reg,
    });
    expect((r._unsafeUnwrapErr().details?.issues as ConfigIssue[] | undefined)?.[0]).toMatchObject({
      path: 'triggers[0].team',
      line: 2,
    });
  });
});
