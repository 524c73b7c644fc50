import * as z from 'zod';
import { type CompiledPath, compilePath, isRecord, queryPath } from './jsonpath.js';

const JsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const pathField = z.string().superRefine((value, ctx) => {
  const compiled = compilePath(value);
  if (compiled.isErr()) ctx.addIssue({ code: 'custom', message: compiled.error });
});

/**
 * `dispatchCondition` (triggers.yaml): a leaf tests the values one JSONPath selects in the event payload,
 * with exactly one operator; `all` / `any` / `not` combine conditions.
 * - `equals`: some selected value equals the scalar (strict, no type coercion);
 * - `in`: some selected value is one of the scalars;
 * - `matches`: some selected string matches the regular expression (JavaScript syntax, unanchored);
 * - `exists`: `true` when the path selects something that is not null, `false` when it does not.
 */
export type DispatchCondition =
  | {
      readonly path: string;
      readonly equals?: string | number | boolean | null;
      readonly in?: ReadonlyArray<string | number | boolean | null>;
      readonly matches?: string;
      readonly exists?: boolean;
    }
  | { readonly all: readonly DispatchCondition[] }
  | { readonly any: readonly DispatchCondition[] }
  | { readonly not: DispatchCondition };

const LeafSchema = z
  .strictObject({
    path: pathField,
    equals: JsonScalar.optional(),
    in: z.array(JsonScalar).min(1).optional(),
    matches: z
      .string()
      .superRefine((value, ctx) => {
        try {
          new RegExp(value);
        } catch (thrown) {
          ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${String(thrown)}` });
        }
      })
      .optional(),
    exists: z.boolean().optional(),
  })
  .refine(
    (leaf) => ['equals', 'in', 'matches', 'exists'].filter((k) => Object.hasOwn(leaf, k)).length === 1,
    { message: 'a condition needs exactly one of equals, in, matches, exists' },
  );

export const DispatchConditionSchema: z.ZodType<DispatchCondition> = z.lazy(() =>
  z.union([
    LeafSchema,
    z.strictObject({ all: z.array(DispatchConditionSchema).min(1) }),
    z.strictObject({ any: z.array(DispatchConditionSchema).min(1) }),
    z.strictObject({ not: DispatchConditionSchema }),
  ]),
);

/** Outcome of a condition: whether it held and, when not, a sentence saying which leaf failed. */
export interface ConditionOutcome {
  readonly matched: boolean;
  readonly reason: string | null;
}

/** Evaluates a validated condition against a payload. Never throws. */
export function evaluateCondition(condition: DispatchCondition, payload: unknown): ConditionOutcome {
  if ('all' in condition) {
    for (const c of condition.all) {
      const r = evaluateCondition(c, payload);
      if (!r.matched) return r;
    }
    return { matched: true, reason: null };
  }
  if ('any' in condition) {
    const reasons: string[] = [];
    for (const c of condition.any) {
      const r = evaluateCondition(c, payload);
      if (r.matched) return r;
      reasons.push(r.reason ?? '');
    }
    return { matched: false, reason: `none of: ${reasons.join('; ')}` };
  }
  if ('not' in condition) {
    const r = evaluateCondition(condition.not, payload);
    return r.matched
      ? { matched: false, reason: `negated condition held: ${JSON.stringify(condition.not)}` }
      : { matched: true, reason: null };
  }
  const compiled = compilePath(condition.path);
  if (compiled.isErr()) return { matched: false, reason: compiled.error };
  return evaluateLeaf(condition, compiled.value, payload);
}

function evaluateLeaf(
  leaf: Extract<DispatchCondition, { path: string }>,
  path: CompiledPath,
  payload: unknown,
): ConditionOutcome {
  const values = queryPath(path, payload);
  const shown = values.length === 0 ? 'nothing' : JSON.stringify(values.length === 1 ? values[0] : values);
  let matched: boolean;
  let wanted: string;
  if (leaf.exists !== undefined) {
    const present = values.some((v) => v !== null && v !== undefined);
    matched = present === leaf.exists;
    wanted = leaf.exists ? 'to exist' : 'to be absent';
  } else if (leaf.matches !== undefined) {
    const re = new RegExp(leaf.matches);
    matched = values.some((v) => typeof v === 'string' && re.test(v));
    wanted = `to match /${leaf.matches}/`;
  } else if (leaf.in !== undefined) {
    const options = leaf.in;
    matched = values.some((v) => options.some((o) => o === v));
    wanted = `to be one of ${JSON.stringify(options)}`;
  } else {
    matched = values.some((v) => v === leaf.equals && !isRecord(v));
    wanted = `to equal ${JSON.stringify(leaf.equals)}`;
  }
  return matched
    ? { matched: true, reason: null }
    : { matched: false, reason: `dispatchCondition: ${leaf.path} is ${shown}, expected ${wanted}` };
}
