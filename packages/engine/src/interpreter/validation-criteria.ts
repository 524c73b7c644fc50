/**
 * WorkRail `validationCriteria` (schema v0.3.0 `$defs/validationRule` and `validationComposition`):
 * rules checked against the step's output text (the agent's notes).
 * - `contains`: the text includes `value`;
 * - `regex`: `new RegExp(pattern, flags)` matches the text (an invalid pattern fails the rule);
 * - `length`: the text length (UTF-16 code units, as WorkRail) is within `min`..`max`;
 * - `schema`: the text (or its first fenced ```json block) parses as JSON and conforms to `schema`
 *   (a JSON Schema subset: type, enum, const, required, properties, additionalProperties:false, items,
 *   min/maxLength, pattern, minimum/maximum, min/maxItems);
 * - a rule with a `condition` applies only when the condition holds in the step's context;
 * - `{and}`, `{or}`, `{not}` compose rules.
 * Malformed criteria fail closed with a message naming the problem.
 */
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import { type Condition, ConditionSchema } from '../definition/condition-schema.js';

export interface CriteriaIssue {
  readonly message: string;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonOutput(text: string): { ok: true; value: unknown } | { ok: false } {
  const attempts = [text.trim()];
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  if (fenced?.[1] !== undefined) attempts.push(fenced[1].trim());
  for (const candidate of attempts) {
    try {
      return { ok: true, value: JSON.parse(candidate) };
    } catch {
      // try the next candidate
    }
  }
  return { ok: false };
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Checks `value` against a JSON Schema subset; returns the problems found (empty when it conforms). */
export function checkJsonSchema(schema: unknown, value: unknown, path = ''): string[] {
  if (!isObject(schema)) return [];
  const problems: string[] = [];
  const at = path === '' ? '(root)' : path;
  const t = typeOf(value);
  const types =
    schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types !== undefined && !types.some((x) => x === t || (x === 'number' && t === 'integer'))) {
    return [`${at} should be ${types.join(' or ')}, got ${t}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    problems.push(`${at} should be one of ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value))
    problems.push(`${at} should equal ${JSON.stringify(schema.const)}`);
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      problems.push(`${at} is shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength)
      problems.push(`${at} is longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !safeRegex(schema.pattern, '')?.test(value))
      problems.push(`${at} does not match ${schema.pattern}`);
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum)
      problems.push(`${at} is below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum)
      problems.push(`${at} is above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      problems.push(`${at} has fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems)
      problems.push(`${at} has more than ${schema.maxItems} items`);
    if (isObject(schema.items))
      value.forEach((item, i) => {
        problems.push(...checkJsonSchema(schema.items, item, `${path}/${i}`));
      });
  }
  if (isObject(value)) {
    if (Array.isArray(schema.required)) {
      for (const key of schema.required)
        if (typeof key === 'string' && !(key in value))
          problems.push(`${at} is missing required property "${key}"`);
    }
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const [key, sub] of Object.entries(props))
      if (key in value) problems.push(...checkJsonSchema(sub, value[key], `${path}/${key}`));
    if (schema.additionalProperties === false) {
      for (const key of Object.keys(value))
        if (!(key in props)) problems.push(`${at} has unexpected property "${key}"`);
    }
  }
  return problems;
}

function safeRegex(pattern: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return undefined;
  }
}

function checkRule(rule: JsonObject, text: string): string | undefined {
  const message =
    typeof rule.message === 'string' ? rule.message : `validation rule "${String(rule.type)}" failed`;
  switch (rule.type) {
    case 'contains':
      return typeof rule.value === 'string' && text.includes(rule.value) ? undefined : message;
    case 'regex': {
      const re =
        typeof rule.pattern === 'string'
          ? safeRegex(rule.pattern, typeof rule.flags === 'string' ? rule.flags : '')
          : undefined;
      if (re === undefined) return `${message} (invalid pattern)`;
      return re.test(text) ? undefined : message;
    }
    case 'length': {
      const min = typeof rule.min === 'number' ? rule.min : 0;
      const max = typeof rule.max === 'number' ? rule.max : Number.POSITIVE_INFINITY;
      return text.length >= min && text.length <= max
        ? undefined
        : `${message} (length ${text.length}, expected ${min}..${max === Number.POSITIVE_INFINITY ? '∞' : max})`;
    }
    case 'schema': {
      const parsed = parseJsonOutput(text);
      if (!parsed.ok) return `${message} (output is not JSON)`;
      const problems = checkJsonSchema(rule.schema, parsed.value);
      return problems.length === 0 ? undefined : `${message}: ${problems.slice(0, 5).join('; ')}`;
    }
    default:
      return `unknown validation rule type "${String(rule.type)}"`;
  }
}

/**
 * Evaluates validation criteria against `text`. Returns the failed rules' messages (empty = passed).
 * `evaluateCondition` decides rule `condition`s against `context`.
 */
export function evaluateValidationCriteria(
  criteria: JsonValue,
  text: string,
  context: JsonObject,
  evaluateCondition: (condition: Condition, context: JsonObject) => boolean,
  depth = 0,
): CriteriaIssue[] {
  if (depth > 32) return [{ message: 'validation criteria nested too deeply' }];
  if (Array.isArray(criteria)) {
    return criteria.flatMap((c) =>
      evaluateValidationCriteria(c, text, context, evaluateCondition, depth + 1),
    );
  }
  if (!isObject(criteria)) return [{ message: 'malformed validation criteria' }];
  if (Array.isArray(criteria.and)) {
    return criteria.and.flatMap((c) =>
      evaluateValidationCriteria(c, text, context, evaluateCondition, depth + 1),
    );
  }
  if (Array.isArray(criteria.or)) {
    const branches = criteria.or.map((c) =>
      evaluateValidationCriteria(c, text, context, evaluateCondition, depth + 1),
    );
    if (branches.some((b) => b.length === 0)) return [];
    return [
      {
        message: `none of the alternatives passed: ${branches
          .flat()
          .map((i) => i.message)
          .join(' | ')}`,
      },
    ];
  }
  if (criteria.not !== undefined) {
    const inner = evaluateValidationCriteria(criteria.not, text, context, evaluateCondition, depth + 1);
    return inner.length === 0 ? [{ message: 'output matches a criterion it must not match' }] : [];
  }
  if (isObject(criteria.condition)) {
    const condition = ConditionSchema.safeParse(criteria.condition);
    if (!condition.success) return [{ message: 'malformed condition on a validation rule' }];
    if (!evaluateCondition(condition.data, context)) return [];
  }
  const failure = checkRule(criteria, text);
  return failure === undefined ? [] : [{ message: failure }];
}
