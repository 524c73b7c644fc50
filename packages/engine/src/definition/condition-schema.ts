// Placeholder owned by the definition/schema work: the zod schema of WorkRail's condition language
// (schema v0.3.0 `$defs/condition`). Replaced by the full version; the exported names stay.
import { z } from 'zod';

export interface Condition {
  readonly var?: string;
  readonly equals?: unknown;
  readonly not_equals?: unknown;
  readonly gt?: number;
  readonly gte?: number;
  readonly lt?: number;
  readonly lte?: number;
  readonly and?: readonly Condition[];
  readonly or?: readonly Condition[];
  readonly not?: Condition;
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
