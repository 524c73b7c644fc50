export type { Clock, ManualClock } from './clock.js';
export { manualClock, systemClock } from './clock.js';
export type { ConfigIssue, ConfigYamlError, ConfigYamlErrorCode, StrictYaml } from './config-yaml.js';
export {
  ENV_REFERENCE,
  formatConfigIssue,
  formatConfigPath,
  parseStrictYaml,
  resolveEnvReferences,
  summarizeConfigIssues,
} from './config-yaml.js';
export { environmentWithDotEnv, parseDotEnv } from './dotenv.js';
export { DURATION_UNITS_MS, parseDuration } from './duration.js';
export type { ErrorBody, WorkTrainError } from './errors.js';
export { describeThrown, ErrorBodySchema, makeError, toErrorBody } from './errors.js';
export type {
  ForgeConfig,
  GitHubConfig,
  GitHubSettings,
  GitLabConfig,
  GitLabSettings,
  JiraAuth,
  JiraClientOptions,
  JiraConfig,
  JiraSettings,
} from './forge-config.js';
export {
  createGitHubConfig,
  createGitLabConfig,
  createJiraConfig,
  githubClientOptions,
  gitlabClientOptions,
  jiraAuth,
  jiraClientOptions,
} from './forge-config.js';
export type { UpstreamClassification, UpstreamFailure, UpstreamFailureKind } from './forge-failure.js';
export { classifyUpstreamFailure, readUpstreamFailure } from './forge-failure.js';
export type {
  GitError,
  GitErrorCode,
  GitOutput,
  RunGitOptions,
  SpawnCommand,
  SpawnedOutput,
  SpawnRequest,
} from './git-runner.js';
export { checkWorktree, runGit, STDERR_TAIL_CHARS, spawnCommand } from './git-runner.js';
export { canonicalHash, canonicalJson, sha256Hex } from './hashing.js';
export type { IdGenerator, IdKind, NodeId, SessionId } from './ids.js';
export {
  ID_PREFIXES,
  NodeIdSchema,
  randomId,
  randomIds,
  SessionIdSchema,
  sequentialIds,
} from './ids.js';
export type { JsonObject, JsonValue } from './json.js';
export { JsonObjectSchema, JsonValueSchema, jsonDepth, utf8Bytes } from './json.js';
export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export type { WorktrainPaths } from './paths.js';
export { resolveWorktrainPaths } from './paths.js';
export type { Err, Ok } from './result.js';
export {
  assertNever,
  err,
  errAsync,
  fromPromise,
  fromThrowable,
  ok,
  okAsync,
  Result,
  ResultAsync,
} from './result.js';
export type { BackoffInputs, BackoffJitter, BackoffPolicy } from './retry.js';
export { computeBackoff, parseRetryAfter, sleep } from './retry.js';
export type {
  Sandbox,
  SandboxBackendKind,
  SandboxCommandRequest,
  SandboxConfig,
  SandboxError,
  SandboxErrorCode,
  SandboxedCommand,
  SandboxInfo,
  SandboxLimits,
  SandboxNetworkDenial,
  SandboxPolicy,
  SandboxReport,
  SandboxRunner,
  SandboxRunRequest,
  SandboxRunResult,
  TriggerSandbox,
} from './sandbox.js';
export {
  DEFAULT_SANDBOX_LIMITS,
  hostAllowed,
  SandboxConfigSchema,
  splitHostPort,
  TriggerSandboxSchema,
} from './sandbox.js';
export type {
  Blocker,
  NewSessionEvent,
  SessionEvent,
  SessionEventData,
  SessionEventKind,
} from './session-events.js';
export {
  BlockerSchema,
  GENESIS_HASH,
  isEventKind,
  NewSessionEventSchema,
  SESSION_EVENT_KINDS,
  SESSION_EVENT_VERSION,
  SessionEventDataSchemas,
  SessionSourceSchema,
} from './session-events.js';
export type { GitInvocation, GitTarget, WorktreeGitRef, WorktreeLinkState } from './worktree-git.js';
export {
  checkWorktreeLink,
  gitInvocation,
  gitTargetPath,
  HARDENED_GIT_CONFIG,
  worktreeGitRef,
} from './worktree-git.js';
