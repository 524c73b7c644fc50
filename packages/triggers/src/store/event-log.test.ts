import { afterEach, describe, expect, it } from 'vitest';
import { purgeDeliveriesBefore, recordDeliveryId } from './deliveries.js';
import { appendEvent, listEvents, purgeEventsBefore } from './event-log.js';
import { openTestDb, type TestDb } from './test-db.js';

let t: TestDb;
afterEach(() => t.cleanup());

const event = (triggerId: string, at: number, message: string) => ({
  triggerId,
  kind: 'skipped' as const,
  sourceId: null,
  taskId: null,
  message,
  at,
});

describe('trigger event log', () => {
  it('lists events oldest first, by trigger, after a seq and up to a limit', () => {
    t = openTestDb();
    appendEvent(t.sql, event('a', 1, 'one'));
    appendEvent(t.sql, event('b', 2, 'two'));
    appendEvent(t.sql, { ...event('a', 3, 'three'), kind: 'enqueued', sourceId: 's', taskId: 'task_1' });
    expect(listEvents(t.sql).map((e) => e.message)).toEqual(['one', 'two', 'three']);
    const ofA = listEvents(t.sql, { triggerId: 'a' });
    expect(ofA.map((e) => e.message)).toEqual(['one', 'three']);
    expect(ofA[1]).toMatchObject({
      triggerId: 'a',
      at: 3,
      kind: 'enqueued',
      sourceId: 's',
      taskId: 'task_1',
    });
    expect(listEvents(t.sql, { afterSeq: ofA[0]?.seq ?? 0, limit: 1 }).map((e) => e.message)).toEqual([
      'two',
    ]);
  });

  it('purges only events recorded before the cutoff', () => {
    t = openTestDb();
    appendEvent(t.sql, event('a', 1, 'old'));
    appendEvent(t.sql, event('a', 5, 'new'));
    expect(purgeEventsBefore(t.sql, 5)).toBe(1);
    expect(listEvents(t.sql).map((e) => e.message)).toEqual(['new']);
  });
});

describe('webhook delivery ids', () => {
  it('records a delivery once per trigger and reports the replay', () => {
    t = openTestDb();
    expect(recordDeliveryId(t.sql, 'gh', 'd1', 1)).toBe(true);
    expect(recordDeliveryId(t.sql, 'gh', 'd1', 2)).toBe(false);
    expect(recordDeliveryId(t.sql, 'other', 'd1', 2)).toBe(true);
  });

  it('forgets ids received before the cutoff, so their replay is new again', () => {
    t = openTestDb();
    recordDeliveryId(t.sql, 'gh', 'old', 1);
    recordDeliveryId(t.sql, 'gh', 'new', 10);
    expect(purgeDeliveriesBefore(t.sql, 10)).toBe(1);
    expect(recordDeliveryId(t.sql, 'gh', 'old', 11)).toBe(true);
    expect(recordDeliveryId(t.sql, 'gh', 'new', 11)).toBe(false);
  });
});
