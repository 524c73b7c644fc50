/**
 * Step shapes of schema v0.3.0: `$defs/standardStep`, `loopStep`, `loopConfig`, `parallelStep`,
 * `parallelDelegation` and the parts they use (source: EtienneBBeaulac/workrail
 * spec/workflow.schema.json, MIT). JSON Schema `additionalProperties: false` → `z.strictObject`.
 */
import * as z from 'zod';
import { ConditionSchema } from './condition-schema.js';
import {
  exclusiveOneOf,
  isJsonObject,
  jsonArray,
  jsonNumber,
  jsonString,
  jsonTypeOf,
} from './json-schema-zod.js';
import { PromptBlocksSchema, PromptFragmentSchema } from './prompt-schema.js';
import { StepValidationCriteriaSchema } from './validation-schema.js';

const IDENTIFIER = '^[a-zA-Z_][a-zA-Z0-9_]*$';
const AnyObjectSchema = z.record(z.string(), z.unknown());

export const ModelTierSchema = z.enum(['lightweight', 'mid', 'heavy']);

/** `$defs/stepId`. */
export const StepIdSchema = jsonString({ min: 3, max: 64, pattern: '^[a-z0-9-]+$' });
const TitleSchema = jsonString({ min: 1, max: 128 });

/** `$defs/functionParameter`. */
export const FunctionParameterSchema = z.strictObject({
  name: jsonString({ pattern: IDENTIFIER }),
  type: z.enum(['string', 'number', 'boolean', 'array', 'object']),
  required: z.boolean().optional(),
  description: z.string().optional(),
  enum: jsonArray(
    exclusiveOneOf<z.ZodString | z.ZodNumber | z.ZodBoolean>((input) => {
      const type = jsonTypeOf(input);
      if (type === 'string') return z.string();
      if (type === 'number') return z.number();
      if (type === 'boolean') return z.boolean();
      return undefined;
    }, 'a string, number or boolean'),
    { min: 1 },
  ).optional(),
  default: z.unknown().optional(),
});
export type FunctionParameter = z.infer<typeof FunctionParameterSchema>;

/** `$defs/functionDefinition` (the workflow-level inline copy is identical). */
export const FunctionDefinitionSchema = z.strictObject({
  name: jsonString({ pattern: IDENTIFIER }),
  definition: z.string(),
  parameters: z.array(FunctionParameterSchema).optional(),
  scope: z.enum(['workflow', 'loop', 'step']).optional(),
});
export type FunctionDefinition = z.infer<typeof FunctionDefinitionSchema>;

/** `$defs/functionCall`. */
export const FunctionCallSchema = z.strictObject({
  name: jsonString({ pattern: IDENTIFIER }),
  args: AnyObjectSchema,
});
export type FunctionCall = z.infer<typeof FunctionCallSchema>;

/** `$defs/templateCall`: expands the step into steps at compile time. */
export const TemplateCallSchema = z.strictObject({
  templateId: jsonString({ min: 1, max: 128 }),
  args: AnyObjectSchema.optional(),
});
export type TemplateCall = z.infer<typeof TemplateCallSchema>;

/** `$defs/outputContract`: the typed artifact the step must produce (`wr.contracts.*`). */
export const OutputContractSchema = z.strictObject({
  contractRef: jsonString({ min: 1 }),
  required: z.boolean().optional(),
});
export type OutputContract = z.infer<typeof OutputContractSchema>;

const ConfirmationKindSchema = z.strictObject({
  kind: z.enum(['coordinator_eval', 'human_approval']),
  condition: ConditionSchema.optional(),
});

/**
 * `$defs/confirmationRule`: a boolean, a `{kind, condition?}` gate, or a condition. A condition object
 * cannot carry `kind`, so the presence of `kind` picks the gate branch (exact oneOf).
 */
export const ConfirmationRuleSchema = exclusiveOneOf<
  z.ZodBoolean | typeof ConfirmationKindSchema | typeof ConditionSchema
>((input) => {
  if (typeof input === 'boolean') return z.boolean();
  if (!isJsonObject(input)) return undefined;
  return 'kind' in input ? ConfirmationKindSchema : ConditionSchema;
}, 'a boolean, a condition, or {"kind":"human_approval"|"coordinator_eval","condition"?}');
export type ConfirmationRule = z.infer<typeof ConfirmationRuleSchema>;

