import { makeError } from '@worktrain/contracts';
import type { EngineError } from '../api.js';

/**
 * A `COMPILE_FAILED` error. `pointer` is the RFC 6901 JSON pointer into the source definition of the value
 * at fault (e.g. `/steps/3/promptBlocks/constraints/1/0`); `details` adds typed data (known ids, step id).
 */
export function compileFailed(
  message: string,
  pointer: string,
  details: Record<string, unknown> = {},
): EngineError {
  return makeError('COMPILE_FAILED', message, { pointer, ...details });
}

/** Escapes one JSON pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}
