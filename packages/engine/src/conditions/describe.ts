/**
 * Static views of a condition, for compile-time checks, previews and decision traces. Both functions accept
 * any value (they never throw) and walk the same operator precedence as `evaluateCondition`.
 */
import type { Condition } from '../definition/condition-schema.js';
import { MAX_CONDITION_DEPTH, readVariable } from './evaluate.js';

/** Comparison operators in the order `evaluateCondition` checks them, with their rendering. */
const COMPARISONS: ReadonlyArray<readonly [key: string, symbol: string]> = [
  ['equals', '=='],
  ['not_equals', '!='],
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
  ['contains', 'contains'],
  ['startsWith', 'starts with'],
  ['endsWith', 'ends with'],
  ['in', 'in'],
];

/** Longest rendering of one operand value before it is cut with `…`. */
const MAX_OPERAND_CHARS = 80;

/**
 * The variables a condition reads (`var` values), in first-seen order, without duplicates. Dot paths are
 * returned whole (`ticket.priority`). Empty for a missing or invalid condition.
 */
export function conditionVariables(condition: Condition | undefined): string[] {
  const seen = new Set<string>();
  const stack: Array<[unknown, number]> = [[condition, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() ?? [undefined, 0];
    if (!isRecord(node) || depth > MAX_CONDITION_DEPTH) continue;
    if (typeof node.var === 'string') seen.add(node.var);
    if (node.var !== undefined) continue;
    const children: unknown[] = [];
    if (Array.isArray(node.and)) children.push(...node.and);
    else if (Array.isArray(node.or)) children.push(...node.or);
    else if (node.not !== undefined) children.push(node.not);
    // Reverse so the stack pops children left to right (first-seen order).
    for (let i = children.length - 1; i >= 0; i--) stack.push([children[i], depth + 1]);
  }
  return [...seen];
}

/**
 * A one-line human rendering, e.g. `taskComplexity == "large" and not(hasUI)`; `always` for a missing or
 * empty condition and `<invalid condition>` for a node `evaluateCondition` would reject.
 */
export function describeCondition(condition: Condition | undefined): string {
  try {
    const node: unknown = condition;
    if (typeof node !== 'object' || node === null || Object.keys(node).length === 0) return 'always';
    return describeNode(node, 0);
  } catch {
    return '<invalid condition>';
  }
}

/** Optional text appended to each comparison, e.g. the variable's current value. */
type Annotate = ((variable: string) => string) | undefined;

/**
 * Like {@link describeCondition}, with each comparison followed by the variable's value in `context`:
 * `taskComplexity == "large" (was "small") and not(hasUI (was missing))`. For decision traces and
 * "why was this step skipped" answers. Never throws.
 */
export function explainCondition(
  condition: Condition | undefined,
  context: Readonly<Record<string, unknown>>,
): string {
  try {
    const node: unknown = condition;
    if (typeof node !== 'object' || node === null || Object.keys(node).length === 0) return 'always';
    return describeNode(node, 0, (variable) => {
      const value = readVariable(context, variable);
      return value === undefined ? ' (was missing)' : ` (was ${renderOperand(value)})`;
    });
  } catch {
    return '<invalid condition>';
  }
}

function describeNode(node: unknown, depth: number, annotate?: Annotate): string {
  if (depth > MAX_CONDITION_DEPTH) return '…';
  if (!isRecord(node)) return '<invalid condition>';
  if (node.var !== undefined) {
    if (typeof node.var !== 'string') return '<invalid condition>';
    const suffix = annotate === undefined ? '' : annotate(node.var);
    for (const [key, symbol] of COMPARISONS) {
      const present =
        key === 'equals' || key === 'not_equals' ? Object.hasOwn(node, key) : node[key] !== undefined;
      if (present) return `${node.var} ${symbol} ${renderOperand(node[key])}${suffix}`;
    }
    return node.var + suffix;
  }
  if (node.and !== undefined) return describeJunction(node.and, 'and', depth, annotate);
  if (node.or !== undefined) return describeJunction(node.or, 'or', depth, annotate);
  if (node.not !== undefined) return `not(${describeNode(node.not, depth + 1, annotate)})`;
  return '<invalid condition>';
}

function describeJunction(children: unknown, word: 'and' | 'or', depth: number, annotate: Annotate): string {
  if (!Array.isArray(children)) return '<invalid condition>';
  if (children.length === 0) return word === 'and' ? 'true' : 'false';
  if (children.length === 1) return describeNode(children[0], depth + 1, annotate);
  return children
    .map((child) => {
      const text = describeNode(child, depth + 1, annotate);
      // Parenthesise nested junctions so `a and (b or c)` reads unambiguously.
      return isJunction(child) ? `(${text})` : text;
    })
    .join(` ${word} `);
}

function isJunction(node: unknown): boolean {
  if (!isRecord(node) || node.var !== undefined) return false;
  const children = node.and !== undefined ? node.and : node.or;
  return Array.isArray(children) && children.length > 1;
}

function renderOperand(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_OPERAND_CHARS ? `${text.slice(0, MAX_OPERAND_CHARS - 1)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
