/**
 * Output validation shapes of schema v0.3.0: `$defs/validationRule`, `validationComposition`,
 * `validationCriteria` (source: EtienneBBeaulac/workrail spec/workflow.schema.json, MIT).
 */
import * as z from 'zod';
import { exclusiveOneOf, isJsonObject, jsonArray, jsonTypeOf } from './json-schema-zod.js';

const AnyObjectSchema = z.record(z.string(), z.unknown());

/**
 * The condition allowed on a validation rule. The official schema inlines a narrower copy of
 * `$defs/condition` here: no `in`/`contains`, and `and`/`or`/`not` take any objects.
 */
export const ValidationRuleConditionSchema = z.strictObject({
  var: z.string().optional(),
  equals: z.unknown().optional(),
  not_equals: z.unknown().optional(),
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
  and: z.array(AnyObjectSchema).optional(),
  or: z.array(AnyObjectSchema).optional(),
  not: AnyObjectSchema.optional(),
});

/** `$defs/validationRule`: one check of the step's output. */
export const ValidationRuleSchema = z.strictObject({
  type: z.enum(['contains', 'regex', 'length', 'schema']),
  value: z.string().optional(),
  pattern: z.string().optional(),
  flags: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  message: z.string(),
  schema: AnyObjectSchema.optional(),
  condition: ValidationRuleConditionSchema.optional(),
});
export type ValidationRule = z.infer<typeof ValidationRuleSchema>;

/** `$defs/validationComposition`: exactly one of `and`, `or`, `not`. */
export interface ValidationComposition {
  readonly and?: readonly ValidationCriteria[];
  readonly or?: readonly ValidationCriteria[];
  readonly not?: ValidationCriteria;
}
/** `$defs/validationCriteria`: a rule or a composition. */
export type ValidationCriteria = ValidationRule | ValidationComposition;

const COMPOSITION_KEYS = ['and', 'or', 'not'] as const;

export const ValidationCompositionSchema: z.ZodType<ValidationComposition> = z.lazy(() =>
  z
    .strictObject({
      and: jsonArray(ValidationCriteriaSchema, { min: 1 }).optional(),
      or: jsonArray(ValidationCriteriaSchema, { min: 1 }).optional(),
      not: ValidationCriteriaSchema.optional(),
    })
    .superRefine((value, ctx) => {
      const present = COMPOSITION_KEYS.filter((key) => value[key] !== undefined);
      if (present.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message:
            present.length === 0
              ? 'a validation composition needs exactly one of and, or, not'
              : `a validation composition takes exactly one of and, or, not (found ${present.join(', ')})`,
        });
      }
    }),
);

/**
 * oneOf [rule, composition]: a composition allows only and/or/not keys and a rule allows none of them,
 * so an object carrying any of them can only be a composition.
 */
export const ValidationCriteriaSchema: z.ZodType<ValidationCriteria> = z.lazy(() =>
  exclusiveOneOf<typeof ValidationRuleSchema | typeof ValidationCompositionSchema>((input) => {
    if (!isJsonObject(input)) return undefined;
    return COMPOSITION_KEYS.some((key) => key in input) ? ValidationCompositionSchema : ValidationRuleSchema;
  }, 'a validation rule or a composition ({and}, {or} or {not})'),
);

const ValidationRuleListSchema = z.array(ValidationRuleSchema);

/** A step's `validationCriteria`: an array of rules, or one composition (exclusive by JSON type). */
export const StepValidationCriteriaSchema = exclusiveOneOf<
  typeof ValidationRuleListSchema | typeof ValidationCompositionSchema
>((input) => {
  const type = jsonTypeOf(input);
  if (type === 'array') return ValidationRuleListSchema;
  if (type === 'object') return ValidationCompositionSchema;
  return undefined;
}, 'an array of validation rules or a composition ({and}, {or} or {not})');
export type StepValidationCriteria = z.infer<typeof StepValidationCriteriaSchema>;
