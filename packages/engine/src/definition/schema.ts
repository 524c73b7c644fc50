/**
 * zod schema of a workflow definition: WorkRail's workflow JSON schema v0.3.0, mirrored exactly
 * (source: EtienneBBeaulac/workrail spec/workflow.schema.json, MIT; a copy lives in
 * `test/fixtures/third-party/workrail-workflows/` and a test cross-checks this schema against it with Ajv).
 *
 * How JSON Schema maps to zod here: `required` → non-optional; `additionalProperties: false` →
 * `z.strictObject`; `minLength`/`maxLength` count Unicode code points and `pattern` uses the `u` flag (as
 * Ajv does); `uniqueItems` compares items structurally; `oneOf` between exclusive branches dispatches on the
 * input (see `exclusiveOneOf`) so errors point into the intended branch; loopConfig's if/then rules are a
 * refinement. Defaults (`default: …`) are annotations in JSON Schema and are NOT applied: the parsed
 * definition is the author's JSON, unchanged, so its hash is stable.
 *
 * WorkTrain superset (deliberate, documented differences from the official schema, all informational —
 * they never change how a workflow runs): the fields of WorkRail's older example workflows that its bundled
 * corpus still ships (`examples/dashboard-template-workflow.json`): top-level `tags`, `tips`,
 * `autoRecognitionPatterns`, `examples` items that are objects (worked examples rather than goal strings),
 * and a step's `expectedOutput` object. Everything else is strict like the official schema; further
 * extensions go into one optional top-level `x-worktrain` object, so WorkRail workflows never change meaning.
 */
import * as z from 'zod';
import { exclusiveOneOf, isJsonObject, jsonArray, jsonNumber, jsonString } from './json-schema-zod.js';
import { FunctionDefinitionSchema, ModelTierSchema, WorkflowStepSchema } from './step-schema.js';

const SEMVER =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';

/** Workflow id: legacy `[a-z0-9_-]+` or namespaced `ns.name` (e.g. `wr.coding-task`), 3–64 chars. */
export const WorkflowIdSchema = jsonString({
  min: 3,
  max: 64,
  pattern: '^([a-z0-9_-]+|[a-z][a-z0-9_-]+\\.[a-z][a-z0-9_-]+)$',
});

/** `$defs/assessmentDimension`. */
export const AssessmentDimensionSchema = z.strictObject({
  id: jsonString({ min: 1, max: 64 }),
  purpose: jsonString({ min: 1, max: 256 }),
  levels: jsonArray(jsonString({ min: 1, max: 64 }), { min: 2, unique: true }),
  required: z.boolean().optional(),
});
export type AssessmentDimension = z.infer<typeof AssessmentDimensionSchema>;

/** `$defs/assessmentDefinition`: declared once, referenced by steps through `assessmentRefs`. */
export const AssessmentDefinitionSchema = z.strictObject({
  id: jsonString({ min: 1, max: 64 }),
  purpose: jsonString({ min: 1, max: 256 }),
  dimensions: jsonArray(AssessmentDimensionSchema, { min: 1 }),
});
export type AssessmentDefinition = z.infer<typeof AssessmentDefinitionSchema>;

/** `$defs/extensionPoint`: a slot referenced as `{{wr.bindings.<slotId>}}` in prompts. */
export const ExtensionPointSchema = z.strictObject({
  slotId: jsonString({ min: 2, max: 64, pattern: '^[a-z][a-z0-9_]*$' }),
  purpose: jsonString({ min: 1, max: 256 }),
  default: jsonString({ min: 1, max: 128 }),
  acceptedKinds: jsonArray(z.enum(['routine', 'workflow']), { unique: true }).optional(),
});
export type ExtensionPoint = z.infer<typeof ExtensionPointSchema>;

/** `$defs/workflowReference`: a pointer to a document (never inlined). */
export const WorkflowReferenceSchema = z.strictObject({
  id: jsonString({ min: 2, max: 64, pattern: '^[a-z][a-z0-9_-]*$' }),
  title: jsonString({ min: 1, max: 128 }),
  source: jsonString({ min: 1, max: 512 }),
  purpose: jsonString({ min: 1, max: 512 }),
  authoritative: z.boolean(),
  resolveFrom: z.enum(['workspace', 'package']).optional(),
});
export type WorkflowReference = z.infer<typeof WorkflowReferenceSchema>;

