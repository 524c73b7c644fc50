export { BUILTIN_PROVIDERS, createBuiltinRegistry } from './builtins.js';
export type { CandidateDraft, TaskCandidate } from './candidate.js';
export { TaskCandidateSchema } from './candidate.js';
export type { ConditionOutcome, DispatchCondition } from './condition.js';
export { DispatchConditionSchema, evaluateCondition } from './condition.js';
export type { LoadTriggerFilesOptions, TriggerFilesLoad } from './config/files.js';
export {
  loadTriggerFiles,
  loadTriggerFilesWithPaths,
  missingTriggersFileMessage,
  perRepoTriggersPath,
} from './config/files.js';
export type { LoadTriggerConfigOptions, TriggerConfig, TriggerFileText } from './config/load.js';
export { loadTriggerConfig } from './config/load.js';
export type { TriggerDefinition } from './config/schema.js';
export {
  CommonTriggerSchema,
  DEFAULT_DEDUPE_WINDOW_SECONDS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TASK_QUEUE,
  TriggersFileSchema,
} from './config/schema.js';
export { checkCron, nextRuns } from './cron.js';
export type { ConfigIssue, TriggerError, TriggerErrorCode } from './errors.js';
export { triggerError } from './errors.js';
export type { TriggerConfigWatcher, TriggerConfigWatcherOptions } from './hot-reload.js';
export { watchTriggerConfig } from './hot-reload.js';
export type { WebhookListenerOptions } from './http.js';
export { createWebhookListener, TRIGGER_ERROR_HTTP_STATUS, webhookHttpStatus } from './http.js';
export type { CompiledPath } from './jsonpath.js';
export { compilePath, queryPath } from './jsonpath.js';
export type {
  AnyTriggerProvider,
  CronSpec,
  ParsedEvent,
  PollContext,
  PollCursor,
  PollerV1,
  PollOutcome,
  ScheduleV1,
  TickContext,
  TriggerProviderV1,
  WebhookHandlerV1,
  WebhookRequest,
} from './provider.js';
export { defineTriggerProvider } from './provider.js';
export type { GitHubConfig } from './providers/github.js';
export { GitHubConfigSchema, githubPollQueries, githubProvider } from './providers/github.js';
export type { GitLabConfig } from './providers/gitlab.js';
export {
  GitLabConfigSchema,
  gitlabProvider,
  gitlabWebhookDraft,
  verifyStandardWebhook,
} from './providers/gitlab.js';
export type { JiraConfig } from './providers/jira.js';
export { adfToText, buildJql, JiraConfigSchema, jiraIssueDraft, jiraProvider } from './providers/jira.js';
export type { ScheduleConfig } from './providers/schedule.js';
export { ScheduleConfigSchema, scheduleProvider } from './providers/schedule.js';
export type { GenericWebhookConfig } from './providers/webhook.js';
export { GenericWebhookConfigSchema, genericWebhookProvider } from './providers/webhook.js';
export type { ProviderRegistry, ProviderRegistryOptions } from './registry.js';
export { createProviderRegistry, isTriggerProvider } from './registry.js';
export { dryRunEvent } from './router/dry-run.js';
export type { Evaluation } from './router/evaluate.js';
export { evaluateEvent, eventSelected } from './router/evaluate.js';
export type { DispatchOutcome, TriggerRouterOptions } from './router/router.js';
export { TriggerRouter } from './router/router.js';
export type { RunReport, SchedulerOptions } from './scheduler.js';
export { pollsEnabled, TriggerScheduler } from './scheduler.js';
export type { CheckpointResult } from './store/checkpointer.js';
export { LATEST_TRIGGER_SCHEMA_VERSION, migrateTriggerSchema } from './store/schema.js';
export type {
  AdmitInput,
  AdmitOutcome,
  PollState,
  TriggerEventKind,
  TriggerEventRecord,
  TriggerStoreOptions,
} from './store/trigger-store.js';
export { EMPTY_POLL_STATE, openTriggerStore, TriggerStore } from './store/trigger-store.js';
export { renderTemplate } from './template.js';
