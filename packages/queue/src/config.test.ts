import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTaskQueue } from './config.js';

describe('openTaskQueue', () => {
  it('opens the configured SQLite backend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-cfg-'));
    const q = (await openTaskQueue({ backend: 'sqlite', path: join(dir, 'worktrain.db') }))._unsafeUnwrap();
    expect((await q.enqueue({ queue: 'q', payload: 1 })).isOk()).toBe(true);
    await q.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects an unknown backend with INVALID_ARGUMENT', async () => {
    const e = (await openTaskQueue({ backend: 'kafka' }))._unsafeUnwrapErr();
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('backend');
  });
});
