/**
 * The shapes the compiler reads from a workflow definition (WorkRail schema v0.3.0). Declared structurally,
 * with only the fields the compiler uses, so the validated `WorkflowDefinition` of `definition/` (and plain
 * parsed JSON of the same shape) is accepted as is.
 */
import type { Condition } from '../definition/condition-schema.js';

export type SourcePromptPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'ref'; readonly refId: string };

/** A plain string, or parts mixing literal text and `wr.refs.*` references. */
export type SourcePromptValue = string | readonly SourcePromptPart[];

export interface SourcePromptBlocks {
  readonly goal?: SourcePromptValue;
  readonly constraints?: readonly SourcePromptValue[];
  readonly procedure?: readonly SourcePromptValue[];
  readonly outputRequired?: Readonly<Record<string, string>>;
  readonly verify?: readonly SourcePromptValue[];
}

export type SourceConfirmation =
  | boolean
  | { readonly kind: 'coordinator_eval' | 'human_approval'; readonly condition?: Condition }
  | Condition;

export interface SourceOutputContract {
  readonly contractRef: string;
  readonly required?: boolean;
}

export interface SourcePromptFragment {
  readonly id: string;
  readonly when?: Condition;
  readonly text: string;
}

export interface SourceAssessmentConsequence {
  readonly when: { readonly anyEqualsLevel: string; readonly forAssessment?: string };
  readonly effect: { readonly kind: 'require_followup'; readonly guidance: string };
}

export interface SourceStandardStep {
  readonly id: string;
  readonly title: string;
  readonly type?: undefined;
  readonly prompt?: string;
  readonly promptBlocks?: SourcePromptBlocks;
  readonly agentRole?: string;
  readonly modelTier?: 'lightweight' | 'mid' | 'heavy';
  readonly guidance?: readonly string[];
  readonly requireConfirmation?: SourceConfirmation;
  readonly runCondition?: Condition;
  readonly validationCriteria?: unknown;
  readonly outputContract?: SourceOutputContract;
  readonly assessmentRefs?: readonly string[];
  readonly assessmentConsequences?: readonly SourceAssessmentConsequence[];
  readonly notesOptional?: boolean;
  readonly templateCall?: { readonly templateId: string; readonly args?: Readonly<Record<string, unknown>> };
  readonly promptFragments?: readonly SourcePromptFragment[];
  readonly audit?: { readonly prompt?: string; readonly rubric?: readonly string[] };
  readonly verification?: { readonly command?: string; readonly prompt?: string };
}

export interface SourceDelegation {
  readonly workflowId: string;
  readonly goal?: string;
  readonly runCondition?: Condition;
  readonly contextMapping?: Readonly<Record<string, string>>;
  readonly args?: Readonly<Record<string, string>>;
  readonly modelTier?: 'lightweight' | 'mid' | 'heavy';
  readonly allowedTools?: readonly string[];
}

export interface SourceParallelStep {
  readonly id: string;
  readonly type: 'parallel';
  readonly title: string;
  readonly parallelDelegations: readonly SourceDelegation[];
  readonly requireConfirmation?: SourceConfirmation;
  readonly runCondition?: Condition;
  readonly notesOptional?: boolean;
  readonly synthesis?: { readonly prompt?: string; readonly outputContract?: SourceOutputContract };
}

export interface SourceLoopConfig {
  readonly type: 'while' | 'until' | 'for' | 'forEach';
  readonly condition?: Condition;
  readonly items?: string;
  readonly count?: number | string;
  readonly maxIterations: number;
  readonly iterationVar?: string;
  readonly itemVar?: string;
  readonly indexVar?: string;
  readonly conditionSource?:
    | { readonly kind: 'artifact_contract'; readonly contractRef: string; readonly loopId?: string }
    | { readonly kind: 'context_variable'; readonly condition: Condition };
}

export interface SourceLoopStep {
  readonly id: string;
  readonly type: 'loop';
  readonly title: string;
  readonly loop: SourceLoopConfig;
  readonly body: string | readonly (SourceStandardStep | SourceParallelStep)[];
  readonly requireConfirmation?: SourceConfirmation;
  readonly runCondition?: Condition;
  readonly notesOptional?: boolean;
}

export type SourceStep = SourceStandardStep | SourceParallelStep | SourceLoopStep;

export interface SourceExtensionPoint {
  readonly slotId: string;
  readonly purpose: string;
  readonly default: string;
}

export interface SourceAssessment {
  readonly id: string;
  readonly purpose: string;
  readonly dimensions: readonly {
    readonly id: string;
    readonly purpose: string;
    readonly levels: readonly string[];
    readonly required?: boolean;
  }[];
}

export type MetricsProfile = 'coding' | 'review' | 'research' | 'design' | 'ticket' | 'none';

/** The parts of a workflow (or routine) definition the compiler reads. */
export interface SourceWorkflow {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly steps: readonly SourceStep[];
  readonly metaGuidance?: readonly string[];
  readonly features?: readonly string[];
  readonly extensionPoints?: readonly SourceExtensionPoint[];
  readonly references?: readonly object[];
  readonly assessments?: readonly SourceAssessment[];
  readonly recommendedPreferences?: {
    readonly recommendedAutonomy?: 'guided' | 'full_auto_stop_on_user_deps' | 'full_auto_never_stop';
    readonly recommendedRiskPolicy?: 'conservative' | 'balanced' | 'aggressive';
  };
  readonly metricsProfile?: MetricsProfile;
}

export function isLoopStep(step: SourceStep): step is SourceLoopStep {
  return step.type === 'loop';
}

export function isParallelStep(step: SourceStep): step is SourceParallelStep {
  return step.type === 'parallel';
}

export function isStandardStep(step: SourceStep): step is SourceStandardStep {
  return step.type !== 'loop' && step.type !== 'parallel';
}
