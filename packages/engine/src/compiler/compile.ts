/**
 * `compileWorkflow`: a validated workflow definition → a pinned, hashed `CompiledWorkflow`.
 *
 * Passes, in WorkRail's order (EtienneBBeaulac/workrail `src/application/services/workflow-compiler.ts`,
 * MIT): template calls expanded (routines injected) → `{{wr.bindings.*}}` resolved (project binding, else
 * the extension point default) → features applied to `promptBlocks` → `wr.refs.*` resolved → `promptBlocks`
 * rendered (goal, constraints, procedure, outputRequired, verify) → leftover `{{wr.*}}` rejected. Then the
 * system sections (output requirements, contract, assessments, notes) and metricsProfile footers are added,
 * loops get their defaults and condition source, virtual verification/audit/synthesis steps are injected,
 * contract refs and assessment refs are checked, and the result is pinned with
 * `hash = canonicalHash(compiled without hash)` (RFC 8785 JCS + sha256).
 *
 * Deterministic: the same definition, bindings and routines always give the same object and hash. Pure
 * (no I/O) and never throws on a definition of the declared shape; every problem is a `COMPILE_FAILED`
 * error with a JSON pointer into the definition.
 */
import { canonicalHash, err, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';
import { knownContractRefs } from '../artifact-contracts/registry.js';
import { type FeatureDefinition, findFeature, knownFeatureIds } from '../builtins/features.js';
import { COMPILED_SCHEMA_VERSION, type CompiledNode, type CompiledWorkflow } from '../compiled.js';
import { compileFailed } from './errors.js';
import { buildGraph } from './graph.js';
import { toJsonObject } from './json.js';
import {
  compileLoop,
  compileParallelStep,
  compileStandardStep,
  LOOP_CONTROL_CONTRACT_REF,
  type NodeContext,
} from './nodes.js';
import {
  isLoopStep,
  type SourceParallelStep,
  type SourceStandardStep,
  type SourceStep,
  type SourceWorkflow,
} from './source-types.js';
import { expandSequence, type PlacedStep, type RoutineResolver } from './templates.js';

export interface CompileOptions {
  /** Project binding overrides, slot id → routine/workflow id (see `loadBindings`). */
  readonly bindings?: Readonly<Record<string, string>>;
  /**
   * Routine definitions for `wr.templates.routine.<name>`, looked up by id (`wr.routine-<name>`, then
   * `routine-<name>`, then `<name>`; see `templateRoutineCandidates`). Built-in routines answer otherwise.
   */
  readonly resolveRoutine?: RoutineResolver;
}

type BodyPlaced = PlacedStep<SourceStandardStep | SourceParallelStep>;
type TopPlaced = PlacedStep<SourceStep>;

function resolveFeatures(
  definition: SourceWorkflow,
): Result<{ feature: FeatureDefinition; pointer: string }[], EngineError> {
  const out: { feature: FeatureDefinition; pointer: string }[] = [];
  for (const [index, id] of (definition.features ?? []).entries()) {
    const feature = findFeature(id);
    if (feature === undefined) {
      return err(
        compileFailed(
          `Unknown feature '${id}'. Known features: ${knownFeatureIds().join(', ')}.`,
          `/features/${index}`,
          {
            featureId: id,
            knownFeatureIds: knownFeatureIds(),
          },
        ),
      );
    }
    out.push({ feature, pointer: `/features/${index}` });
  }
  return ok(out);
}

/** Loop bodies given as a step id take that top-level step out of the sequence (it only runs in the loop). */
function attachBodies(
  top: readonly TopPlaced[],
  resolve: RoutineResolver | undefined,
): Result<{ sequence: TopPlaced[]; bodies: Map<string, BodyPlaced[]> }, EngineError> {
  const byId = new Map(top.map((p) => [p.step.id, p]));
  const taken = new Map<string, string>();
  const bodies = new Map<string, BodyPlaced[]>();
  for (const placed of top) {
    const loop = placed.step;
    if (!isLoopStep(loop)) continue;
    if (typeof loop.body === 'string') {
      const target = byId.get(loop.body);
      const at = `${placed.pointer}/body`;
      if (target === undefined) {
        return err(
          compileFailed(`Loop '${loop.id}' body references missing step '${loop.body}'.`, at, {
            stepId: loop.id,
          }),
        );
      }
      if (isLoopStep(target.step)) {
        return err(
          compileFailed(
            `Loop '${loop.id}' body references loop '${loop.body}'; nested loops are not supported.`,
            at,
            { stepId: loop.id },
          ),
        );
      }
      const owner = taken.get(loop.body);
      if (owner !== undefined) {
        return err(
          compileFailed(
            `Step '${loop.body}' is the body of both loop '${owner}' and loop '${loop.id}'.`,
            at,
            { stepId: loop.id },
          ),
        );
      }
      taken.set(loop.body, loop.id);
      bodies.set(loop.id, [{ ...target, step: target.step }]);
    } else {
      const expanded = expandSequence(loop.body, `${placed.pointer}/body`, resolve);
      if (expanded.isErr()) return err(expanded.error);
      bodies.set(loop.id, expanded.value);
    }
  }
  return ok({ sequence: top.filter((p) => !taken.has(p.step.id)), bodies });
}

/** Steps that get the final-step metrics footer: the last top-level step, or the last work step of a final loop. */
function finalStepIds(
  sequence: readonly TopPlaced[],
  bodies: ReadonlyMap<string, BodyPlaced[]>,
): Set<string> {
  const last = sequence[sequence.length - 1];
  if (last === undefined) return new Set();
  if (!isLoopStep(last.step)) return last.step.type === 'parallel' ? new Set() : new Set([last.step.id]);
  const body = bodies.get(last.step.id) ?? [];
  const work = [...body]
    .reverse()
    .find(
      (p) => p.step.type !== 'parallel' && p.step.outputContract?.contractRef !== LOOP_CONTROL_CONTRACT_REF,
    );
  return work === undefined ? new Set() : new Set([work.step.id]);
}

function compileNodes(
  sequence: readonly TopPlaced[],
  bodies: ReadonlyMap<string, BodyPlaced[]>,
  ctx: NodeContext,
): Result<CompiledNode[], EngineError> {
  const nodes: CompiledNode[] = [];
  for (const placed of sequence) {
    const step = placed.step;
    if (isLoopStep(step)) {
      const loop = compileLoop(step, placed.pointer, bodies.get(step.id) ?? [], ctx);
      if (loop.isErr()) return err(loop.error);
      nodes.push(loop.value);
    } else if (step.type === 'parallel') {
      const out = compileParallelStep({ ...placed, step }, ctx);
      if (out.isErr()) return err(out.error);
      nodes.push(...out.value);
    } else {
      const out = compileStandardStep({ ...placed, step }, ctx);
      if (out.isErr()) return err(out.error);
      nodes.push(...out.value);
    }
  }
  return ok(nodes);
}

function checkUniqueIds(nodes: readonly CompiledNode[]): EngineError | undefined {
  const seen = new Set<string>();
  const all = nodes.flatMap((n) => (n.kind === 'loop' ? [n, ...n.body] : [n]));
  for (const node of all) {
    if (seen.has(node.id)) {
      return compileFailed(
        `Duplicate step id '${node.id}' after template expansion and virtual steps.`,
        '/steps',
        { stepId: node.id },
      );
    }
    seen.add(node.id);
  }
  return undefined;
}

/**
 * Compiles a validated definition (see `validateWorkflowDefinition`). Errors: `COMPILE_FAILED` with
 * `details.pointer` (RFC 6901) for unknown templates, routines args, features, refs, binding slots, contract
 * refs, assessment refs, bad loop bodies, prompt/promptBlocks conflicts, leftover `{{wr.*}}` tokens and
 * duplicate step ids.
 */
export function compileWorkflow(
  definition: SourceWorkflow,
  options: CompileOptions = {},
): Result<CompiledWorkflow, EngineError> {
  const features = resolveFeatures(definition);
  if (features.isErr()) return err(features.error);
  const top = expandSequence(definition.steps, '/steps', options.resolveRoutine);
  if (top.isErr()) return err(top.error);
  const attached = attachBodies(top.value, options.resolveRoutine);
  if (attached.isErr()) return err(attached.error);
  const { sequence, bodies } = attached.value;

  const ctx: NodeContext = {
    scope: { overrides: options.bindings ?? {}, extensionPoints: definition.extensionPoints ?? [] },
    features: features.value,
    assessments: new Map((definition.assessments ?? []).map((a) => [a.id, a])),
    contractRefs: new Set(knownContractRefs()),
    metricsProfile: definition.metricsProfile,
    finalStepIds: finalStepIds(sequence, bodies),
  };
  const nodes = compileNodes(sequence, bodies, ctx);
  if (nodes.isErr()) return err(nodes.error);
  const duplicate = checkUniqueIds(nodes.value);
  if (duplicate !== undefined) return err(duplicate);

  const prefs = definition.recommendedPreferences;
  const unhashed: Omit<CompiledWorkflow, 'hash'> = {
    compiledSchemaVersion: COMPILED_SCHEMA_VERSION,
    workflowId: definition.id,
    name: definition.name,
    description: definition.description,
    version: definition.version,
    metaGuidance: definition.metaGuidance ?? [],
    ...(prefs !== undefined
      ? {
          recommendedPreferences: {
            ...(prefs.recommendedAutonomy !== undefined
              ? { recommendedAutonomy: prefs.recommendedAutonomy }
              : {}),
            ...(prefs.recommendedRiskPolicy !== undefined
              ? { recommendedRiskPolicy: prefs.recommendedRiskPolicy }
              : {}),
          },
        }
      : {}),
    references: (definition.references ?? []).map((r) => toJsonObject(r)),
    assessments: Object.fromEntries(
      (definition.assessments ?? []).map((a) => [
        a.id,
        {
          id: a.id,
          purpose: a.purpose,
          dimensions: a.dimensions.map((d) => ({
            id: d.id,
            purpose: d.purpose,
            levels: d.levels,
            required: d.required ?? true,
          })),
        },
      ]),
    ),
    steps: nodes.value,
    graph: buildGraph(nodes.value),
  };
  return ok({ ...unhashed, hash: canonicalHash(unhashed) });
}
