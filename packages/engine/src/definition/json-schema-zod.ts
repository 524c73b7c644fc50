/**
 * Small zod builders that reproduce JSON Schema (draft-07, as validated by Ajv) semantics where zod's
 * defaults differ: string lengths counted in Unicode code points, `pattern` with the `u` flag,
 * `uniqueItems` with deep equality, and `oneOf` between mutually exclusive branches picked by a cheap test
 * on the input so that errors point into the branch that was meant instead of a union of every branch.
 */
import * as z from 'zod';
import { expandIssue } from './issues.js';

/** Number of Unicode code points of `text` (JSON Schema `minLength`/`maxLength` unit). */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export interface StringRules {
  readonly min?: number;
  readonly max?: number;
  /** ECMA-262 source, compiled with the `u` flag like Ajv does. */
  readonly pattern?: string;
}

/** A JSON Schema string with optional `minLength`, `maxLength` (code points) and `pattern`. */
export function jsonString(rules: StringRules = {}): z.ZodString {
  const { min, max, pattern } = rules;
  const regex = pattern === undefined ? undefined : new RegExp(pattern, 'u');
  if (min === undefined && max === undefined && regex === undefined) return z.string();
  return z.string().superRefine((value, ctx) => {
    const length = codePointLength(value);
    if (min !== undefined && length < min) {
      ctx.addIssue({ code: 'custom', message: `must have at least ${min} character${min === 1 ? '' : 's'}` });
    }
    if (max !== undefined && length > max) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${max} characters (has ${length})` });
    }
    if (regex !== undefined && !regex.test(value)) {
      ctx.addIssue({ code: 'custom', message: `must match pattern ${pattern}` });
    }
  });
}

/** Structural equality of JSON values (JSON Schema `uniqueItems`): key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k], rb[k]));
}

export interface ArrayRules {
  readonly min?: number;
  readonly max?: number;
  readonly unique?: boolean;
}

/** A JSON Schema array with optional `minItems`, `maxItems` and `uniqueItems`. */
export function jsonArray<T extends z.ZodType>(item: T, rules: ArrayRules = {}): z.ZodArray<T> {
  const { min, max, unique } = rules;
  if (min === undefined && max === undefined && unique !== true) return z.array(item);
  return z.array(item).superRefine((items, ctx) => {
    if (min !== undefined && items.length < min) {
      ctx.addIssue({ code: 'custom', message: `must have at least ${min} item${min === 1 ? '' : 's'}` });
    }
    if (max !== undefined && items.length > max) {
      ctx.addIssue({ code: 'custom', message: `must have at most ${max} items (has ${items.length})` });
    }
    if (unique === true) {
      for (let j = 1; j < items.length; j++) {
        const i = items.findIndex((other, k) => k < j && jsonEqual(other, items[j]));
        if (i >= 0)
          ctx.addIssue({
            code: 'custom',
            path: [j],
            message: `duplicate of item ${i} (items must be unique)`,
          });
      }
    }
  });
}

/** A number with JSON Schema `minimum`/`maximum` (inclusive). */
export function jsonNumber(
  rules: { readonly min?: number; readonly max?: number; readonly integer?: boolean } = {},
): z.ZodNumber {
  let schema = z.number();
  // Not `.int()`: zod's int() also rejects integers beyond 2^53, which JSON Schema `integer` accepts.
  if (rules.integer === true) schema = schema.refine(Number.isInteger, 'must be an integer');
  if (rules.min !== undefined) schema = schema.min(rules.min, `must be >= ${rules.min}`);
  if (rules.max !== undefined) schema = schema.max(rules.max, `must be <= ${rules.max}`);
  return schema;
}

/** Kind of a JSON value as JSON Schema names it. */
export function jsonTypeOf(
  value: unknown,
): 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean' | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'other';
  }
}

/**
 * JSON Schema `oneOf` over branches that can never match the same value. `pick` returns the branch meant
 * by the input (by its JSON type or a discriminating key) or undefined when no branch can apply, in which
 * case the issue `expected` is reported. Equivalent to `oneOf` only when the branches are exclusive and
 * `pick` is exact; each use states why.
 */
export function exclusiveOneOf<T extends z.ZodType>(
  pick: (input: unknown) => T | undefined,
  expected: string,
): z.ZodType<z.output<T>> {
  return z.unknown().transform((input, ctx): z.output<T> => {
    const branch = pick(input);
    if (branch === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be ${expected}` });
      return z.NEVER;
    }
    const parsed = branch.safeParse(input, { reportInput: true });
    if (parsed.success) return parsed.data;
    // Re-raise the branch's issues already described, so the outer formatter keeps their wording.
    for (const issue of parsed.error.issues) {
      for (const described of expandIssue(issue)) {
        ctx.addIssue({ code: 'custom', path: described.path, message: described.message });
      }
    }
    return z.NEVER;
  });
}

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
