/**
 * Prompt shapes of schema v0.3.0: `$defs/promptBlocks`, `promptValue`, `promptPart`, `promptFragment`
 * (source: EtienneBBeaulac/workrail spec/workflow.schema.json, MIT).
 */
import * as z from 'zod';
import { ConditionSchema } from './condition-schema.js';
import { exclusiveOneOf, isJsonObject, jsonString, jsonTypeOf } from './json-schema-zod.js';

export const PromptTextPartSchema = z.strictObject({ kind: z.literal('text'), text: z.string() });
export const PromptRefPartSchema = z.strictObject({ kind: z.literal('ref'), refId: jsonString({ min: 1 }) });

function kindOf(input: unknown): unknown {
  return isJsonObject(input) ? input.kind : undefined;
}

/**
 * `$defs/promptPart`: literal text or a reference to a canonical snippet (`wr.refs.*`).
 * oneOf branches are exclusive by the `kind` constant.
 */
export const PromptPartSchema = exclusiveOneOf<typeof PromptTextPartSchema | typeof PromptRefPartSchema>(
  (input) => {
    const kind = kindOf(input);
    if (kind === 'text') return PromptTextPartSchema;
    if (kind === 'ref') return PromptRefPartSchema;
    return undefined;
  },
  'a prompt part: {"kind":"text","text":…} or {"kind":"ref","refId":…}',
);
export type PromptPart = z.infer<typeof PromptPartSchema>;

const PromptPartsSchema = z.array(PromptPartSchema);

/** `$defs/promptValue`: a string or an array of prompt parts (exclusive by JSON type). */
export const PromptValueSchema = exclusiveOneOf<z.ZodString | typeof PromptPartsSchema>((input) => {
  const type = jsonTypeOf(input);
  if (type === 'string') return z.string();
  if (type === 'array') return PromptPartsSchema;
  return undefined;
}, 'a string or an array of prompt parts');
export type PromptValue = z.infer<typeof PromptValueSchema>;

/**
 * `$defs/promptBlocks`: structured prompt, rendered in the order goal, constraints, procedure,
 * outputRequired, verify.
 */
export const PromptBlocksSchema = z.strictObject({
  goal: PromptValueSchema.optional(),
  constraints: z.array(PromptValueSchema).optional(),
  procedure: z.array(PromptValueSchema).optional(),
  outputRequired: z.record(z.string(), z.string()).optional(),
  verify: z.array(PromptValueSchema).optional(),
});
export type PromptBlocks = z.infer<typeof PromptBlocksSchema>;

/** `$defs/promptFragment`: text appended to a step's prompt when `when` matches the context. */
export const PromptFragmentSchema = z.strictObject({
  id: jsonString({ min: 1, max: 64, pattern: '^[a-z][a-z0-9_-]*$' }),
  when: ConditionSchema.optional(),
  text: jsonString({ min: 1, max: 4096 }),
});
export type PromptFragment = z.infer<typeof PromptFragmentSchema>;
