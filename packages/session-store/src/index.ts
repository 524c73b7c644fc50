export { DEFAULT_MAX_EVENT_BYTES, MAX_BATCH_EVENTS, MAX_EVENT_DEPTH } from './append-core.js';
export type { UnhashedSessionEvent } from './event-hash.js';
export { batchDigest, computeEventHash } from './event-hash.js';
export { failedByDeadLetter, latestFailure, readSessionFailure } from './failure.js';
export type { FollowSessionOptions } from './follow.js';
export { followSessionEvents } from './follow.js';
export { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from './listing.js';
export type { MemorySessionStore, MemorySessionStoreOptions } from './memory/memory-store.js';
export { createMemorySessionStore } from './memory/memory-store.js';
export type {
  AppendInput,
  AppendResult,
  ListSessionsQuery,
  ReadEventsOptions,
  SessionFailure,
  SessionProjection,
  SessionStatus,
  SessionStore,
  SessionStoreError,
  SessionStoreErrorCode,
  SessionSummary,
  Unsubscribe,
  VerifyResult,
} from './port.js';
export { projectSession } from './projection.js';
export { SESSION_STORE_SCHEMA_VERSION, WORKTRAIN_APPLICATION_ID } from './sqlite/schema.js';
export { createSqliteSessionStore } from './sqlite/sqlite-store.js';
export type {
  SqliteSessionStore,
  SqliteSessionStoreCommonOptions,
  SqliteSessionStoreOptions,
} from './sqlite/sqlite-types.js';
export { isTerminalStatus, reduceSessionSummary, TASK_DEAD_LETTERED } from './summary.js';
export { verifyChain } from './verify.js';
