export { createEngine } from './create-engine.js';
export { DEFAULT_ENGINE_LIMITS, resolveLimits } from './limits.js';
export { DEFAULT_SESSION_CACHE } from './session-cache.js';
export type { NodeSnapshot, SessionMode } from './session-log.js';
export { NodeSnapshotSchema } from './session-log.js';
