/**
 * The condition language of WorkRail workflows: schema v0.3.0 `$defs/condition`, mirrored exactly
 * (source: EtienneBBeaulac/workrail spec/workflow.schema.json, MIT). Used by `runCondition`, loop
 * `condition`, `conditionSource.condition`, `requireConfirmation` and prompt fragment `when`.
 *
 * Every key is optional and there is no "exactly one operator" rule in the official schema, so `{}` is a
 * valid condition (the conditions evaluator decides what it means). `equals`, `not_equals` and the items
 * of `in` accept any JSON value; `gt`/`gte`/`lt`/`lte` must be numbers; `contains` must be a string.
 */
import * as z from 'zod';

export interface Condition {
  /** Name of a context variable (dotted paths are resolved by the evaluator). */
  readonly var?: string;
  /** Any JSON value. */
  readonly equals?: unknown;
  /** Any JSON value. */
  readonly not_equals?: unknown;
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly and?: readonly Condition[];
  readonly or?: readonly Condition[];
  readonly not?: Condition;
  /** Allowed values (any JSON values). */
  readonly in?: readonly unknown[];
  readonly contains?: string;
}

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z
    .object({
      var: z.string().optional(),
      equals: z.unknown().optional(),
      not_equals: z.unknown().optional(),
      gt: z.number().optional(),
      gte: z.number().optional(),
      lt: z.number().optional(),
      lte: z.number().optional(),
      and: z.array(ConditionSchema).optional(),
      or: z.array(ConditionSchema).optional(),
      not: ConditionSchema.optional(),
      in: z.array(z.unknown()).optional(),
      contains: z.string().optional(),
    })
    .strict(),
);
