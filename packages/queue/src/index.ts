export type {
  QueueCancelInput,
  QueueListInput,
  QueuePurgeInput,
  QueueRequeueInput,
  QueueStatsInput,
} from './admin.js';
export {
  executeQueueCancel,
  executeQueueDeadLetters,
  executeQueueInspect,
  executeQueueList,
  executeQueuePurge,
  executeQueueRequeue,
  executeQueueStats,
  QueueCancelInputSchema,
  QueueListInputSchema,
  QueuePurgeInputSchema,
  QueueRequeueInputSchema,
  QueueStatsInputSchema,
} from './admin.js';
export type { ArchiveRecord } from './archive.js';
export { appendArchive } from './archive.js';
export type { AwaitTerminalOptions, AwaitTerminalOutcome } from './await-terminal.js';
export { AWAIT_POLL_MS, awaitTerminal, isTerminal } from './await-terminal.js';
export type { QueueConfig } from './config.js';
export { openTaskQueue, QueueConfigSchema } from './config.js';
export { dedupeKeyOf } from './dedupe.js';
export type { MemoryQueueOptions } from './memory/memory-queue.js';
export { createMemoryQueue, MemoryTaskQueue } from './memory/memory-queue.js';
export type { PgConnectionOptions } from './postgres/connection.js';
export type { PostgresQueueOptions } from './postgres/pg-queue.js';
export { createPostgresQueue, PostgresTaskQueue } from './postgres/pg-queue.js';
export type { PostgresProbe } from './postgres/probe.js';
export { PROBE_CONNECT_TIMEOUT_MS, postgresTarget, probePostgres } from './postgres/probe.js';
export { LATEST_PG_SCHEMA_VERSION } from './postgres/schema.js';
export type {
  AuditEntry,
  CancelInput,
  ClaimInput,
  DrainResult,
  EnqueueInput,
  EnqueueResult,
  FailInput,
  FailureClass,
  HeartbeatInput,
  LeasedTask,
  LeaseRef,
  ListFilter,
  PurgeInput,
  PurgeResult,
  QueueError,
  QueueErrorCode,
  QueueOptions,
  QueueStats,
  ReleaseLeasesInput,
  RequeueInput,
  StateCounts,
  StatsFilter,
  SweepResult,
  Task,
  TaskError,
  TaskQueue,
  TaskState,
} from './queue.js';
export { FAILURE_CLASSES, PURGE_PREVIEW_LIMIT, TASK_STATES, UNFINISHED_STATES } from './queue.js';
export type { EnqueueSyncOptions } from './sqlite/enqueue-sync.js';
export { enqueueSync, taskStateSync } from './sqlite/enqueue-sync.js';
export type { SqliteConnectionOptions } from './sqlite/schema.js';
export {
  applyPragmas,
  LATEST_QUEUE_SCHEMA_VERSION,
  migrateQueueSchema,
  openWorktrainDatabase,
  QUEUE_MIGRATION_SET,
  WORKTRAIN_APPLICATION_ID,
} from './sqlite/schema.js';
export type { SqliteQueueOptions } from './sqlite/sqlite-queue.js';
export { openSqliteQueue, openSqliteQueueReadOnly, SqliteTaskQueue } from './sqlite/sqlite-queue.js';
export type { ResolvedOptions } from './validation.js';
export { checkJson, resolveOptions, retryDecision } from './validation.js';
export type { WorkerHandle, WorkerOptions } from './worker.js';
export { runWorker, TaskFailure } from './worker.js';
