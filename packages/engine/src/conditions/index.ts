export { conditionVariables, describeCondition, explainCondition } from './describe.js';
export { evaluateCondition, MAX_CONDITION_DEPTH, readVariable } from './evaluate.js';
export { lenientEquals } from './lenient-equals.js';
