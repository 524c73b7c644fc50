/**
 * The runtime's sealer on a real SQLite file and key folder: an ended session is sealed once per head, a
 * running one is not, and a failure to seal (an unusable key folder) is a logged warning, never a throw.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock, type NewSessionEvent } from '@worktrain/contracts';
import { openSqliteSessionSealStore } from '@worktrain/coordinator-kit';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createWorktrainLogger } from './logger.js';
import { createSessionSealer } from './session-seal.js';

let dir: string;
let store: SqliteSessionStore;
const clock = manualClock(Date.UTC(2026, 10, 25, 12));

const start: NewSessionEvent[] = [
  {
    kind: 'session_created',
    data: {
      workflowId: 'demo.seal',
      workflowVersion: '1.0.0',
      workflowHash: `sha256:${'a'.repeat(64)}`,
      goal: 'Fix add()',
      title: 'Fix add()',
      workspacePath: null,
      parentSessionId: null,
      source: 'test',
      context: {},
    },
  },
  { kind: 'session_started', data: {} },
];

function sealerWith(keys: string) {
  const logFile = join(dir, 'daemon.log');
  const logger = createWorktrainLogger({ name: 'test', level: 'debug', file: logFile });
  const sealer = createSessionSealer({
    paths: { keys, database: join(dir, 'worktrain.db') },
    store,
    clock,
    logger,
  });
  return { sealer, log: () => readFileSync(logFile, 'utf8') };
}

function storedSeals(sessionId: string): readonly unknown[] {
  const seals = openSqliteSessionSealStore({
    path: join(dir, 'worktrain.db'),
    readOnly: true,
  })._unsafeUnwrap();
  try {
    return seals.read(sessionId)._unsafeUnwrap();
  } finally {
    seals.close();
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-runtime-seal-'));
  store = createSqliteSessionStore({ path: join(dir, 'worktrain.db'), clock })._unsafeUnwrap();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('seals an ended session once per head and leaves a running one unsealed', async () => {
  const { sealer } = sealerWith(join(dir, 'keys'));
  await store.append({ sessionId: 'sess_run', expectedSeq: 0, events: start });
  await sealer.sealIfEnded('sess_run');
  expect(storedSeals('sess_run')).toEqual([]);

  await store.append({
    sessionId: 'sess_run',
    expectedSeq: 2,
    events: [{ kind: 'session_completed', data: { outcome: 'success' } }],
  });
  await sealer.sealIfEnded('sess_run');
  await sealer.sealIfEnded('sess_run');
  expect(storedSeals('sess_run')).toMatchObject([
    { sessionId: 'sess_run', seq: 3, at: '2026-11-25T12:00:00.000Z' },
  ]);
  sealer.close();
});

it('logs a warning and does not throw when the key folder cannot be used', async () => {
  const notADir = join(dir, 'keys');
  writeFileSync(notADir, 'a file where the key folder should be');
  const { sealer, log } = sealerWith(notADir);
  await store.append({
    sessionId: 'sess_end',
    expectedSeq: 0,
    events: [...start, { kind: 'session_aborted', data: { reason: 'stop', actor: 'test' } }],
  });
  await expect(sealer.sealIfEnded('sess_end')).resolves.toBeUndefined();
  expect(log()).toMatch(/"level":40.*"sessionId":"sess_end".*session not sealed: SIGNING_KEY_IO/);
  sealer.close();
});
