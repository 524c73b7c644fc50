/**
 * Deep freezing of loaded definitions, with a record of what this module froze. Validation results of
 * such values can be memoised safely: nothing can change them afterwards.
 */
const deeplyFrozen = new WeakSet<object>();

/** Freezes `value` and everything below it; remembers the root as immutable. Returns `value`. */
export function deepFreeze<T>(value: T): T {
  const freeze = (node: unknown): void => {
    if (typeof node === 'object' && node !== null && !Object.isFrozen(node)) {
      Object.freeze(node);
      for (const child of Object.values(node)) freeze(child);
    }
  };
  freeze(value);
  if (typeof value === 'object' && value !== null) deeplyFrozen.add(value);
  return value;
}

/** True when `value` was deep-frozen by {@link deepFreeze} (so it can never change). */
export function isDeeplyFrozen(value: unknown): value is object {
  return typeof value === 'object' && value !== null && deeplyFrozen.has(value);
}
