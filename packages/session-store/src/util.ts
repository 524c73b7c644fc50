import type { Result, ResultAsync } from '@worktrain/contracts';
import { errAsync, okAsync } from '@worktrain/contracts';

/** Lifts a synchronous Result into the port's ResultAsync. */
export function toAsync<T, E>(result: Result<T, E>): ResultAsync<T, E> {
  return result.isOk() ? okAsync(result.value) : errAsync(result.error);
}

/** Freezes a JSON-like value and everything inside it (stored events are shared with every reader). */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      Object.freeze(v);
      for (const child of Object.values(v)) stack.push(child);
    }
  }
  return value;
}
