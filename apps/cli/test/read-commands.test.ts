/**
 * Read commands never write (DESIGN "Read commands open read-only", issue #14): `queue list|stats`,
 * `approvals list`, `sessions list|show` create no database, no table and no `-wal`/`-shm` file, apply no
 * approval timeout, and leave an existing database byte-identical.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import { openDatabase } from '@worktrain/contracts/sqlite';
import { openApprovalStore } from '@worktrain/delivery';
import { openSqliteQueue } from '@worktrain/queue';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const SLOW = { timeout: 240_000 };
const READS = [
  ['queue', 'list'],
  ['queue', 'stats'],
  ['approvals', 'list'],
  ['sessions', 'list'],
] as const;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function home(): string {
  const dir = tempDir('read-only');
  cleanups.push(dir.cleanup);
  return dir.path;
}

async function runAll(dir: string, extra: ReadonlyArray<readonly string[]> = []) {
  const runs = [];
  for (const args of [...READS, ...extra]) {
    runs.push({ args, run: await runWorktrain([...args, '--format', 'json'], { home: dir }) });
  }
  return runs;
}

describe('read commands never write', () => {
  it('on a fresh WORKTRAIN_HOME: exit 0, empty results, no database created', SLOW, async () => {
    const dir = home();
    for (const { args, run } of await runAll(dir)) {
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      parseJson(run);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('on a WorkTrain database without any tables: nothing yet, and nothing created', SLOW, async () => {
    const dir = home();
    const path = join(dir, 'worktrain.db');
    openDatabase({ path })._unsafeUnwrap().db.close();
    const before = readFileSync(path);
    for (const { args, run } of await runAll(dir)) {
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    }
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['worktrain.db']);
  });

  it(
    'on an existing database: byte-identical file, no -wal or -shm, no approval timeout applied',
    SLOW,
    async () => {
      const dir = home();
      const path = join(dir, 'worktrain.db');
      const queue = openSqliteQueue({ path })._unsafeUnwrap();
      (await queue.enqueue({ queue: 'reviews', payload: { n: 1 } }))._unsafeUnwrap();
      await queue.close();
      createSqliteSessionStore({ path })._unsafeUnwrap().close();
      // A medium request whose timeout (1 ms after a request at t=0) is long past.
      const approvals = openApprovalStore({ path, clock: manualClock(0) })._unsafeUnwrap();
      (
        await approvals.requestApproval({
          sessionId: 'sess_abc',
          action: { kind: 'push', branch: 'main' },
          tier: 'medium',
          summary: 'push main',
          details: {},
          dedupeKey: 'push:1',
          autoApproveAfterMs: 1,
        })
      )._unsafeUnwrap();
      approvals.close();
      expect(readdirSync(dir)).toEqual(['worktrain.db']);
      const before = readFileSync(path);

      const runs = await runAll(dir, [['sessions', 'show', 'sess_missing']]);
      for (const { args, run } of runs) {
        const expected = args[1] === 'show' ? 1 : 0; // SESSION_NOT_FOUND, still without writing
        expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(expected);
      }
      const byName = new Map(runs.map(({ args, run }) => [args.join(' '), run]));
      expect(parseJson(byName.get('queue list')!)).toMatchObject({ tasks: [{ queue: 'reviews' }] });
      expect(parseJson(byName.get('approvals list')!)).toMatchObject({ approvals: [{ state: 'pending' }] });

      expect(readFileSync(path).equals(before)).toBe(true);
      expect(existsSync(`${path}-wal`)).toBe(false);
      expect(existsSync(`${path}-shm`)).toBe(false);
    },
  );
});
