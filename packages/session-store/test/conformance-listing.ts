import { describe, expect, it } from 'vitest';
import type { SessionStore } from '../src/index.js';
import type { ConformanceHarness } from './conformance.js';
import { aborted, blocked, created, gateParked, node, notes } from './events.js';

/** Seeds five sessions with distinct statuses, workflows, workspaces, parents and update times. */
async function seed(store: SessionStore, advance: (ms: number) => void): Promise<void> {
  const make = async (
    sessionId: string,
    overrides: Parameters<typeof created>[0],
    tail: Parameters<typeof store.append>[0]['events'],
  ) => {
    advance(1000);
    await store.append({
      sessionId,
      expectedSeq: 0,
      events: [created(overrides), node('n1', 'step-1'), ...tail],
    });
  };
  await make('sess_1', { workflowId: 'coding-task', title: 'Login fix', goal: 'Fix login' }, []);
  await make(
    'sess_2',
    { workflowId: 'coding-task', title: 'Crash', goal: 'Fix the crash', workspacePath: '/other' },
    [blocked('n1', 'step-1')],
  );
  await make(
    'sess_3',
    { workflowId: 'review', title: 'Review', goal: 'Review PR', parentSessionId: 'sess_1' },
    [gateParked('n1', 'step-1')],
  );
  await make(
    'sess_4',
    { workflowId: 'review', title: 'Övergång', goal: 'Check ÅÄÖ', parentSessionId: 'sess_1' },
    [aborted()],
  );
  await make('sess_5', { workflowId: 'docs', title: 'Docs', goal: 'Write docs' }, [
    notes('n1', 'step-1', 'Found a FLAKY test in the suite'),
  ]);
}

async function ids(
  store: SessionStore,
  query: Parameters<SessionStore['listSessions']>[0],
): Promise<string[]> {
  return (await store.listSessions(query))._unsafeUnwrap().map((s) => s.sessionId);
}

export function describeListingConformance(h: ConformanceHarness): void {
  describe('listSessions', () => {
    it('lists most recently updated first', async () => {
      const { store } = h.ctx();
      await seed(store, (ms) => h.clock().advance(ms));
      expect(await ids(store, undefined)).toEqual(['sess_5', 'sess_4', 'sess_3', 'sess_2', 'sess_1']);
    });

    it('filters by status, workflow, workspace and parent', async () => {
      const { store } = h.ctx();
      await seed(store, (ms) => h.clock().advance(ms));
      expect(await ids(store, { status: ['blocked', 'awaiting_approval'] })).toEqual(['sess_3', 'sess_2']);
      expect(await ids(store, { status: ['aborted'] })).toEqual(['sess_4']);
      expect(await ids(store, { status: [] })).toEqual([]);
      expect(await ids(store, { workflowId: 'coding-task' })).toEqual(['sess_2', 'sess_1']);
      expect(await ids(store, { workspacePath: '/other' })).toEqual(['sess_2']);
      expect(await ids(store, { parentSessionId: 'sess_1' })).toEqual(['sess_4', 'sess_3']);
      expect(
        await ids(store, { parentSessionId: 'sess_1', status: ['running', 'awaiting_approval'] }),
      ).toEqual(['sess_3']);
    });

    it('searches title, goal, workflow id and notes case-insensitively', async () => {
      const { store } = h.ctx();
      await seed(store, (ms) => h.clock().advance(ms));
      expect(await ids(store, { text: 'LOGIN' })).toEqual(['sess_1']);
      expect(await ids(store, { text: 'the crash' })).toEqual(['sess_2']);
      expect(await ids(store, { text: 'REVIEW' })).toEqual(['sess_4', 'sess_3']);
      expect(await ids(store, { text: 'flaky test' })).toEqual(['sess_5']);
      expect(await ids(store, { text: 'åäö' })).toEqual(['sess_4']);
      expect(await ids(store, { text: 'nothing like this' })).toEqual([]);
    });

    it('filters by updatedSince and pages with limit and offset', async () => {
      const { store } = h.ctx();
      const start = h.clock().now();
      await seed(store, (ms) => h.clock().advance(ms));
      expect(await ids(store, { updatedSince: start + 4000 })).toEqual(['sess_5', 'sess_4']);
      expect(await ids(store, { limit: 2 })).toEqual(['sess_5', 'sess_4']);
      expect(await ids(store, { limit: 2, offset: 2 })).toEqual(['sess_3', 'sess_2']);
      expect(await ids(store, { limit: 2, offset: 4 })).toEqual(['sess_1']);
    });

    it('moves a session to the front when it is appended to', async () => {
      const { store } = h.ctx();
      await seed(store, (ms) => h.clock().advance(ms));
      h.clock().advance(1000);
      await store.append({ sessionId: 'sess_1', expectedSeq: 2, events: [blocked('n1', 'step-1')] });
      expect((await ids(store, { limit: 1 }))[0]).toBe('sess_1');
    });
  });
}
