import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger, Result } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createBuiltinRegistry,
  type TriggerConfig,
  type TriggerError,
  watchTriggerConfig,
} from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const yaml = (ids: string[]) =>
  `triggers:\n${ids.map((id) => `  - { id: ${id}, provider: schedule, workflowId: w, workspace: /w, cron: "0 3 * * *" }\n`).join('')}`;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('triggers.yaml hot reload', () => {
  it('swaps in a valid edit and keeps the old config on an invalid one, logging why', async () => {
    h = await harness(yaml(['a']));
    const file = join(h.dir, 'triggers.yaml');
    writeFileSync(file, yaml(['a']));
    const outcomes: Array<Result<TriggerConfig, TriggerError>> = [];
    const warnings: string[] = [];
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (_f, msg) => void warnings.push(msg ?? ''),
      error: () => {},
      child: () => logger,
    };
    const router = h.router;
    const watcher = watchTriggerConfig({
      globalPath: file,
      env: {},
      registry: createBuiltinRegistry(),
      router,
      logger,
      debounceMs: 20,
      intervalMs: 20,
      onReload: (r) => outcomes.push(r),
    });
    try {
      // An editor-style save: write a temp file and rename it over the original.
      writeFileSync(`${file}.tmp`, yaml(['a', 'b']));
      renameSync(`${file}.tmp`, file);
      await until(() => router.trigger('b').isOk(), 'trigger b');
      const before = outcomes.length;
      writeFileSync(file, 'triggers:\n\t- broken\n');
      await until(() => outcomes.length > before && outcomes.at(-1)?.isErr() === true, 'the failed reload');
      expect(router.trigger('b').isOk()).toBe(true);
      expect(router.config.triggers.map((t) => t.id)).toEqual(['a', 'b']);
      expect(warnings.at(-1)).toContain('keeping the previous triggers');
      expect(warnings.at(-1)).toContain('tab character');
      writeFileSync(file, yaml(['c']));
      await until(() => router.trigger('c').isOk() && router.trigger('a').isErr(), 'trigger c only');
    } finally {
      watcher.close();
    }
  });

  it('reload() can be called directly (SIGHUP)', async () => {
    h = await harness(yaml(['a']));
    const file = join(h.dir, 'triggers.yaml');
    writeFileSync(file, yaml(['x', 'y']));
    const watcher = watchTriggerConfig({
      globalPath: file,
      env: {},
      registry: createBuiltinRegistry(),
      router: h.router,
      debounceMs: 10_000,
    });
    try {
      expect((await watcher.reload())._unsafeUnwrap().triggers.map((t) => t.id)).toEqual(['x', 'y']);
      expect(h.router.trigger('x').isOk()).toBe(true);
    } finally {
      watcher.close();
    }
  });
});
