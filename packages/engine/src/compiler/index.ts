export { BINDINGS_FILES, loadBindings } from './bindings-file.js';
export type { CompileOptions } from './compile.js';
export { compileWorkflow } from './compile.js';
export { previewWorkflow, toInspectJson } from './preview.js';
export type { InterpolateOptions } from './render.js';
export { interpolate, renderStepPrompt } from './render.js';
export type { SourceWorkflow } from './source-types.js';
export type { RoutineResolver } from './templates.js';
export { knownTemplateIds, templateRoutineCandidates } from './templates.js';
