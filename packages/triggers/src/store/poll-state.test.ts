import { afterEach, describe, expect, it } from 'vitest';
import { readPollState, writePollState } from './poll-state.js';
import { openTestDb, type TestDb } from './test-db.js';
import { EMPTY_POLL_STATE, type PollState } from './types.js';

let t: TestDb;
afterEach(() => t.cleanup());

describe('poll state rows', () => {
  it('reads EMPTY_POLL_STATE for a trigger that never ran', () => {
    t = openTestDb();
    expect(readPollState(t.sql, 'never')).toEqual(EMPTY_POLL_STATE);
  });

  it('round-trips every field, the JSON cursor and ETags included, and overwrites on a second write', () => {
    t = openTestDb();
    const state: PollState = {
      cursor: { since: '2026-01-01T00:00:00Z', page: 2 },
      etags: { '/issues': 'W/"abc"' },
      lastRunAt: 10,
      lastOkAt: 9,
      lastError: 'HTTP 503',
      failures: 2,
      nextRunAt: 70,
      disabledReason: 'HTTP 401',
      disabledConfig: 'sha256:1',
      lastTaskId: 'task_1',
    };
    writePollState(t.sql, 'gh', state, 1_000);
    expect(readPollState(t.sql, 'gh')).toEqual(state);
    writePollState(t.sql, 'gh', { ...EMPTY_POLL_STATE, failures: 1 }, 2_000);
    expect(readPollState(t.sql, 'gh')).toEqual({ ...EMPTY_POLL_STATE, failures: 1 });
    expect(t.db.prepare('SELECT updated_at FROM trigger_poll_state').get()).toEqual({ updated_at: 2_000 });
  });

  it('reads a malformed ETag map (not all strings) as empty', () => {
    t = openTestDb();
    writePollState(t.sql, 'gh', EMPTY_POLL_STATE, 1);
    t.db.prepare(`UPDATE trigger_poll_state SET etags = '{"a":1}'`).run();
    expect(readPollState(t.sql, 'gh').etags).toEqual({});
  });
});