const ShortTextListSchema = jsonArray(jsonString({ min: 1, max: 256 }), { unique: true });

/** v0.3.0 `examples`: 1–6 short goal strings. */
const GoalExamplesSchema = jsonArray(jsonString({ min: 10, max: 120 }), { min: 1, max: 6, unique: true });
/** Superset: WorkRail's older worked examples (objects). Informational only. */
const LegacyExamplesSchema = jsonArray(z.record(z.string(), z.unknown()), { min: 1 });
// Exclusive: an array holding any object is a legacy worked-example list; otherwise the v0.3.0 form applies
// (so a wrong goal string still gets the official error wording and pointer).
const ExamplesSchema = exclusiveOneOf<typeof GoalExamplesSchema | typeof LegacyExamplesSchema>(
  (input) => (Array.isArray(input) && input.some(isJsonObject) ? LegacyExamplesSchema : GoalExamplesSchema),
  'an array of goal strings',
);

/** The top-level properties (kept as a shape so an `x-worktrain` extension can be added in one place). */
const WorkflowDefinitionShape = {
  id: WorkflowIdSchema,
  name: jsonString({ min: 1, max: 128 }),
  description: jsonString({ min: 1, max: 512 }),
  modelTier: ModelTierSchema.optional(),
  version: jsonString({ pattern: SEMVER }),
  preconditions: ShortTextListSchema.optional(),
  clarificationPrompts: ShortTextListSchema.optional(),
  steps: jsonArray(WorkflowStepSchema, { min: 1 }),
  metaGuidance: ShortTextListSchema.optional(),
  functionDefinitions: jsonArray(FunctionDefinitionSchema, { unique: true }).optional(),
  recommendedPreferences: z
    .strictObject({
      recommendedAutonomy: z
        .enum(['guided', 'full_auto_stop_on_user_deps', 'full_auto_never_stop'])
        .optional(),
      recommendedRiskPolicy: z.enum(['conservative', 'balanced', 'aggressive']).optional(),
    })
    .optional(),
  features: jsonArray(jsonString({ min: 1, max: 128 }), { unique: true }).optional(),
  assessments: jsonArray(AssessmentDefinitionSchema, { unique: true }).optional(),
  extensionPoints: jsonArray(ExtensionPointSchema, { unique: true }).optional(),
  references: jsonArray(WorkflowReferenceSchema, { unique: true }).optional(),
  validatedAgainstSpecVersion: jsonNumber({ min: 1, integer: true }).optional(),
  about: jsonString({ min: 1, max: 4096 }).optional(),
  examples: ExamplesSchema.optional(),
  metricsProfile: z.enum(['coding', 'review', 'research', 'design', 'ticket', 'none']).optional(),
  // WorkTrain superset: informational fields of WorkRail's older workflows (see the header comment).
  tags: jsonArray(jsonString({ min: 1, max: 64 }), { unique: true }).optional(),
  tips: jsonArray(jsonString({ min: 1 })).optional(),
  autoRecognitionPatterns: z.record(z.string(), jsonString({ min: 1 })).optional(),
};

/** A workflow definition (schema v0.3.0). Parse with `validateWorkflowDefinition` for semantic checks too. */
export const WorkflowDefinitionSchema = z.strictObject(WorkflowDefinitionShape);
export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;

export type { PromptBlocks, PromptFragment, PromptPart, PromptValue } from './prompt-schema.js';
export type {
  AssessmentConsequence,
  ConfirmationRule,
  FunctionCall,
  FunctionDefinition,
  FunctionParameter,
  LoopBodyStep,
  LoopConditionSource,
  LoopConfig,
  LoopStep,
  OutputContract,
  ParallelDelegation,
  ParallelStep,
  StandardStep,
  TemplateCall,
  WorkflowStep,
} from './step-schema.js';
export type {
  StepValidationCriteria,
  ValidationComposition,
  ValidationCriteria,
  ValidationRule,
} from './validation-schema.js';
