import type { JsonObject, JsonValue } from '@worktrain/contracts';

/**
 * Iterative JSON check (no recursion, so a 100 000-deep hostile value cannot overflow the stack): true when
 * `value` is made only of strings, finite numbers, booleans, null, arrays and plain objects.
 * Tool arguments arrive through `JSON.parse`, so this fails only for values built in-process.
 */
export function isJsonValue(value: unknown): value is JsonValue {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
      continue;
    }
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const item of Object.values(v)) stack.push(item);
      continue;
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === null) {
      for (const item of Object.values(v)) stack.push(item);
      continue;
    }
    return false;
  }
  return true;
}

/** {@link isJsonValue} for a record: the type guard the engine's `JsonObject` inputs need. */
export function isJsonObject(value: Record<string, unknown>): value is JsonObject {
  return isJsonValue(value);
}

/** {@link isJsonValue} for an array of artifacts. */
export function isJsonArray(value: readonly unknown[]): value is JsonValue[] {
  return isJsonValue(value);
}
