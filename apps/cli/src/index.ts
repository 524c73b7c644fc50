/**
 * `@worktrain/cli` as a library: build the program over your own IO (tests, embedding) or call the
 * commands' `executeX(deps, opts)` functions directly; they return `Result`s and print nothing.
 */

export type { CliError, CliErrorCode, ExitCode } from './cli-error.js';
export { cliError, exitCodeOf, usageError } from './cli-error.js';
export type {
  QueueChangeOptions,
  QueueInspectOptions,
  QueueInspectOutput,
  QueueListOptions,
  QueuePurgeOptions,
  QueuePurgeOutput,
  QueueStatsOutput,
  QueueTarget,
  QueueTasksOutput,
} from './commands/queue.js';
export {
  executeQueueCancel,
  executeQueueDeadLetters,
  executeQueueInspect,
  executeQueueList,
  executeQueuePurge,
  executeQueueRequeue,
  executeQueueStats,
} from './commands/queue.js';
export type {
  SessionsEventsOptions,
  SessionsEventsOutput,
  SessionsFollowOptions,
  SessionsListOptions,
  SessionsListOutput,
  SessionsShowOptions,
  SessionsVerifyOptions,
} from './commands/sessions.js';
export {
  executeSessionsEvents,
  executeSessionsFollow,
  executeSessionsList,
  executeSessionsShow,
  executeSessionsVerify,
} from './commands/sessions.js';
export type {
  WorkflowIssue,
  WorkflowListOptions,
  WorkflowListOutput,
  WorkflowPreviewOptions,
  WorkflowPreviewOutput,
  WorkflowShowOptions,
  WorkflowShowOutput,
  WorkflowValidateOptions,
  WorkflowValidateOutput,
} from './commands/workflow.js';
export {
  executeWorkflowList,
  executeWorkflowPreview,
  executeWorkflowShow,
  executeWorkflowValidate,
} from './commands/workflow.js';
export type { CliDeps, CliFileSystem, OpenSessionStore, WriteFn } from './deps.js';
export { nodeFileSystem } from './deps.js';
export type { GlobalOptions } from './options.js';
export type { CommandContext, ExitState, RegisterCommandGroup } from './program.js';
export { buildProgram, runCli } from './program.js';
export type { CommandView, OutputFormat } from './render.js';
export { renderError, renderResult, renderStreamItem } from './render.js';
