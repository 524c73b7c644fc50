import type { NewSessionEvent } from '@worktrain/contracts';
import { manualClock, sequentialIds } from '@worktrain/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ListSessionsQuery, SessionStatus, SessionStore } from '../src/index.js';
import { createMemorySessionStore, createSqliteSessionStore } from '../src/index.js';
import { aborted, blocked, completed, created, gateParked, gateResolved, node, notes } from './events.js';
import { useTempDbPath } from './sqlite-files.js';

const tempDb = useTempDbPath();

const words = ['Login', 'crash', 'ÅÄÖ', 'review', 'Docs', 'flaky', 'İstanbul', 'straße'];
const word = fc.constantFrom(...words);
const tail = fc.constantFrom<NewSessionEvent[][]>(
  [],
  [blocked('n1', 's1')],
  [gateParked('n1', 's1')],
  [gateParked('n1', 's1'), gateResolved('n1', 's1')],
  [node('n2', null, 'complete')],
  [completed('failure')],
  [completed('cancelled')],
  [aborted()],
);
const sessionSpec = fc.record({
  workflowId: fc.constantFrom('coding-task', 'review', 'docs'),
  title: fc.option(word, { nil: undefined }),
  goal: fc.option(
    fc.tuple(word, word).map(([a, b]) => `${a} then ${b}`),
    { nil: undefined },
  ),
  workspacePath: fc.constantFrom('/a', '/b', null),
  parent: fc.constantFrom<string | null>(null, 'sess_0', 'sess_1'),
  note: fc.option(word, { nil: undefined }),
  tail,
  gapMs: fc.integer({ min: 0, max: 3 }),
});
const statuses: SessionStatus[] = [
  'running',
  'blocked',
  'awaiting_approval',
  'completed',
  'failed',
  'aborted',
];
const query: fc.Arbitrary<ListSessionsQuery> = fc.record(
  {
    status: fc.subarray(statuses),
    workflowId: fc.constantFrom('coding-task', 'review', 'docs', 'none'),
    workspacePath: fc.constantFrom('/a', '/b'),
    parentSessionId: fc.constantFrom('sess_0', 'sess_1'),
    text: fc.oneof(
      word,
      word.map((w) => w.toUpperCase()),
      word.map((w) => w.slice(1, 3)),
    ),
    updatedSince: fc.integer({ min: 0, max: 40 }).map((d) => Date.UTC(2026, 0, 1) + d),
    limit: fc.integer({ min: -1, max: 12 }),
    offset: fc.integer({ min: -1, max: 6 }),
  },
  { requiredKeys: [] },
);

type SessionSpec = typeof sessionSpec extends fc.Arbitrary<infer T> ? T : never;

async function seed(store: SessionStore, specs: readonly SessionSpec[], advance: (ms: number) => void) {
  for (const [i, spec] of specs.entries()) {
    advance(spec.gapMs);
    const events: NewSessionEvent[] = [
      created({
        workflowId: spec.workflowId,
        title: spec.title,
        goal: spec.goal,
        workspacePath: spec.workspacePath,
        parentSessionId: spec.parent,
      }),
      node('n1', 's1'),
      ...(spec.note === undefined ? [] : [notes('n1', 's1', `We saw ${spec.note} here`)]),
      ...spec.tail,
    ];
    (await store.append({ sessionId: `sess_${i}`, expectedSeq: 0, events }))._unsafeUnwrap();
  }
}

describe('SQLite and memory stores agree', () => {
  it('on listSessions for any sessions and any query (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sessionSpec, { minLength: 1, maxLength: 12 }),
        fc.array(query, { minLength: 1, maxLength: 6 }),
        async (specs, queries) => {
          const memClock = manualClock(Date.UTC(2026, 0, 1));
          const sqlClock = manualClock(Date.UTC(2026, 0, 1));
          const memory = createMemorySessionStore({ clock: memClock, ids: sequentialIds() });
          const sqlite = createSqliteSessionStore({
            path: tempDb(),
            clock: sqlClock,
            ids: sequentialIds(),
          })._unsafeUnwrap();
          await seed(memory, specs, (ms) => memClock.advance(ms));
          await seed(sqlite, specs, (ms) => sqlClock.advance(ms));
          for (const q of queries) {
            const fromSqlite = (await sqlite.listSessions(q))._unsafeUnwrap();
            expect(fromSqlite).toEqual((await memory.listSessions(q))._unsafeUnwrap());
          }
          for (let i = 0; i < specs.length; i++) {
            const id = `sess_${i}`;
            expect((await sqlite.readEvents(id))._unsafeUnwrap()).toEqual(
              (await memory.readEvents(id))._unsafeUnwrap(),
            );
          }
          sqlite.close();
        },
      ),
      { numRuns: 30 },
    );
  });
});