/** `$defs/assessmentConsequence` (trigger + the v1 `require_followup` effect). */
export const AssessmentConsequenceSchema = z.strictObject({
  when: z.strictObject({
    anyEqualsLevel: jsonString({ min: 1, max: 64 }),
    forAssessment: jsonString({ min: 1, max: 128 }).optional(),
  }),
  effect: z.strictObject({ kind: z.literal('require_followup'), guidance: jsonString({ min: 1, max: 512 }) }),
});
export type AssessmentConsequence = z.infer<typeof AssessmentConsequenceSchema>;

/** `$defs/auditConfig`. */
export const AuditConfigSchema = z.strictObject({
  prompt: jsonString({ min: 1, max: 4096 }).optional(),
  rubric: jsonArray(z.string(), { min: 1 }).optional(),
});
/** `$defs/verificationConfig`. */
export const VerificationConfigSchema = z.strictObject({
  command: jsonString({ min: 1, max: 1024 }).optional(),
  prompt: jsonString({ min: 1, max: 4096 }).optional(),
});
/** `$defs/synthesisConfig`. */
export const SynthesisConfigSchema = z.strictObject({
  prompt: jsonString({ min: 1, max: 4096 }).optional(),
  outputContract: OutputContractSchema.optional(),
});

/**
 * `$defs/standardStep`. `type` is declared as always absent so the step union can dispatch on it
 * (a standard step has no `type` property in the official schema).
 */
export const StandardStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.undefined().optional(),
  title: TitleSchema,
  prompt: jsonString({ min: 1, max: 8192 }).optional(),
  promptBlocks: PromptBlocksSchema.optional(),
  agentRole: jsonString({ min: 10, max: 1024 }).optional(),
  modelTier: ModelTierSchema.optional(),
  guidance: z.array(z.string()).optional(),
  askForFiles: z.boolean().optional(),
  hasValidation: z.boolean().optional(),
  /** WorkTrain superset: informational `expectedOutput` of WorkRail's older workflows; never enforced. */
  expectedOutput: z.record(z.string(), z.unknown()).optional(),
  requireConfirmation: ConfirmationRuleSchema.optional(),
  runCondition: ConditionSchema.optional(),
  validationCriteria: StepValidationCriteriaSchema.optional(),
  outputContract: OutputContractSchema.optional(),
  assessmentRefs: jsonArray(jsonString({ min: 1, max: 64 }), { min: 1, unique: true }).optional(),
  assessmentConsequences: jsonArray(AssessmentConsequenceSchema, { min: 1, max: 10 }).optional(),
  notesOptional: z.boolean().optional(),
  functionDefinitions: z.array(FunctionDefinitionSchema).optional(),
  functionCalls: z.array(FunctionCallSchema).optional(),
  functionReferences: z.array(jsonString({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*\\(\\)$' })).optional(),
  templateCall: TemplateCallSchema.optional(),
  promptFragments: jsonArray(PromptFragmentSchema, { min: 1 }).optional(),
  audit: AuditConfigSchema.optional(),
  verification: VerificationConfigSchema.optional(),
});
export type StandardStep = z.infer<typeof StandardStepSchema>;

/** `$defs/parallelDelegation`: one subagent or routine run concurrently. */
export const ParallelDelegationSchema = z.strictObject({
  workflowId: jsonString({ min: 1, max: 128 }),
  goal: z.string().optional(),
  runCondition: ConditionSchema.optional(),
  contextMapping: z.record(z.string(), z.string()).optional(),
  args: z.record(z.string(), z.string()).optional(),
  modelTier: ModelTierSchema.optional(),
  allowedTools: jsonArray(jsonString({ pattern: '^[a-zA-Z][a-zA-Z0-9_:\\-]*$' }), { min: 1 }).optional(),
});
export type ParallelDelegation = z.infer<typeof ParallelDelegationSchema>;

/** `$defs/parallelStep`. */
export const ParallelStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('parallel'),
  title: TitleSchema,
  parallelDelegations: jsonArray(ParallelDelegationSchema, { min: 1, unique: true }),
  requireConfirmation: ConfirmationRuleSchema.optional(),
  runCondition: ConditionSchema.optional(),
  notesOptional: z.boolean().optional(),
  synthesis: SynthesisConfigSchema.optional(),
});
export type ParallelStep = z.infer<typeof ParallelStepSchema>;

