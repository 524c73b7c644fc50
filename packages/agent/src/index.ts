// Public surface of @worktrain/agent. Explicit on purpose: names change only deliberately.

export type { AgentError, AgentErrorCode } from './errors.js';
export type {
  ActionGate,
  ActionGateContext,
  ActionGateDecision,
  ActionGateRequest,
} from './loop/action-gate.js';
export { ACTION_GATE_TRACES } from './loop/action-gate.js';
export type { Budget, BudgetHit, BudgetKind, SharedBudget } from './loop/budget.js';
export { DEFAULT_BUDGET } from './loop/budget.js';
export type {
  ConversationStore,
  ConversationStoreError,
  ConversationStoreErrorCode,
} from './loop/conversation-store.js';
export { createMemoryConversationStore, createSqliteConversationStore } from './loop/conversation-store.js';
export type { DelegationResult, Delegator } from './loop/delegation.js';
export type { RulesFile, RulesLimits } from './loop/prompt.js';
export {
  DEFAULT_RULES_LIMITS,
  loadRulesFiles,
  RULES_FILES,
  renderBrief,
  renderStep,
  renderSystem,
  untrustedBlock,
} from './loop/prompt.js';
export type { SteerMessage, SteerSource } from './loop/steer.js';
export { createSteerQueue } from './loop/steer.js';
export type { AnthropicProviderOptions } from './model/anthropic.js';
export { createAnthropicProvider } from './model/anthropic.js';
export { buildMessagesParams } from './model/anthropic-request.js';
export type { BedrockProviderOptions } from './model/bedrock.js';
export { createBedrockProvider } from './model/bedrock.js';
export { costOf, DEFAULT_ANTHROPIC_MODEL, MODEL_PRICES, priceOf } from './model/pricing.js';
// Model providers.
export type {
  ContentBlock,
  ModelError,
  ModelErrorCode,
  ModelMessage,
  ModelPrice,
  ModelProvider,
  StopReason,
  SystemSection,
  TextBlock,
  ToolDefinition,
  ToolResultBlock,
  ToolUseBlock,
  TurnRequest,
  TurnResponse,
  TurnUsage,
} from './model/provider.js';
export { ModelMessageSchema } from './model/provider.js';
export type { RetryPolicy } from './model/retry.js';
export { backoffDelayMs, DEFAULT_RETRY_POLICY } from './model/retry.js';
export type { ModelScript, ScriptedTurn } from './model/scripted.js';
export {
  createScriptedProvider,
  ModelScriptSchema,
  parseModelScript,
  STEP_MARKER,
} from './model/scripted.js';
export type { ResumeSessionOptions } from './resume-session.js';
export { resumeSession } from './resume-session.js';
export { runSession } from './run-session.js';
export type { BubblewrapArgsOptions } from './sandbox/bubblewrap.js';
export { bubblewrapArgs, SANDBOX_PROXY_PORT, SANDBOX_PROXY_SOCKET } from './sandbox/bubblewrap.js';
// Tools and the sandbox.
export type { CgroupOptions, CgroupSupport, CommandCgroup } from './sandbox/cgroup.js';
export { detectCgroupSupport } from './sandbox/cgroup.js';
export type { CreateSandboxOptions } from './sandbox/create.js';
export {
  createSandbox,
  createUnconfinedSandbox,
  SANDBOX_OFF_WARNING,
  userNamespaceHints,
} from './sandbox/create.js';
export type { SandboxPolicyOptions } from './sandbox/policy.js';
export { buildSandboxPolicy, DEFAULT_HIDDEN } from './sandbox/policy.js';
export type { FilteringProxy } from './sandbox/proxy.js';
export { startFilteringProxy } from './sandbox/proxy.js';
export { seatbeltProfile } from './sandbox/seatbelt.js';
// The loop.
export type { RunSessionOptions, SessionEnding, SessionOutcome, SessionStats } from './session-types.js';
export type { BashToolOptions } from './tools/bash.js';
export { createBashTool } from './tools/bash.js';
export { buildToolEnv, ENV_ALLOW_LIST, isSecretEnvName } from './tools/env.js';
export { createEditFileTool, createReadFileTool, createWriteFileTool } from './tools/files.js';
export type { DefaultToolsOptions } from './tools/index.js';
export { createDefaultTools } from './tools/index.js';
export type { PathConfinementError, PathConfinementErrorCode } from './tools/sandbox.js';
export { resolveInWorktree, worktreeRoot } from './tools/sandbox.js';
export { createGlobTool, createGrepTool } from './tools/search.js';
export type {
  AgentTool,
  SandboxEvent,
  SessionHooks,
  StepCompletion,
  StepOutput,
  ToolContext,
  ToolLimits,
  ToolResult,
} from './tools/types.js';
export { DEFAULT_TOOL_LIMITS } from './tools/types.js';
export {
  createCompleteStepTool,
  createReportIssueTool,
  createSignalCoordinatorTool,
} from './tools/workflow-tools.js';
