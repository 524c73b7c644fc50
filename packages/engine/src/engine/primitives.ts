/**
 * The engine's wiring of the pure primitives (conditions, artifact contracts, compiler) into the
 * interpreter's and validator's injected dependencies. One place, so the facade stays about sessions.
 */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import { checkOutputContract, decideLoopControl } from '../artifact-contracts/index.js';
import type { CompiledParallel, CompiledStep } from '../compiled.js';
import { renderStepPrompt } from '../compiler/index.js';
import { evaluateCondition } from '../conditions/index.js';
import type { InterpreterDeps } from '../interpreter/state.js';
import type { ValidateOutputDeps } from '../interpreter/validate-output.js';

export const interpreterDeps: InterpreterDeps = {
  evaluateCondition: (condition, context) => evaluateCondition(condition, context),
  decideLoopControl: (artifacts, loopId) => decideLoopControl(artifacts, loopId),
};

export const validateDeps: ValidateOutputDeps = {
  evaluateCondition: (condition, context) => evaluateCondition(condition, context),
  checkOutputContract: (contract, artifacts, options) => checkOutputContract(contract, artifacts, options),
};

/** The step's prompt with context and loop variables interpolated and applicable fragments appended. */
export function renderPrompt(step: CompiledStep | CompiledParallel, context: JsonObject): string {
  return renderStepPrompt(step, context);
}

export type { JsonValue };
