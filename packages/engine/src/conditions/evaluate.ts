/**
 * The condition language of WorkRail workflows (schema v0.3.0 `$defs/condition`): `runCondition`, loop
 * `condition`, `promptFragments[].when`, `requireConfirmation.condition`.
 *
 * Semantics follow WorkRail's evaluator (EtienneBBeaulac/workrail `src/utils/condition-evaluator.ts`, MIT),
 * re-implemented:
 * - no condition, a non-object, or `{}` at the top level is **true** (the step is eligible);
 * - a node with `var` is a comparison; the first operator present wins, in this order: `equals`,
 *   `not_equals`, `gt`, `gte`, `lt`, `lte`, `contains`, `startsWith`, `endsWith`, `in`; `var` alone tests
 *   truthiness (JavaScript rules: `0`, `""`, `false`, `null` and a missing variable are false);
 * - otherwise the first of `and` (all, `[]` is true), `or` (any, `[]` is false), `not`;
 * - an invalid node anywhere (no operator, wrong operand types, a nested `{}`) makes the **whole** condition
 *   false, like WorkRail, where the error escaped to the top. `and`/`or` short-circuit left to right first.
 * - `gt`/`gte`/`lt`/`lte` are true only when the variable is a number (WorkRail: no string coercion);
 * - `contains`/`startsWith`/`endsWith` compare text case-insensitively; arrays are read as their elements
 *   joined with `,` (WorkRail: `String(array)`), so `["security", "ux"]` contains `"security"`;
 * - `in` (declared by the schema, ours): true when the variable equals (see {@link lenientEquals}) any item.
 *
 * Ours on top: `var` may be a dot path (`ticket.priority`, `items.0.id`) when the context has no key with
 * that exact name; only own properties are read (`constructor`, `__proto__` are never found).
 */
import type { Condition } from '../definition/condition-schema.js';
import { lenientEquals } from './lenient-equals.js';

/** Nested conditions deeper than this are treated as invalid (false) instead of risking the stack. */
export const MAX_CONDITION_DEPTH = 64;

const INVALID = Symbol('invalid-condition');
type Outcome = boolean | typeof INVALID;

/**
 * Evaluates `condition` against `context`. Never throws, whatever the input (hostile shapes, cycles,
 * getters that throw): an invalid condition evaluates to `false`, a missing one to `true`.
 */
export function evaluateCondition(
  condition: Condition | undefined,
  context: Readonly<Record<string, unknown>>,
): boolean {
  try {
    const node: unknown = condition;
    if (typeof node !== 'object' || node === null || Object.keys(node).length === 0) return true;
    return evaluateNode(node, context, 0) === true;
  } catch {
    return false;
  }
}

/**
 * Reads a variable from the context: the own key with exactly this name if present, otherwise the dot path
 * through own properties of objects and arrays. Returns `undefined` when absent.
 */
export function readVariable(context: unknown, name: string): unknown {
  if (!isRecord(context)) return undefined;
  if (Object.hasOwn(context, name)) return context[name];
  if (!name.includes('.')) return undefined;
  let current: unknown = context;
  for (const segment of name.split('.')) {
    if (Array.isArray(current)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isRecord(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

function evaluateNode(node: unknown, context: unknown, depth: number): Outcome {
  if (depth > MAX_CONDITION_DEPTH || !isRecord(node)) return INVALID;
  if (node.var !== undefined) {
    if (typeof node.var !== 'string') return INVALID;
    return compare(node, readVariable(context, node.var));
  }
  if (node.and !== undefined) {
    if (!Array.isArray(node.and)) return INVALID;
    for (const child of node.and) {
      const outcome = evaluateNode(child, context, depth + 1);
      if (outcome !== true) return outcome;
    }
    return true;
  }
  if (node.or !== undefined) {
    if (!Array.isArray(node.or)) return INVALID;
    for (const child of node.or) {
      const outcome = evaluateNode(child, context, depth + 1);
      if (outcome !== false) return outcome;
    }
    return false;
  }
  if (node.not !== undefined) {
    const outcome = evaluateNode(node.not, context, depth + 1);
    return outcome === INVALID ? INVALID : !outcome;
  }
  return INVALID;
}

function compare(node: Record<string, unknown>, value: unknown): Outcome {
  if (Object.hasOwn(node, 'equals')) return lenientEquals(value, node.equals);
  if (Object.hasOwn(node, 'not_equals')) return !lenientEquals(value, node.not_equals);
  if (node.gt !== undefined) return numeric(node.gt, value, (v, n) => v > n);
  if (node.gte !== undefined) return numeric(node.gte, value, (v, n) => v >= n);
  if (node.lt !== undefined) return numeric(node.lt, value, (v, n) => v < n);
  if (node.lte !== undefined) return numeric(node.lte, value, (v, n) => v <= n);
  if (node.contains !== undefined) return textual(node.contains, value, (v, s) => v.includes(s));
  if (node.startsWith !== undefined) return textual(node.startsWith, value, (v, s) => v.startsWith(s));
  if (node.endsWith !== undefined) return textual(node.endsWith, value, (v, s) => v.endsWith(s));
  if (node.in !== undefined) {
    if (!Array.isArray(node.in)) return INVALID;
    return node.in.some((candidate) => lenientEquals(value, candidate));
  }
  return isTruthy(value);
}

function numeric(
  operand: unknown,
  value: unknown,
  test: (value: number, operand: number) => boolean,
): Outcome {
  if (typeof operand !== 'number' || Number.isNaN(operand)) return INVALID;
  return typeof value === 'number' && test(value, operand);
}

function textual(
  operand: unknown,
  value: unknown,
  test: (value: string, operand: string) => boolean,
): Outcome {
  if (typeof operand !== 'string' && typeof operand !== 'number' && typeof operand !== 'boolean')
    return INVALID;
  return test(asText(value, 0).toLowerCase(), String(operand).trim().toLowerCase());
}

/** Text form of a context value for the string operators (WorkRail: `String(value).trim()`, `''` for null). */
function asText(value: unknown, depth: number): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Array.isArray(value)) {
    return depth > 16 ? '' : value.map((item) => asText(item, depth + 1)).join(',');
  }
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return '';
    }
  }
  return '';
}

function isTruthy(value: unknown): boolean {
  return Boolean(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
