export { ok, err, okAsync, errAsync, Result, ResultAsync, fromPromise, fromThrowable, assertNever } from './result.js';
export type { Ok, Err } from './result.js';
export { ErrorBodySchema, makeError, toErrorBody, describeThrown } from './errors.js';
export type { WorkTrainError, ErrorBody } from './errors.js';
export { JsonValueSchema, JsonObjectSchema, jsonDepth, utf8Bytes } from './json.js';
export type { JsonValue, JsonObject } from './json.js';
export { canonicalJson, canonicalHash, sha256Hex } from './hashing.js';
export {
  randomId,
  randomIds,
  sequentialIds,
  ID_PREFIXES,
  SessionIdSchema,
  NodeIdSchema,
} from './ids.js';
export type { IdGenerator, IdKind, SessionId, NodeId } from './ids.js';
export { systemClock, manualClock } from './clock.js';
export type { Clock, ManualClock } from './clock.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export {
  SESSION_EVENT_VERSION,
  SESSION_EVENT_KINDS,
  SessionEventDataSchemas,
  NewSessionEventSchema,
  SessionSourceSchema,
  BlockerSchema,
  GENESIS_HASH,
  isEventKind,
} from './session-events.js';
export type {
  SessionEventKind,
  NewSessionEvent,
  SessionEvent,
  SessionEventData,
  Blocker,
} from './session-events.js';
export { resolveWorktrainPaths } from './paths.js';
export type { WorktrainPaths } from './paths.js';
