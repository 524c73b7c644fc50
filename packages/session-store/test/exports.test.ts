import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public surface', () => {
  it('exports exactly the documented runtime names (change on purpose only)', () => {
    expect(Object.keys(api).sort()).toEqual([
      'DEFAULT_LIST_LIMIT',
      'DEFAULT_MAX_EVENT_BYTES',
      'MAX_BATCH_EVENTS',
      'MAX_EVENT_DEPTH',
      'MAX_LIST_LIMIT',
      'SESSION_STORE_SCHEMA_VERSION',
      'TASK_DEAD_LETTERED',
      'WORKTRAIN_APPLICATION_ID',
      'batchDigest',
      'computeEventHash',
      'createMemorySessionStore',
      'createSqliteSessionStore',
      'failedByDeadLetter',
      'followSessionEvents',
      'isTerminalStatus',
      'latestFailure',
      'projectSession',
      'readSessionFailure',
      'reduceSessionSummary',
      'verifyChain',
    ]);
  });
});
