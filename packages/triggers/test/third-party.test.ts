import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ConfigIssue, createBuiltinRegistry, loadTriggerConfig } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const LINEAR_YAML = `
triggers:
  - id: linear-ready
    provider: "@acme/worktrain-trigger-linear"
    workflowId: wr.coding-task
    workspace: /src/app
    team: ENG
    webhook: { secret: $LINEAR_WEBHOOK_SECRET }
    goalTemplate: "Fix {{$.data.identifier}}: {{$.data.title}}"
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('third-party provider packages', () => {
  it('loads @acme/worktrain-trigger-linear by package name from node_modules and enqueues from its webhook', async () => {
    h = await harness(LINEAR_YAML, { LINEAR_WEBHOOK_SECRET: 'linear-secret' });
    expect(h.config.triggers[0]?.provider.kind).toBe('@acme/worktrain-trigger-linear');
    const raw = Buffer.from(
      JSON.stringify({
        action: 'create',
        type: 'Issue',
        data: {
          id: 'abc',
          identifier: 'ENG-42',
          title: 'Crash on save',
          url: 'https://linear.app/acme/issue/ENG-42',
        },
      }),
    );
    const req = {
      headers: {
        'linear-signature': createHmac('sha256', 'linear-secret').update(raw).digest('hex'),
        'linear-delivery': 'd-1',
      },
      rawBody: raw,
      receivedAt: h.clock.now(),
    };
    const out = h.router.receiveWebhook('linear-ready', req)._unsafeUnwrap();
    expect(out).toMatchObject({
      status: 'enqueued',
      candidate: { sourceId: 'linear:ENG-42', goal: 'Fix ENG-42: Crash on save' },
    });
    expect(
      h.router
        .receiveWebhook('linear-ready', { ...req, headers: { ...req.headers, 'linear-signature': 'bad' } })
        ._unsafeUnwrapErr().code,
    ).toBe('SIGNATURE_INVALID');
  });

  it('validates the package provider own keys at their paths', async () => {
    const r = await loadTriggerConfig({
      files: [
        { path: '/c/triggers.yaml', text: LINEAR_YAML.replace('team: ENG', 'team: ENG\n    colour: blue') },
      ],
      env: { LINEAR_WEBHOOK_SECRET: 'linear-secret' },
      registry: createBuiltinRegistry(),
    });
    const issues = r._unsafeUnwrapErr().details?.issues as ConfigIssue[] | undefined;
    expect(issues?.[0]).toMatchObject({ path: 'triggers[0]', line: 3 });
    expect(issues?.[0]?.message).toContain('colour');
  });

  it('reports a package that throws on load, and one that exports no provider, at triggers[i].provider', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-provider-pkgs-'));
    try {
      const pkg = (name: string, code: string) => {
        const root = join(dir, 'node_modules', '@acme', name);
        mkdirSync(root, { recursive: true });
        writeFileSync(
          join(root, 'package.json'),
          JSON.stringify({
            name: `@acme/${name}`,
            type: 'module',
            exports: { '.': { default: './index.js' } },
          }),
        );
        writeFileSync(join(root, 'index.js'), code);
      };
      pkg('broken', "throw new Error('linear sdk missing');\n");
      pkg('empty', 'export const nothing = 1;\n');
      const text = `triggers:
  - { id: a, provider: "@acme/broken", workflowId: w, workspace: /w }
  - { id: b, provider: "@acme/empty", workflowId: w, workspace: /w }
  - { id: c, provider: "@acme/not-installed", workflowId: w, workspace: /w }
`;
      const r = await loadTriggerConfig({
        files: [{ path: join(dir, 'triggers.yaml'), text }],
        env: {},
        registry: createBuiltinRegistry(),
      });
      const issues = (r._unsafeUnwrapErr().details?.issues ?? []) as Array<ConfigIssue & { code?: string }>;
      expect(issues.map((i) => [i.path, i.code])).toEqual([
        ['triggers[0].provider', 'PROVIDER_LOAD_FAILED'],
        ['triggers[1].provider', 'PROVIDER_LOAD_FAILED'],
        ['triggers[2].provider', 'UNKNOWN_PROVIDER'],
      ]);
      expect(issues[0]?.message).toContain('linear sdk missing');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
