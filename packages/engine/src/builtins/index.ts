export type { BuiltinPromptValue, FeatureDefinition } from './features.js';
export { BUILTIN_FEATURES, findFeature, knownFeatureIds } from './features.js';
export { BUILTIN_REFS, findRef, knownRefIds } from './refs.js';
export type { BuiltinRoutine, BuiltinRoutineStep } from './routines.js';
export {
  BUILTIN_ROUTINES,
  findBuiltinRoutine,
  ROUTINE_TEMPLATE_PREFIX,
  routineIdCandidates,
  routineTemplateId,
} from './routines.js';
