import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ConfigIssue,
  createBuiltinRegistry,
  loadTriggerFiles,
  loadTriggerFilesWithPaths,
  missingTriggersFileMessage,
} from '../src/index.js';

const registry = createBuiltinRegistry();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function layout(): { dir: string; global: string; repo: string; repoFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'wt-trigger-files-'));
  dirs.push(dir);
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.worktrain'), { recursive: true });
  const global = join(dir, 'triggers.yaml');
  writeFileSync(
    global,
    `triggers:\n  - { id: nightly, provider: schedule, workflowId: w, workspace: ${JSON.stringify(repo)}, cron: "0 3 * * *" }\n`,
  );
  return { dir, global, repo, repoFile: join(repo, '.worktrain', 'triggers.yaml') };
}

describe('loadTriggerFiles', () => {
  it('reads the .worktrain/triggers.yaml of each workspace the global file names, defaulting its workspace', async () => {
    const l = layout();
    writeFileSync(
      l.repoFile,
      'triggers:\n  - { id: weekly, provider: schedule, workflowId: w, cron: "0 3 * * 1" }\n',
    );
    const loaded = await loadTriggerFilesWithPaths({ globalPath: l.global, env: {}, registry });
    const cfg = loaded.result._unsafeUnwrap();
    expect(cfg.files).toEqual([l.global, l.repoFile]);
    expect(cfg.triggers.map((t) => [t.id, t.workspace, t.file])).toEqual([
      ['nightly', l.repo, l.global],
      ['weekly', l.repo, l.repoFile],
    ]);
    expect(cfg.missing).toBeUndefined();
    expect(loaded.paths).toEqual([l.global, l.repoFile]);
  });

  it('refuses a per-repo trigger that names another repository as its workspace', async () => {
    const l = layout();
    const other = join(l.dir, 'other-repo');
    mkdirSync(other);
    writeFileSync(
      l.repoFile,
      `triggers:\n  - { id: elsewhere, provider: schedule, workflowId: w, cron: "0 3 * * 1", workspace: ${JSON.stringify(other)} }\n  - { id: here, provider: schedule, workflowId: w, cron: "0 4 * * 1", workspace: . }\n`,
    );
    const loaded = await loadTriggerFilesWithPaths({ globalPath: l.global, env: {}, registry });
    const error = loaded.result._unsafeUnwrapErr();
    const issues = (error.details?.issues ?? []) as ConfigIssue[];
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: l.repoFile, path: 'triggers[0].workspace', line: 2 });
    expect(issues[0]?.message).toContain('may only start work in its own repository');
  });

  it('watches the per-repo file of a workspace that has none yet, and reads nothing from it', async () => {
    const l = layout();
    const loaded = await loadTriggerFilesWithPaths({
      globalPath: l.global,
      envFile: join(l.dir, '.env'),
      env: {},
      registry,
    });
    expect(loaded.result._unsafeUnwrap().files).toEqual([l.global]);
    expect(loaded.paths).toEqual([l.global, join(l.dir, '.env'), l.repoFile]);
  });

  it('reports an id reused by a per-repo file at that file, naming the global one', async () => {
    const l = layout();
    writeFileSync(
      l.repoFile,
      'triggers:\n  - { id: nightly, provider: schedule, workflowId: w, cron: "0 4 * * *" }\n',
    );
    const e = (await loadTriggerFiles({ globalPath: l.global, env: {}, registry }))._unsafeUnwrapErr();
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.details?.issues as ConfigIssue[]).toEqual([
      {
        file: l.repoFile,
        path: 'triggers[0].id',
        line: 2,
        col: 11,
        message: `duplicate trigger id "nightly" (also in ${l.global} triggers[0]); ids are unique across the global and per-repo files`,
      },
    ]);
  });

  it('a missing global file is no triggers, listed in `missing`; required, it is CONFIG_NOT_FOUND', async () => {
    const l = layout();
    const gone = join(l.dir, 'nope.yaml');
    const cfg = (await loadTriggerFiles({ globalPath: gone, env: {}, registry }))._unsafeUnwrap();
    expect(cfg).toEqual({ triggers: [], files: [], missing: [gone] });
    expect(missingTriggersFileMessage(gone)).toContain(`${gone} does not exist, so it adds no triggers`);
    const required = await loadTriggerFiles({ globalPath: gone, globalRequired: true, env: {}, registry });
    expect(required._unsafeUnwrapErr()).toMatchObject({ code: 'CONFIG_NOT_FOUND', details: { path: gone } });
  });

  it('resolves $NAME from the environment over the .env file, named when a variable is unset', async () => {
    const l = layout();
    writeFileSync(
      l.global,
      `triggers:\n  - { id: hook, provider: github, repo: acme/widgets, workflowId: w, workspace: /w, webhook: { secret: $HOOK_SECRET } }\n`,
    );
    const envFile = join(l.dir, '.env');
    const unset = (
      await loadTriggerFiles({ globalPath: l.global, envFile, env: {}, registry })
    )._unsafeUnwrapErr();
    expect((unset.details?.issues as ConfigIssue[] | undefined)?.[0]).toMatchObject({
      path: 'triggers[0].webhook.secret',
      line: 2,
      message: `environment variable HOOK_SECRET is not set (set it in the environment or ${envFile})`,
      code: 'ENV_UNSET',
    });
    writeFileSync(envFile, 'HOOK_SECRET=from-dotenv-0123456789\n');
    const fromFile = (
      await loadTriggerFiles({ globalPath: l.global, envFile, env: {}, registry })
    )._unsafeUnwrap();
    expect(fromFile.triggers[0]?.config).toMatchObject({ webhook: { secret: 'from-dotenv-0123456789' } });
    const fromEnv = (
      await loadTriggerFiles({
        globalPath: l.global,
        envFile,
        env: { HOOK_SECRET: 'from-env-0123456789' },
        registry,
      })
    )._unsafeUnwrap();
    expect(fromEnv.triggers[0]?.config).toMatchObject({ webhook: { secret: 'from-env-0123456789' } });
  });
});
