import { describe, expect, it } from 'vitest';
import { createSqliteSessionStore } from '../src/index.js';
import { collectLines, exited, spawnFixture, waitFor } from './child-process.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();
const RESTARTS = 6;

describe('SIGKILL during appends', () => {
  it('loses no acknowledged append and keeps the chain verifiable across repeated kills', async () => {
    const path = tempDb();
    const acked = new Map<number, string>();
    for (let run = 0; run < RESTARTS; run++) {
      const child = spawnFixture('crash-appender.ts', [path, 'sess_crash']);
      const out = collectLines(child);
      const ackCount = () => out.lines.filter((l) => l.startsWith('ack ')).length;
      // Let it append for a while, then kill it at a random point of its loop.
      await waitFor(() => ackCount() >= 5 || child.exitCode !== null, `acks from run ${run}`);
      const extra = 1 + Math.floor(Math.random() * 40);
      const target = ackCount() + extra;
      await waitFor(() => ackCount() >= target || child.exitCode !== null, `more acks from run ${run}`);
      child.kill('SIGKILL');
      const { signal } = await exited(child);
      expect(signal, out.stderr()).toBe('SIGKILL');
      for (const line of out.lines) {
        const [, seq, hash] = line.split(' ');
        acked.set(Number(seq), hash!);
      }
    }
    expect(acked.size).toBeGreaterThan(RESTARTS * 5);
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    const events = (await store.readEvents('sess_crash'))._unsafeUnwrap();
    const bySeq = new Map(events.map((e) => [e.seq, e.hash]));
    for (const [seq, hash] of acked) expect(bySeq.get(seq)).toBe(hash);
    expect((await store.verify('sess_crash'))._unsafeUnwrap()).toMatchObject({
      ok: true,
      events: events.length,
    });
    expect((await store.getSummary('sess_crash'))._unsafeUnwrap().lastSeq).toBe(events.length);
    expect(events.length).toBeGreaterThanOrEqual(Math.max(...acked.keys()));
    store.close();
  });
});
