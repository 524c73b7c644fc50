import type { JsonValue } from '@worktrain/contracts';
import * as z from 'zod';

/** A step as authored, reduced to what `workflow show` prints. */
export interface StepSummary {
  readonly id: string;
  readonly title: string;
  readonly type: 'step' | 'loop' | 'parallel';
  /** Present when the step only runs under a condition. */
  readonly conditional: boolean;
  readonly requiresConfirmation: boolean;
  /** `templateCall.templateId` when the step expands a template or routine. */
  readonly templateId?: string;
  /** Loops: kind and iteration cap. */
  readonly loop?: { readonly type: string; readonly maxIterations: number | null };
  /** Loops: the body steps (inline) or the id of the step used as body (`body: "step-id"`). */
  readonly body?: readonly StepSummary[] | string;
  /** Parallel steps: the delegated workflow ids. */
  readonly delegations?: readonly string[];
}

/** Metadata and steps of a workflow definition as authored. */
export interface WorkflowSummary {
  readonly workflowId: string;
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly about?: string;
  readonly preconditions: readonly string[];
  readonly metaGuidance: readonly string[];
  readonly features: readonly string[];
  readonly steps: readonly StepSummary[];
}

// Lenient reading schemas: the definition was validated by the engine already; these only pick fields
// for display and tolerate anything else (later schema versions, extensions).
const text = z.string().catch('');
const texts = z.array(z.string()).catch([]);

interface RawStep {
  id: string;
  title: string;
  type?: string | undefined;
  runCondition?: unknown;
  requireConfirmation?: unknown;
  templateCall?: { templateId: string } | undefined;
  loop?: { type: string; maxIterations?: number | undefined } | undefined;
  body?: RawStep[] | string | undefined;
  parallelDelegations?: { workflowId: string }[] | undefined;
}

const RawStepSchema: z.ZodType<RawStep> = z.lazy(() =>
  z.looseObject({
    id: text,
    title: text,
    type: z.string().optional().catch(undefined),
    runCondition: z.unknown().optional(),
    requireConfirmation: z.unknown().optional(),
    templateCall: z.looseObject({ templateId: z.string() }).optional().catch(undefined),
    loop: z
      .looseObject({ type: z.string(), maxIterations: z.number().optional().catch(undefined) })
      .optional()
      .catch(undefined),
    body: z
      .union([z.string(), z.array(RawStepSchema)])
      .optional()
      .catch(undefined),
    parallelDelegations: z
      .array(z.looseObject({ workflowId: z.string() }))
      .optional()
      .catch(undefined),
  }),
);

const RawWorkflowSchema = z.looseObject({
  id: text,
  name: text,
  version: text,
  description: text,
  about: z.string().optional().catch(undefined),
  preconditions: texts,
  metaGuidance: texts,
  features: texts,
  steps: z.array(RawStepSchema).catch([]),
});

function summarizeStep(step: RawStep): StepSummary {
  const type = step.type === 'loop' ? 'loop' : step.type === 'parallel' ? 'parallel' : 'step';
  const confirmation = step.requireConfirmation;
  return {
    id: step.id,
    title: step.title,
    type,
    conditional: step.runCondition !== undefined,
    requiresConfirmation: confirmation !== undefined && confirmation !== false,
    ...(step.templateCall ? { templateId: step.templateCall.templateId } : {}),
    ...(step.loop ? { loop: { type: step.loop.type, maxIterations: step.loop.maxIterations ?? null } } : {}),
    ...(step.body !== undefined
      ? { body: typeof step.body === 'string' ? step.body : step.body.map(summarizeStep) }
      : {}),
    ...(step.parallelDelegations ? { delegations: step.parallelDelegations.map((d) => d.workflowId) } : {}),
  };
}

/** Summarises a (validated) workflow definition for display. Never fails: missing fields become ''/[]. */
export function summarizeDefinition(definition: JsonValue): WorkflowSummary {
  const raw = RawWorkflowSchema.parse(definition ?? {});
  return {
    workflowId: raw.id,
    name: raw.name,
    version: raw.version,
    description: raw.description,
    ...(raw.about !== undefined ? { about: raw.about } : {}),
    preconditions: raw.preconditions,
    metaGuidance: raw.metaGuidance,
    features: raw.features,
    steps: raw.steps.map(summarizeStep),
  };
}
