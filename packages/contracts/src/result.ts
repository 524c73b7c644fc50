/**
 * Result helpers. WorkTrain packages return `Result`/`ResultAsync` (neverthrow) at their boundaries and
 * throw only for programmer errors (broken invariants). Re-exported here so every package uses one copy.
 */

export type { Err, Ok } from 'neverthrow';
export { err, errAsync, fromPromise, fromThrowable, ok, okAsync, Result, ResultAsync } from 'neverthrow';

/**
 * Exhaustiveness guard for closed unions. Reaching it at runtime is a programmer error, so it throws.
 * @throws {Error} always
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
