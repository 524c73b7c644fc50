export { createEngine } from './create-engine.js';
export { DEFAULT_ENGINE_LIMITS, resolveLimits } from './limits.js';
export type { NodeSnapshot, SessionMode } from './session-view.js';
export { NodeSnapshotSchema } from './session-view.js';
