import type { JsonObject, JsonValue } from '@worktrain/contracts';

/**
 * Copies a JSON-shaped value as `JsonValue`: `undefined` members and functions are dropped, non-finite
 * numbers become null, anything else non-JSON becomes null. Used where typed definitions flow into JSON
 * fields of the compiled workflow, so no cast is needed.
 */
export function toJson(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((item) => toJson(item));
  if (typeof value === 'object') return toJsonObject(value);
  return null;
}

/** {@link toJson} for an object. */
export function toJsonObject(value: object): JsonObject {
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined && typeof member !== 'function') out[key] = toJson(member);
  }
  return out;
}
