// Public surface of @worktrain/engine. Explicit on purpose: a test snapshots these names so the surface
// changes only deliberately.

// The engine facade and its contract types.
export type {
  CheckpointResponse,
  ContinueInput,
  ContinueResponse,
  Engine,
  EngineError,
  EngineErrorCode,
  EngineLimits,
  EngineOptions,
  Keyring,
  LoadedWorkflow,
  ModelTier,
  NextCall,
  NextIntent,
  PendingDelegation,
  PendingStep,
  Preferences,
  ResumeCandidate,
  SessionCacheLimits,
  StartInput,
  StartResponse,
  StepResponseBase,
  WorkflowListItem,
  WorkflowRegistry,
  WorkflowSourceDir,
} from './api.js';
// Output contracts (wr.contracts.*).
export type {
  ArtifactContract,
  ClassifyTaskArtifact,
  CodingHandoffArtifact,
  GateVerdictArtifact,
  LoopControlArtifact,
  OutputContractCheck,
  ReviewVerdictArtifact,
} from './artifact-contracts/index.js';
export {
  ClassifyTaskArtifactSchema,
  CodingHandoffArtifactSchema,
  checkOutputContract,
  decideLoopControl,
  findArtifactContract,
  GateVerdictArtifactSchema,
  knownContractRefs,
  LoopControlArtifactSchema,
  listArtifactContracts,
  ReviewVerdictArtifactSchema,
} from './artifact-contracts/index.js';
// Compilation.
export type {
  CompiledLoop,
  CompiledNode,
  CompiledParallel,
  CompiledStep,
  CompiledWorkflow,
  Confirmation,
} from './compiled.js';
export { COMPILED_SCHEMA_VERSION } from './compiled.js';
export type { CompileOptions } from './compiler/index.js';
export {
  BINDINGS_FILES,
  compileWorkflow,
  loadBindings,
  previewWorkflow,
  renderStepPrompt,
  toInspectJson,
} from './compiler/index.js';
// Conditions.
export { conditionVariables, describeCondition, evaluateCondition } from './conditions/index.js';
export type { Condition } from './definition/condition-schema.js';
export { ConditionSchema } from './definition/condition-schema.js';
export type { DefinitionIssue } from './definition/issues.js';
export { parseWorkflowJson } from './definition/json-text.js';
export type { InvalidWorkflowFile, WorkflowRegistryOptions } from './definition/registry.js';
export { createWorkflowRegistry, DEFAULT_WORKSPACE_WORKFLOW_DIRS } from './definition/registry.js';
// Workflow definitions: schema v0.3.0 (+ our superset), validation, loading.
export type {
  AssessmentDefinition,
  ConfirmationRule,
  ExtensionPoint,
  FunctionDefinition,
  LoopConfig,
  LoopStep,
  OutputContract,
  ParallelStep,
  PromptBlocks,
  PromptValue,
  StandardStep,
  TemplateCall,
  ValidationCriteria,
  WorkflowDefinition,
  WorkflowReference,
  WorkflowStep,
} from './definition/schema.js';
export { WorkflowDefinitionSchema } from './definition/schema.js';
export type { StepVisit } from './definition/semantics.js';
export { visitSteps } from './definition/semantics.js';
export { parseWorkflowDefinition, validateWorkflowDefinition } from './definition/validate.js';
export type { FileLoad as WorkflowFileLoad } from './definition/workflow-files.js';
export { loadWorkflowFile, MAX_WORKFLOW_FILE_BYTES } from './definition/workflow-files.js';
export { createEngine, DEFAULT_ENGINE_LIMITS, DEFAULT_SESSION_CACHE, resolveLimits } from './engine/index.js';
// Tokens and keys.
export type { FileKeyring, MemoryKeyring, TokenKind, TokenPayload } from './tokens/index.js';
export {
  createFileKeyring,
  createMemoryKeyring,
  rotateKeyring,
  signToken,
  TOKEN_PREFIXES,
  verifyToken,
} from './tokens/index.js';
