import { err, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';
import type { FeatureDefinition } from '../builtins/features.js';
import type { CompiledLoop, CompiledParallel, CompiledStep } from '../compiled.js';
import type { Condition } from '../definition/condition-schema.js';
import { compileFailed } from './errors.js';
import { metricsFooter } from './metrics.js';
import { renderParallelPrompt } from './parallel-prompt.js';
import { type BindingScope, baseStepPrompt, containsWrToken } from './prompt-text.js';
import { requirementSections } from './requirements.js';
import type {
  MetricsProfile,
  SourceAssessment,
  SourceLoopStep,
  SourceParallelStep,
  SourceStandardStep,
} from './source-types.js';
import {
  type CheckContext,
  checkAssessments,
  checkContract,
  normaliseConfirmation,
  normaliseContract,
  normaliseValidationCriteria,
} from './step-fields.js';
import type { PlacedStep } from './templates.js';

export const LOOP_CONTROL_CONTRACT_REF = 'wr.contracts.loop_control';

export interface NodeContext extends CheckContext {
  readonly scope: BindingScope;
  readonly features: readonly { readonly feature: FeatureDefinition; readonly pointer: string }[];
  readonly assessments: ReadonlyMap<string, SourceAssessment>;
  readonly contractRefs: ReadonlySet<string>;
  readonly metricsProfile: MetricsProfile | undefined;
  /** Ids of the steps that get the final-step metrics footer. */
  readonly finalStepIds: ReadonlySet<string>;
}

/** Builds a compiled step from already-rendered base text, appending system sections and the footer. */
function finishStep(
  fields: Omit<CompiledStep, 'kind' | 'prompt' | 'promptFooter'>,
  base: string,
  assessments: readonly SourceAssessment[],
  footer: string,
): CompiledStep {
  const prompt =
    base +
    requirementSections({
      validationCriteria: fields.validationCriteria,
      outputContract: fields.outputContract,
      assessments,
      notesRequired: fields.notesRequired,
    }) +
    footer;
  return { kind: 'step', ...fields, prompt, ...(footer.length > 0 ? { promptFooter: footer } : {}) };
}

function virtualStep(
  parent: { id: string; title: string; runCondition?: Condition },
  kind: 'verification' | 'audit' | 'synthesis',
  title: string,
  base: string,
  ctx: NodeContext,
  outputContract?: CompiledStep['outputContract'],
): CompiledStep {
  return finishStep(
    {
      id: `${parent.id}__${kind}`,
      title,
      promptFragments: [],
      guidance: [],
      ...(parent.runCondition !== undefined ? { runCondition: parent.runCondition } : {}),
      confirmation: { kind: 'none' },
      ...(outputContract !== undefined ? { outputContract } : {}),
      assessmentRefs: [],
      assessmentConsequences: [],
      notesRequired: false,
      derivedFrom: { stepId: parent.id, kind },
    },
    base,
    [],
    metricsFooter(ctx.metricsProfile, false),
  );
}

function verificationPrompt(step: SourceStandardStep): string {
  const config = step.verification ?? {};
  if (config.prompt !== undefined) return config.prompt;
  if (config.command !== undefined) {
    return `Verify the work of "${step.title}" by running this command:\n\n\`\`\`bash\n${config.command}\n\`\`\`\n\nIt must succeed. Report the outcome, and any failure with its output.`;
  }
  return `Verify the work of "${step.title}": run the checks this workspace has for it (tests, build, linters) and report the results, including every failure.`;
}

function auditPrompt(step: SourceStandardStep): string {
  const config = step.audit ?? {};
  if (config.prompt !== undefined) return config.prompt;
  const rubric = config.rubric ?? [];
  return (
    `Audit what "${step.title}" produced: is it complete, correct and of the expected quality?` +
    (rubric.length > 0
      ? `\n\nJudge it against this rubric:\n${rubric.map((r) => `- ${r}`).join('\n')}`
      : '') +
    '\n\nState whether the audit passed, and list the corrections needed if it did not.'
  );
}

/** Compiles a standard step and its virtual verification/audit steps. */
export function compileStandardStep(
  placed: PlacedStep<SourceStandardStep>,
  ctx: NodeContext,
): Result<CompiledStep[], EngineError> {
  const { step, pointer, origin } = placed;
  if (step.outputContract !== undefined) {
    const problem = checkContract(step.outputContract, `${pointer}/outputContract/contractRef`, step.id, ctx);
    if (problem !== undefined) return err(problem);
  }
  const assessmentProblem = checkAssessments(step, pointer, ctx);
  if (assessmentProblem !== undefined) return err(assessmentProblem);
  const base = baseStepPrompt(step, pointer, ctx.scope, ctx.features);
  if (base.isErr()) return err(base.error);
  const fragments = step.promptFragments ?? [];
  for (const [index, fragment] of fragments.entries()) {
    if (containsWrToken(fragment.text)) {
      return err(
        compileFailed(
          `Step '${step.id}' prompt fragment '${fragment.id}' contains a {{wr.*}} token; fragments must not.`,
          `${pointer}/promptFragments/${index}/text`,
          {
            stepId: step.id,
          },
        ),
      );
    }
  }
  const outputContract = normaliseContract(step.outputContract);
  const validationCriteria = normaliseValidationCriteria(step.validationCriteria);
  const assessmentRefs = step.assessmentRefs ?? [];
  const compiled = finishStep(
    {
      id: step.id,
      title: step.title,
      promptFragments: fragments.map((f) =>
        f.when === undefined ? { id: f.id, text: f.text } : { id: f.id, when: f.when, text: f.text },
      ),
      ...(step.agentRole !== undefined ? { agentRole: step.agentRole } : {}),
      ...(step.modelTier !== undefined ? { modelTier: step.modelTier } : {}),
      guidance: step.guidance ?? [],
      ...(step.runCondition !== undefined ? { runCondition: step.runCondition } : {}),
      confirmation: normaliseConfirmation(step.requireConfirmation),
      ...(validationCriteria !== undefined ? { validationCriteria } : {}),
      ...(outputContract !== undefined ? { outputContract } : {}),
      assessmentRefs,
      assessmentConsequences: (step.assessmentConsequences ?? []).map((c) => ({
        when:
          c.when.forAssessment === undefined
            ? { anyEqualsLevel: c.when.anyEqualsLevel }
            : { anyEqualsLevel: c.when.anyEqualsLevel, forAssessment: c.when.forAssessment },
        effect: { kind: c.effect.kind, guidance: c.effect.guidance },
      })),
      notesRequired: step.notesOptional !== true && outputContract === undefined,
      ...(origin !== undefined ? { origin } : {}),
    },
    base.value,
    assessmentRefs.flatMap((ref) => {
      const assessment = ctx.assessments.get(ref);
      return assessment === undefined ? [] : [assessment];
    }),
    metricsFooter(ctx.metricsProfile, ctx.finalStepIds.has(step.id)),
  );
  const out = [compiled];
  if (step.verification !== undefined)
    out.push(virtualStep(step, 'verification', `Verify: ${step.title}`, verificationPrompt(step), ctx));
  if (step.audit !== undefined)
    out.push(virtualStep(step, 'audit', `Audit: ${step.title}`, auditPrompt(step), ctx));
  return ok(out);
}

/** Compiles a parallel step and its virtual synthesis step. */
export function compileParallelStep(
  placed: PlacedStep<SourceParallelStep>,
  ctx: NodeContext,
): Result<(CompiledParallel | CompiledStep)[], EngineError> {
  const { step, pointer } = placed;
  const delegations: CompiledParallel['delegations'] = step.parallelDelegations.map((d) => ({
    workflowId: d.workflowId,
    ...(d.goal !== undefined ? { goal: d.goal } : {}),
    ...(d.runCondition !== undefined ? { runCondition: d.runCondition } : {}),
    ...(d.contextMapping !== undefined ? { contextMapping: d.contextMapping } : {}),
    ...(d.args !== undefined ? { args: d.args } : {}),
    ...(d.modelTier !== undefined ? { modelTier: d.modelTier } : {}),
    ...(d.allowedTools !== undefined ? { allowedTools: d.allowedTools } : {}),
  }));
  const parallel: CompiledParallel = {
    kind: 'parallel',
    id: step.id,
    title: step.title,
    prompt: renderParallelPrompt(delegations, undefined),
    delegations,
    ...(step.runCondition !== undefined ? { runCondition: step.runCondition } : {}),
    confirmation: normaliseConfirmation(step.requireConfirmation),
    notesRequired: step.notesOptional !== true,
  };
  const out: (CompiledParallel | CompiledStep)[] = [parallel];
  if (step.synthesis !== undefined) {
    const contract = step.synthesis.outputContract;
    if (contract !== undefined) {
      const problem = checkContract(
        contract,
        `${pointer}/synthesis/outputContract/contractRef`,
        step.id,
        ctx,
      );
      if (problem !== undefined) return err(problem);
    }
    const base =
      step.synthesis.prompt ??
      `Merge the results of the parallel delegations of "${step.title}". Settle contradictions explicitly, say which result each conclusion rests on, and produce one consolidated report.`;
    out.push(
      virtualStep(step, 'synthesis', `Synthesis: ${step.title}`, base, ctx, normaliseContract(contract)),
    );
  }
  return ok(out);
}

/** Compiles a loop whose body steps were already expanded (templates, string body reference). */
export function compileLoop(
  loopStep: SourceLoopStep,
  pointer: string,
  body: readonly PlacedStep<SourceStandardStep | SourceParallelStep>[],
  ctx: NodeContext,
): Result<CompiledLoop, EngineError> {
  const compiledBody: (CompiledStep | CompiledParallel)[] = [];
  for (const placed of body) {
    const nodes =
      placed.step.type === 'parallel'
        ? compileParallelStep({ ...placed, step: placed.step }, ctx)
        : compileStandardStep({ ...placed, step: placed.step }, ctx);
    if (nodes.isErr()) return err(nodes.error);
    compiledBody.push(...nodes.value);
  }
  const config = loopStep.loop;
  let conditionSource: CompiledLoop['conditionSource'];
  if (config.conditionSource !== undefined) {
    const source = config.conditionSource;
    if (source.kind === 'artifact_contract') {
      const problem = checkContract(source, `${pointer}/loop/conditionSource/contractRef`, loopStep.id, ctx);
      if (problem !== undefined) return err(problem);
    }
    conditionSource =
      source.kind === 'artifact_contract'
        ? {
            kind: 'artifact_contract',
            contractRef: source.contractRef,
            ...(source.loopId !== undefined ? { loopId: source.loopId } : {}),
          }
        : { kind: 'context_variable', condition: source.condition };
  } else if (config.type === 'while' || config.type === 'until') {
    // WorkRail derivation: a body step emitting the loop-control contract drives the loop; else the condition.
    const exit = compiledBody.find((s) => s.outputContract?.contractRef === LOOP_CONTROL_CONTRACT_REF);
    if (exit !== undefined)
      conditionSource = {
        kind: 'artifact_contract',
        contractRef: LOOP_CONTROL_CONTRACT_REF,
        loopId: loopStep.id,
      };
    else if (config.condition !== undefined)
      conditionSource = { kind: 'context_variable', condition: config.condition };
  }
  return ok({
    kind: 'loop',
    id: loopStep.id,
    title: loopStep.title,
    loopType: config.type,
    ...(config.condition !== undefined ? { condition: config.condition } : {}),
    ...(conditionSource !== undefined ? { conditionSource } : {}),
    ...(config.items !== undefined ? { items: config.items } : {}),
    ...(config.count !== undefined ? { count: config.count } : {}),
    maxIterations: config.maxIterations,
    iterationVar: config.iterationVar || 'currentIteration',
    itemVar: config.itemVar || 'currentItem',
    indexVar: config.indexVar || 'currentIndex',
    body: compiledBody,
    ...(loopStep.runCondition !== undefined ? { runCondition: loopStep.runCondition } : {}),
    confirmation: normaliseConfirmation(loopStep.requireConfirmation),
  });
}
