/**
 * The compiled form of a workflow: the contract between the compiler (`compiler/`) and the interpreter
 * (`interpreter/`). A CompiledWorkflow is plain JSON (no functions, no class instances) so it can be
 * stored as the session's pinned snapshot and hashed: `hash = canonicalHash(compiled without hash)`.
 *
 * Everything static is resolved at compile time (templateCall expansion, routines, features, wr.refs.*,
 * promptBlocks rendering, extension-point bindings, metricsProfile footers). What depends on run-time
 * context stays declarative: runConditions, loop conditions, promptFragments (`when`), `{{var}}`
 * interpolation of context and loop variables.
 */
import type { JsonObject } from '@worktrain/contracts';
import type { Condition } from './definition/condition-schema.js';

export const COMPILED_SCHEMA_VERSION = 1 as const;

export type Confirmation =
  | { readonly kind: 'none' }
  /** Interactive confirmation (WorkRail `requireConfirmation: true` or a condition). */
  | { readonly kind: 'confirmation'; readonly condition?: Condition }
  | { readonly kind: 'human_approval'; readonly condition?: Condition }
  | { readonly kind: 'coordinator_eval'; readonly condition?: Condition };

export interface CompiledStep {
  readonly kind: 'step';
  readonly id: string;
  readonly title: string;
  /** Rendered prompt text; may still contain `{{name}}` placeholders resolved from context at run time. */
  readonly prompt: string;
  /** Appended to the prompt at run time when `when` holds (or always when absent), in order. */
  readonly promptFragments: readonly {
    readonly id: string;
    readonly when?: Condition;
    readonly text: string;
  }[];
  readonly agentRole?: string;
  readonly modelTier?: 'lightweight' | 'mid' | 'heavy';
  readonly guidance: readonly string[];
  readonly runCondition?: Condition;
  readonly confirmation: Confirmation;
  /** Normalised validation criteria (WorkRail array form becomes `{ and: [...] }`). JSON as authored. */
  readonly validationCriteria?: JsonObject;
  readonly outputContract?: { readonly contractRef: string; readonly required: boolean };
  readonly assessmentRefs: readonly string[];
  readonly assessmentConsequences: readonly {
    readonly when: { readonly anyEqualsLevel: string; readonly forAssessment?: string };
    readonly effect: { readonly kind: 'require_followup'; readonly guidance: string };
  }[];
  /** False when `notesOptional` is set or an output contract is declared. */
  readonly notesRequired: boolean;
  /** Where a step came from when it was produced by a template/routine expansion. */
  readonly origin?: { readonly templateId: string; readonly callStepId: string };
  /**
   * System footer (metricsProfile instructions) that `prompt` already ends with. Renderers insert the
   * matching promptFragments before it so system instructions stay last, as in WorkRail. Additive field.
   */
  readonly promptFooter?: string;
  /** Set on steps the compiler injects for a step's `verification`/`audit` or a parallel step's `synthesis`. */
  readonly derivedFrom?: { readonly stepId: string; readonly kind: 'verification' | 'audit' | 'synthesis' };
}

export interface CompiledParallel {
  readonly kind: 'parallel';
  readonly id: string;
  readonly title: string;
  /** Rendered instructions listing the delegations for the agent (interactive) or coordinator (daemon). */
  readonly prompt: string;
  readonly delegations: readonly {
    readonly workflowId: string;
    readonly goal?: string;
    readonly runCondition?: Condition;
    readonly contextMapping?: Readonly<Record<string, string>>;
    readonly args?: Readonly<Record<string, string>>;
    readonly modelTier?: 'lightweight' | 'mid' | 'heavy';
    readonly allowedTools?: readonly string[];
  }[];
  readonly runCondition?: Condition;
  readonly confirmation: Confirmation;
  readonly notesRequired: boolean;
  readonly outputContract?: { readonly contractRef: string; readonly required: boolean };
}

export interface CompiledLoop {
  readonly kind: 'loop';
  readonly id: string;
  readonly title: string;
  readonly loopType: 'while' | 'until' | 'for' | 'forEach';
  readonly condition?: Condition;
  readonly conditionSource?:
    | { readonly kind: 'artifact_contract'; readonly contractRef: string; readonly loopId?: string }
    | { readonly kind: 'context_variable'; readonly condition: Condition };
  /** forEach: context variable holding the array. */
  readonly items?: string;
  /** for: a number or the name of a context variable holding one. */
  readonly count?: number | string;
  readonly maxIterations: number;
  /** Context variable names exposed in the body (defaults: currentIteration, currentItem, currentIndex). */
  readonly iterationVar: string;
  readonly itemVar: string;
  readonly indexVar: string;
  readonly body: readonly (CompiledStep | CompiledParallel)[];
  readonly runCondition?: Condition;
  readonly confirmation: Confirmation;
}

export type CompiledNode = CompiledStep | CompiledParallel | CompiledLoop;

export interface CompiledWorkflow {
  readonly compiledSchemaVersion: typeof COMPILED_SCHEMA_VERSION;
  readonly workflowId: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  /** `sha256:<hex>` of the RFC 8785 canonical form of this object without `hash`. */
  readonly hash: string;
  readonly metaGuidance: readonly string[];
  readonly recommendedPreferences?: {
    readonly recommendedAutonomy?: 'guided' | 'full_auto_stop_on_user_deps' | 'full_auto_never_stop';
    readonly recommendedRiskPolicy?: 'conservative' | 'balanced' | 'aggressive';
  };
  readonly references: readonly JsonObject[];
  /** Assessment definitions by id. */
  readonly assessments: Readonly<
    Record<
      string,
      {
        readonly id: string;
        readonly purpose: string;
        readonly dimensions: readonly {
          readonly id: string;
          readonly purpose: string;
          readonly levels: readonly string[];
          readonly required: boolean;
        }[];
      }
    >
  >;
  /** Top-level sequence. */
  readonly steps: readonly CompiledNode[];
  /** Display graph for previews and the console (steps, loop bodies, skip edges). */
  readonly graph: {
    readonly nodes: readonly {
      readonly id: string;
      readonly kind: 'step' | 'parallel' | 'loop';
      readonly title: string;
    }[];
    readonly edges: readonly {
      readonly from: string;
      readonly to: string;
      readonly kind: 'next' | 'loop_body' | 'loop_back' | 'conditional';
    }[];
  };
}
