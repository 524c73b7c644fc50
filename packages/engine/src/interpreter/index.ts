export type { AssessmentOutcome, RecordedAssessment } from './assessments.js';
export { ASSESSMENT_KIND, checkAssessments } from './assessments.js';
export type { NextResult } from './next.js';
export {
  completePending,
  contextWithLoopVariables,
  findStep,
  LOOP_CONTROL_KIND,
  moveBound,
  nextPending,
} from './next.js';
export type {
  Decision,
  ExecutionState,
  InterpreterDeps,
  InterpreterInput,
  LoopFrame,
  PendingPosition,
} from './state.js';
export {
  EXECUTION_STATE_VERSION,
  ExecutionStateSchema,
  initialState,
  LoopFrameSchema,
  MAX_LOOP_SIGNALS,
  PendingPositionSchema,
  parseExecutionState,
} from './state.js';
export type {
  ContractCheck,
  OutputVerdict,
  StepOutput,
  ValidateOutputDeps,
  ValidateOutputInput,
} from './validate-output.js';
export { checkInputLimits, sortBlockers, validateOutput } from './validate-output.js';
export type { CriteriaIssue } from './validation-criteria.js';
export { checkJsonSchema, evaluateValidationCriteria } from './validation-criteria.js';
