import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteSessionStore } from '../src/index.js';
import { collectLines, exited, spawnFixture, waitFor } from './child-process.js';
import { created } from './events.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();
const CHILDREN = 3;
const ROUNDS = 8;

describe('several processes appending to one session', () => {
  it('lets exactly one process win each round of racing appends with the same expectedSeq', async () => {
    const path = tempDb();
    const barrier = mkdtempSync(join(tmpdir(), 'wt-barrier-'));
    const store = createSqliteSessionStore({ path })._unsafeUnwrap();
    await store.append({ sessionId: 'sess_race', expectedSeq: 0, events: [created()] });
    const children = Array.from({ length: CHILDREN }, () =>
      spawnFixture('race-appender.ts', [path, 'sess_race', String(ROUNDS), barrier]),
    );
    const outputs = children.map(collectLines);
    try {
      await waitFor(() => outputs.every((o) => o.lines.includes('ready')), 'children to open the store');
      for (let round = 1; round <= ROUNDS; round++) {
        writeFileSync(join(barrier, `go-${round}`), '');
        const results = () => outputs.flatMap((o) => o.lines.filter((l) => l.startsWith(`${round} `)));
        await waitFor(() => results().length === CHILDREN, `results of round ${round}`);
        const outcomes = results()
          .map((l) => l.split(' ')[1])
          .sort();
        expect(outcomes).toEqual(['SEQ_CONFLICT', 'SEQ_CONFLICT', 'ok']);
      }
      for (const child of children) expect((await exited(child)).code).toBe(0);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      rmSync(barrier, { recursive: true, force: true });
    }
    const events = (await store.readEvents('sess_race'))._unsafeUnwrap();
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: ROUNDS + 1 }, (_, i) => i + 1));
    expect((await store.verify('sess_race'))._unsafeUnwrap().ok).toBe(true);
    store.close();
  });
});
