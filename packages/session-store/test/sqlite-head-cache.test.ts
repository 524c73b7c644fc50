import { describe, expect, it } from 'vitest';
import { createSqliteSessionStore } from '../src/index.js';
import { blocked, created, node, steer } from './events.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();

/**
 * A connection keeps the head of the sessions it appended to in memory and skips reading it on the next
 * append. These tests make another connection (same as another process: its own cache) append in between.
 */
describe('SQLite store: cached session heads and other writers', () => {
  it('detects an append of another connection as SEQ_CONFLICT, then continues from the stored head', async () => {
    const path = tempDb();
    const a = createSqliteSessionStore({ path })._unsafeUnwrap();
    const b = createSqliteSessionStore({ path })._unsafeUnwrap();
    await a.append({ sessionId: 'sess_x', expectedSeq: 0, events: [created()] });
    await a.append({ sessionId: 'sess_x', expectedSeq: 1, events: [steer('a1')] }); // a caches head 2
    expect((await b.append({ sessionId: 'sess_x', expectedSeq: 2, events: [steer('b1')] })).isOk()).toBe(
      true,
    );

    // a's cache says 2 and the caller also says 2: stale, and it must not overwrite or fork the chain.
    const stale = await a.append({ sessionId: 'sess_x', expectedSeq: 2, events: [steer('a2')] });
    expect(stale._unsafeUnwrapErr()).toMatchObject({
      code: 'SEQ_CONFLICT',
      details: { expected: 2, actual: 3 },
    });
    // With the right expectedSeq a appends after b's event, chained to its hash.
    const b1 = (await b.readEvents('sess_x', { afterSeq: 2 }))._unsafeUnwrap()[0]!;
    const next = (
      await a.append({ sessionId: 'sess_x', expectedSeq: 3, events: [steer('a3')] })
    )._unsafeUnwrap();
    expect(next.events[0]).toMatchObject({ seq: 4, prevHash: b1.hash });
    // And b, whose cache now says 3, sees a's append the same way.
    expect(
      (await b.append({ sessionId: 'sess_x', expectedSeq: 3, events: [steer('b2')] }))._unsafeUnwrapErr()
        .code,
    ).toBe('SEQ_CONFLICT');

    const events = (await a.readEvents('sess_x'))._unsafeUnwrap();
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => (e.kind === 'steer_injected' ? e.data.message : e.kind))).toEqual([
      'session_created',
      'a1',
      'b1',
      'a3',
    ]);
    expect((await a.verify('sess_x'))._unsafeUnwrap().ok).toBe(true);
    expect((await b.getSummary('sess_x'))._unsafeUnwrap().lastSeq).toBe(4);
    a.close();
    b.close();
  });

  it('accepts an append whose expectedSeq is newer than the cached head (the caller read the other writer)', async () => {
    const path = tempDb();
    const a = createSqliteSessionStore({ path })._unsafeUnwrap();
    const b = createSqliteSessionStore({ path })._unsafeUnwrap();
    await a.append({ sessionId: 'sess_x', expectedSeq: 0, events: [created()] });
    await b.append({
      sessionId: 'sess_x',
      expectedSeq: 1,
      events: [node('node_1', 'plan'), blocked('node_1', 'plan')],
    });
    const r = await a.append({ sessionId: 'sess_x', expectedSeq: 3, events: [steer('after b')] });
    expect(r._unsafeUnwrap().lastSeq).toBe(4);
    // The summary is built from the stored row (b's status change), not from a's stale copy.
    expect((await a.getSummary('sess_x'))._unsafeUnwrap()).toMatchObject({
      lastSeq: 4,
      status: 'blocked',
      currentStepId: 'plan',
    });
    expect((await a.listSessions({ status: ['blocked'] }))._unsafeUnwrap()).toHaveLength(1);
    expect((await a.verify('sess_x'))._unsafeUnwrap().ok).toBe(true);
    a.close();
    b.close();
  });

  it('replays an idempotency key another connection stored, even when its cached head is stale', async () => {
    const path = tempDb();
    const a = createSqliteSessionStore({ path })._unsafeUnwrap();
    const b = createSqliteSessionStore({ path })._unsafeUnwrap();
    await a.append({ sessionId: 'sess_x', expectedSeq: 0, events: [created()] });
    const input = { sessionId: 'sess_x', expectedSeq: 1, idempotencyKey: 'k1', events: [steer('once')] };
    const original = (await b.append(input))._unsafeUnwrap();
    const replay = (await a.append(input))._unsafeUnwrap();
    expect(replay).toMatchObject({ replayed: true, lastSeq: 2 });
    expect(replay.events).toEqual(original.events);
    expect((await a.append({ ...input, events: [steer('other')] }))._unsafeUnwrapErr().code).toBe(
      'IDEMPOTENCY_KEY_CONFLICT',
    );
    expect((await a.readEvents('sess_x'))._unsafeUnwrap()).toHaveLength(2);
    a.close();
    b.close();
  });

  it('does not trust an append of a caller transaction that rolled back', async () => {
    const path = tempDb();
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    await store.append({ sessionId: 'sess_x', expectedSeq: 0, events: [created()] });
    await store.append({ sessionId: 'sess_x', expectedSeq: 1, events: [steer('kept')] });
    expect(() =>
      store.database
        .transaction(() => {
          expect(
            store.appendSync({ sessionId: 'sess_x', expectedSeq: 2, events: [steer('undone')] }).isOk(),
          ).toBe(true);
          throw new Error('roll back');
        })
        .immediate(),
    ).toThrow('roll back');
    // Seq 3 was rolled back: an append claiming to follow it is a conflict, not a gap in the chain.
    expect(
      (await store.append({ sessionId: 'sess_x', expectedSeq: 3, events: [steer('x')] }))._unsafeUnwrapErr(),
    ).toMatchObject({
      code: 'SEQ_CONFLICT',
      details: { actual: 2 },
    });
    expect(
      (await store.append({ sessionId: 'sess_x', expectedSeq: 2, events: [steer('again')] }))._unsafeUnwrap()
        .lastSeq,
    ).toBe(3);
    expect((await store.verify('sess_x'))._unsafeUnwrap()).toMatchObject({ ok: true, events: 3 });
    store.close();
  });

  it('writes status changes to the summary row and its index while skipping unchanged columns', async () => {
    const path = tempDb();
    const store = createSqliteSessionStore({ path, clock: { now: () => 1_000 } })._unsafeUnwrap();
    await store.append({ sessionId: 'sess_x', expectedSeq: 0, events: [created()] });
    // Same millisecond, same status: only the sequence and step columns change.
    await store.append({ sessionId: 'sess_x', expectedSeq: 1, events: [node('node_1', 'plan')] });
    await store.append({ sessionId: 'sess_x', expectedSeq: 2, events: [blocked('node_1', 'plan')] });
    expect((await store.getSummary('sess_x'))._unsafeUnwrap()).toMatchObject({
      status: 'blocked',
      currentStepId: 'plan',
      headNodeId: 'node_1',
      lastSeq: 3,
      updatedAt: 1_000,
    });
    expect((await store.listSessions({ status: ['blocked'] }))._unsafeUnwrap()).toHaveLength(1);
    expect((await store.listSessions({ status: ['running'] }))._unsafeUnwrap()).toHaveLength(0);
    expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
  });
});
