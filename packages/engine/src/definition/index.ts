// The definition layer's surface, re-exported by the package's `src/index.ts` (explicit names only).
export type { Condition } from './condition-schema.js';
export { ConditionSchema } from './condition-schema.js';
export type { DefinitionIssue } from './issues.js';
export type { JsonErrorLocation } from './json-text.js';
export { parseWorkflowJson } from './json-text.js';
export type { InvalidWorkflowFile, WorkflowRegistryOptions } from './registry.js';
export { createWorkflowRegistry, DEFAULT_WORKSPACE_WORKFLOW_DIRS } from './registry.js';
export type {
  AssessmentConsequence,
  AssessmentDefinition,
  AssessmentDimension,
  ConfirmationRule,
  ExtensionPoint,
  FunctionCall,
  FunctionDefinition,
  FunctionParameter,
  LoopBodyStep,
  LoopConditionSource,
  LoopConfig,
  LoopStep,
  OutputContract,
  ParallelDelegation,
  ParallelStep,
  PromptBlocks,
  PromptFragment,
  PromptPart,
  PromptValue,
  StandardStep,
  StepValidationCriteria,
  TemplateCall,
  ValidationComposition,
  ValidationCriteria,
  ValidationRule,
  WorkflowDefinition,
  WorkflowReference,
  WorkflowStep,
} from './schema.js';
export { WorkflowDefinitionSchema, WorkflowIdSchema } from './schema.js';
export type { StepVisit } from './semantics.js';
export { visitSteps } from './semantics.js';
export { StepIdSchema } from './step-schema.js';
export {
  collectDefinitionIssues,
  MAX_DEFINITION_DEPTH,
  parseWorkflowDefinition,
  validateWorkflowDefinition,
} from './validate.js';
