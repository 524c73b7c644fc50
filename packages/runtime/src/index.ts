// Public surface of @worktrain/runtime. Explicit on purpose: names change only deliberately.
export type { ActiveSession, ActiveSessions } from './active.js';
export type {
  ConfigError,
  ConfigErrorCode,
  ConfigIssue,
  GitLabForgeConfig,
  JiraConfig,
  ModelConfig,
  RuntimeConfig,
} from './config.js';
export {
  BudgetConfigSchema,
  GitLabForgeConfigSchema,
  JiraConfigSchema,
  loadRuntimeConfig,
  ModelConfigSchema,
  parseDotEnv,
  parseRuntimeConfig,
  RuntimeConfigSchema,
} from './config.js';
export type { ConfigWarning } from './config-warnings.js';
export { configWarnings } from './config-warnings.js';
export type { DaemonEvent, DaemonEventBus } from './daemon-events.js';
export type { DaemonHealth, DaemonProbe, DaemonState, QueueDepth } from './daemon-state.js';
export {
  DaemonHealthSchema,
  DaemonStateSchema,
  describeOccupant,
  OWN_PORT_HINT,
  probeDaemon,
  readDaemonState,
  sameHome,
} from './daemon-state.js';
export type { DeliverFn, DeliverRequest, ForgeFactory } from './delivery.js';
export { createDelivery, createGitHubDelivery } from './delivery.js';
export type { CheckStatus, DoctorCheck, DoctorReport } from './doctor/check.js';
export type { DaemonTarget } from './doctor/daemon.js';
export type { DoctorOptions } from './doctor/run.js';
export { runDoctorChecks } from './doctor/run.js';
export type { RuntimeError, RuntimeErrorCode } from './errors.js';
export { ensureDaemonToken } from './files.js';
export type { ForgeForTarget, ForgeSetupError, Forges } from './forges.js';
export { createForgeDelivery, createForges } from './forges.js';
export { createApp, errorBody } from './http/app.js';
export type { WorktrainLoggerOptions } from './logger.js';
export { createWorktrainLogger, LOG_LEVELS, LOG_REDACT_PATHS } from './logger.js';
export type { MergeApprovals, MergeFollowUp } from './merge-follow-up.js';
export { createMergeFollowUp } from './merge-follow-up.js';
export type { ContinueResult, KillResult, Operations, SessionView, TriggerView } from './operations.js';
export type {
  DeliveryTarget,
  DispatchPayload,
  ForgeKind,
  JiraDeliveryRoute,
  JiraDeliveryRoutes,
  MergedChangeRequest,
  PipelineWorkItem,
  ReadWorkItemOptions,
  WorkItem,
} from './payload.js';
export { DispatchPayloadSchema, ResumePayloadSchema, readWorkItem } from './payload.js';
export { modelProvider } from './runtime/model.js';
export type { Runtime, RuntimeOptions, RuntimeParts, StartedRuntime } from './runtime.js';
export { createRuntime } from './runtime.js';
export type { SandboxExecOptions, SandboxExecResult, SandboxProbe } from './sandbox-exec.js';
export { probeSandbox, runSandboxExec } from './sandbox-exec.js';
export type { ServiceFile, ServicePlatform, ServiceSpec } from './service-file.js';
export {
  LAUNCHD_LABEL,
  renderLaunchdPlist,
  renderServiceFile,
  renderSystemdUnit,
  SERVICE_PLATFORMS,
  SYSTEMD_UNIT,
  serviceEnableCommands,
  systemdQuote,
} from './service-file.js';
export type { SessionSandbox } from './session-sandbox.js';
export { createSessionSandbox } from './session-sandbox.js';
export type { ParkedGate } from './task-sessions.js';
export type { TriggerCheckDeps, TriggerProblem } from './trigger-check.js';
export { checkTriggersRunnable, daemonWorkflowSources, triggerCheckFor } from './trigger-check.js';
