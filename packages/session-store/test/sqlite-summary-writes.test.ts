import { describe, expect, it } from 'vitest';
import { createSqliteSessionStore } from '../src/index.js';
import { blocked, created, node, steer } from './events.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();

/**
 * Schema v3: the summary row is written only when a stored column changes (status, head node, current
 * step, or updatedAt at 1 s granularity); lastSeq is read from the log. A TEMP trigger (this connection
 * only) counts the row updates each append makes.
 */
describe('SQLite store: summary row writes', () => {
  it('writes no summary row for an append that moves only lastSeq, and the summary still reads right', async () => {
    let now = 1_800_000_000_000;
    const store = createSqliteSessionStore({ path: tempDb(), clock: { now: () => now } })._unsafeUnwrap();
    const db = store.database;
    db.exec(`CREATE TEMP TABLE summary_writes (session_id TEXT);
      CREATE TEMP TRIGGER count_summary_writes AFTER UPDATE ON main.sessions
      BEGIN INSERT INTO summary_writes VALUES (NEW.session_id); END;`);
    const writes = () =>
      (db.prepare('SELECT count(*) AS n FROM temp.summary_writes').get() as { n: number }).n;

    await store.append({ sessionId: 'sess_s', expectedSeq: 0, events: [created()] });
    now += 400;
    await store.append({ sessionId: 'sess_s', expectedSeq: 1, events: [steer('a')] });
    now += 500;
    await store.append({ sessionId: 'sess_s', expectedSeq: 2, events: [steer('b')] });
    expect(writes()).toBe(0);
    expect((await store.getSummary('sess_s'))._unsafeUnwrap()).toMatchObject({
      lastSeq: 3,
      updatedAt: 1_800_000_000_000,
    });
    expect((await store.listSessions())._unsafeUnwrap()[0]).toMatchObject({ lastSeq: 3 });

    now += 100; // 1 000 ms after the last stored updatedAt: it moves
    await store.append({ sessionId: 'sess_s', expectedSeq: 3, events: [steer('c')] });
    expect(writes()).toBe(1);
    await store.append({ sessionId: 'sess_s', expectedSeq: 4, events: [node('n1', 'plan')] });
    expect(writes()).toBe(2);
    await store.append({ sessionId: 'sess_s', expectedSeq: 5, events: [blocked('n1', 'plan')] });
    expect(writes()).toBe(3);
    expect((await store.getSummary('sess_s'))._unsafeUnwrap()).toMatchObject({
      lastSeq: 6,
      status: 'blocked',
      currentStepId: 'plan',
      updatedAt: 1_800_000_001_000,
    });
    store.close();
  });
});
