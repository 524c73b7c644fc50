/**
 * Value comparison used by the condition language (`equals`, `not_equals`, `in`).
 *
 * Rules follow WorkRail's `lenientEquals` (EtienneBBeaulac/workrail `src/utils/condition-evaluator.ts`, MIT),
 * re-implemented here, because workflows written for WorkRail rely on them:
 * - `null` and `undefined` (a missing variable) are equal to each other and to nothing else;
 * - two strings compare trimmed and case-insensitively (`"Large"` equals `"large "`);
 * - a string and a number compare numerically when the string is numeric (`"10"` equals `10`);
 * - a string and a boolean compare by the words `true|1|yes` / `false|0|no` (case-insensitive);
 * - anything else compares strictly.
 *
 * Deliberate differences (both only make WorkRail's nonsensical answers sensible):
 * - a blank string is not numeric (WorkRail's `Number("")` made `""` equal `0`);
 * - arrays and plain objects compare structurally, element by element with these same rules
 *   (WorkRail compared them by reference, so a JSON object never equalled anything).
 */
export function lenientEquals(a: unknown, b: unknown): boolean {
  return equalsAt(a, b, 0);
}

/** Structural comparison stops here so a hostile, very deep value cannot exhaust the stack. */
const MAX_COMPARE_DEPTH = 128;

function equalsAt(a: unknown, b: unknown, depth: number): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a === null || a === undefined) && (b === null || b === undefined);
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return a.trim().toLowerCase() === b.trim().toLowerCase();
  }
  if (typeof a === 'string' && typeof b === 'number') return stringEqualsNumber(a, b);
  if (typeof a === 'number' && typeof b === 'string') return stringEqualsNumber(b, a);
  if (typeof a === 'string' && typeof b === 'boolean') return stringEqualsBoolean(a, b);
  if (typeof a === 'boolean' && typeof b === 'string') return stringEqualsBoolean(b, a);
  if (typeof a === 'object' && typeof b === 'object') {
    if (depth >= MAX_COMPARE_DEPTH) return a === b;
    return structurallyEqual(a, b, depth + 1);
  }
  return a === b;
}

function stringEqualsNumber(text: string, num: number): boolean {
  if (text.trim() === '') return false;
  const parsed = Number(text);
  return !Number.isNaN(parsed) && parsed === num;
}

function stringEqualsBoolean(text: string, flag: boolean): boolean {
  const word = text.trim().toLowerCase();
  return flag
    ? word === 'true' || word === '1' || word === 'yes'
    : word === 'false' || word === '0' || word === 'no';
}

function structurallyEqual(a: object, b: object, depth: number): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equalsAt(item, b[i], depth));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const aKeys = Object.keys(aRecord);
  const bKeys = Object.keys(bRecord);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(bRecord, key) && equalsAt(aRecord[key], bRecord[key], depth));
}
