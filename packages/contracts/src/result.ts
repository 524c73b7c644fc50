/**
 * Result helpers. WorkTrain packages return `Result`/`ResultAsync` (neverthrow) at their boundaries and
 * throw only for programmer errors (broken invariants). Re-exported here so every package uses one copy.
 */
export { ok, err, okAsync, errAsync, Result, ResultAsync, fromPromise, fromThrowable } from 'neverthrow';
export type { Ok, Err } from 'neverthrow';

/**
 * Exhaustiveness guard for closed unions. Reaching it at runtime is a programmer error, so it throws.
 * @throws {Error} always
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