const ArtifactConditionSourceSchema = z.strictObject({
  kind: z.literal('artifact_contract'),
  contractRef: jsonString({ min: 1 }),
  loopId: jsonString({ min: 1 }).optional(),
});
const ContextConditionSourceSchema = z.strictObject({
  kind: z.literal('context_variable'),
  condition: ConditionSchema,
});

/** `loopConfig.conditionSource`: exclusive by the `kind` constant. */
export const LoopConditionSourceSchema = exclusiveOneOf<
  typeof ArtifactConditionSourceSchema | typeof ContextConditionSourceSchema
>((input) => {
  const kind = isJsonObject(input) ? input.kind : undefined;
  if (kind === 'artifact_contract') return ArtifactConditionSourceSchema;
  if (kind === 'context_variable') return ContextConditionSourceSchema;
  return undefined;
}, '{"kind":"artifact_contract","contractRef",…} or {"kind":"context_variable","condition"}');
export type LoopConditionSource = z.infer<typeof LoopConditionSourceSchema>;

const LoopCountNumberSchema = jsonNumber({ min: 0, max: 1000 });

/**
 * `$defs/loopConfig`, including its `allOf` if/then rules: while/until need `condition` or
 * `conditionSource`, `for` needs `count`, `forEach` needs `items`. Note `maxIterations` and `count` are
 * JSON numbers, not integers, in the official schema.
 */
export const LoopConfigSchema = z
  .strictObject({
    type: z.enum(['while', 'until', 'for', 'forEach']),
    condition: ConditionSchema.optional(),
    items: z.string().optional(),
    count: exclusiveOneOf<typeof LoopCountNumberSchema | z.ZodString>((input) => {
      const type = jsonTypeOf(input);
      if (type === 'number') return LoopCountNumberSchema;
      if (type === 'string') return z.string();
      return undefined;
    }, 'a number (0..1000) or the name of a context variable').optional(),
    maxIterations: jsonNumber({ min: 1, max: 1000 }),
    iterationVar: jsonString({ pattern: IDENTIFIER }).optional(),
    itemVar: jsonString({ pattern: IDENTIFIER }).optional(),
    indexVar: jsonString({ pattern: IDENTIFIER }).optional(),
    conditionSource: LoopConditionSourceSchema.optional(),
  })
  .superRefine((loop, ctx) => {
    if (
      (loop.type === 'while' || loop.type === 'until') &&
      loop.condition === undefined &&
      loop.conditionSource === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['condition'],
        message: `a '${loop.type}' loop needs 'condition' or 'conditionSource'`,
      });
    }
    if (loop.type === 'for' && loop.count === undefined) {
      ctx.addIssue({ code: 'custom', path: ['count'], message: "a 'for' loop needs 'count'" });
    }
    if (loop.type === 'forEach' && loop.items === undefined) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: "a 'forEach' loop needs 'items'" });
    }
  });
export type LoopConfig = z.infer<typeof LoopConfigSchema>;

/** A step allowed inside an inline loop body: standard or parallel (no nested loops). */
export const LoopBodyStepSchema = z.discriminatedUnion('type', [StandardStepSchema, ParallelStepSchema]);
export type LoopBodyStep = z.infer<typeof LoopBodyStepSchema>;

const LoopBodyListSchema = jsonArray(LoopBodyStepSchema, { min: 1 });

/** `$defs/loopStep`. `body` is the id of an existing step or an inline array (exclusive by JSON type). */
export const LoopStepSchema = z.strictObject({
  id: StepIdSchema,
  type: z.literal('loop'),
  title: TitleSchema,
  loop: LoopConfigSchema,
  body: exclusiveOneOf<z.ZodString | typeof LoopBodyListSchema>((input) => {
    const type = jsonTypeOf(input);
    if (type === 'string') return z.string();
    if (type === 'array') return LoopBodyListSchema;
    return undefined;
  }, 'a step id or an array of steps'),
  functionDefinitions: z.array(FunctionDefinitionSchema).optional(),
  requireConfirmation: ConfirmationRuleSchema.optional(),
  runCondition: ConditionSchema.optional(),
  notesOptional: z.boolean().optional(),
});
export type LoopStep = z.infer<typeof LoopStepSchema>;

/** A top-level step: standard (no `type`), `loop` or `parallel`. */
export const WorkflowStepSchema = z.discriminatedUnion('type', [
  StandardStepSchema,
  LoopStepSchema,
  ParallelStepSchema,
]);
export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;
