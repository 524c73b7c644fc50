/**
 * Compile-time prompt text of one step: `{{wr.bindings.slotId}}` resolution, feature injection, `wr.refs.*`
 * resolution and `promptBlocks` rendering, in WorkRail's pass order (templates → bindings → features →
 * refs → promptBlocks → sentinel; EtienneBBeaulac/workrail `src/application/services/workflow-compiler.ts`,
 * MIT). Rendering order of the blocks is fixed: goal, constraints, procedure, outputRequired, verify.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';
import type { BuiltinPromptValue, FeatureDefinition } from '../builtins/features.js';
import { findRef, knownRefIds } from '../builtins/refs.js';
import { compileFailed, pointerSegment } from './errors.js';
import type {
  SourceExtensionPoint,
  SourcePromptBlocks,
  SourcePromptValue,
  SourceStandardStep,
} from './source-types.js';

/** `{{wr.bindings.slotId}}`; the slot id is group 1. */
const BINDING_TOKEN = /\{\{wr\.bindings\.([^\s{}]+)\}\}/g;
/** Any compiler-owned token left after all passes is an authoring error. */
const WR_TOKEN = /\{\{\s*wr\.[^}]*\}\}/;

export interface BindingScope {
  /** Project overrides: slot id → routine/workflow id. */
  readonly overrides: Readonly<Record<string, string>>;
  readonly extensionPoints: readonly SourceExtensionPoint[];
}

/** Replaces every `{{wr.bindings.slotId}}` in `text`: the override, else the extension point default. */
export function resolveBindingTokens(
  text: string,
  scope: BindingScope,
  pointer: string,
  stepId: string,
): Result<string, EngineError> {
  if (!text.includes('{{wr.bindings.')) return ok(text);
  let unknown: string | undefined;
  const out = text.replace(BINDING_TOKEN, (match, slotId: string) => {
    if (Object.hasOwn(scope.overrides, slotId)) return scope.overrides[slotId] ?? match;
    const point = scope.extensionPoints.find((p) => p.slotId === slotId);
    if (point !== undefined) return point.default;
    unknown ??= slotId;
    return match;
  });
  if (unknown !== undefined) {
    const declared = scope.extensionPoints.map((p) => p.slotId);
    return err(
      compileFailed(
        `Step '${stepId}': unknown binding slot '${unknown}'. ` +
          (declared.length === 0
            ? 'The workflow declares no extensionPoints; declare one with this slotId or bind it in .worktrain/bindings.json.'
            : `Declared slots: ${declared.join(', ')}.`),
        pointer,
        { stepId, slotId: unknown, declaredSlots: declared },
      ),
    );
  }
  return ok(out);
}

type AnyPromptValue = SourcePromptValue | BuiltinPromptValue;

/** Resolves bindings in string values and text parts, then refs, producing the item's text. */
function valueText(
  value: AnyPromptValue,
  pointer: string,
  stepId: string,
  scope: BindingScope,
): Result<string, EngineError> {
  if (typeof value === 'string') return resolveBindingTokens(value, scope, pointer, stepId);
  let text = '';
  for (const [index, part] of value.entries()) {
    if (part.kind === 'text') {
      const resolved = resolveBindingTokens(part.text, scope, `${pointer}/${index}/text`, stepId);
      if (resolved.isErr()) return err(resolved.error);
      text += resolved.value;
      continue;
    }
    const refText = findRef(part.refId);
    if (refText === undefined) {
      return err(
        compileFailed(
          `Step '${stepId}' references unknown ref '${part.refId}'. Known refs: ${knownRefIds().join(', ')}.`,
          `${pointer}/${index}/refId`,
          { stepId, refId: part.refId, knownRefIds: knownRefIds() },
        ),
      );
    }
    text += refText;
  }
  return ok(text);
}

interface Item {
  readonly value: AnyPromptValue;
  readonly pointer: string;
}

function items(values: readonly AnyPromptValue[] | undefined, pointer: string): Item[] {
  return (values ?? []).map((value, index) => ({ value, pointer: `${pointer}/${index}` }));
}

function featureItems(
  features: readonly { feature: FeatureDefinition; pointer: string }[],
  key: 'constraints' | 'procedure' | 'verify',
): Item[] {
  return features.flatMap(({ feature, pointer }) => items(feature[key], pointer));
}

function texts(list: readonly Item[], stepId: string, scope: BindingScope): Result<string[], EngineError> {
  const out: string[] = [];
  for (const item of list) {
    const text = valueText(item.value, item.pointer, stepId, scope);
    if (text.isErr()) return err(text.error);
    out.push(text.value);
  }
  return ok(out);
}

/**
 * Renders `promptBlocks` with the declared features appended to constraints, procedure and verify.
 * `features` carry the pointer of their entry in the workflow's `features` list.
 */
function renderBlocks(
  blocks: SourcePromptBlocks,
  pointer: string,
  stepId: string,
  scope: BindingScope,
  features: readonly { feature: FeatureDefinition; pointer: string }[],
): Result<string, EngineError> {
  const sections: string[] = [];
  if (blocks.goal !== undefined) {
    const goal = valueText(blocks.goal, `${pointer}/goal`, stepId, scope);
    if (goal.isErr()) return err(goal.error);
    sections.push(`## Goal\n${goal.value}`);
  }
  const lists: readonly [key: 'constraints' | 'procedure' | 'verify', heading: string, numbered: boolean][] =
    [
      ['constraints', 'Constraints', false],
      ['procedure', 'Procedure', true],
    ];
  for (const [key, heading, numbered] of lists) {
    const list = texts(
      [...items(blocks[key], `${pointer}/${key}`), ...featureItems(features, key)],
      stepId,
      scope,
    );
    if (list.isErr()) return err(list.error);
    if (list.value.length > 0) {
      sections.push(
        `## ${heading}\n${list.value.map((t, i) => (numbered ? `${i + 1}. ${t}` : `- ${t}`)).join('\n')}`,
      );
    }
  }
  const outputs = Object.entries(blocks.outputRequired ?? {});
  if (outputs.length > 0) {
    const lines: string[] = [];
    for (const [key, value] of outputs) {
      const text = resolveBindingTokens(
        value,
        scope,
        `${pointer}/outputRequired/${pointerSegment(key)}`,
        stepId,
      );
      if (text.isErr()) return err(text.error);
      lines.push(`- **${key}**: ${text.value}`);
    }
    sections.push(`## Output Required\n${lines.join('\n')}`);
  }
  const verify = texts(
    [...items(blocks.verify, `${pointer}/verify`), ...featureItems(features, 'verify')],
    stepId,
    scope,
  );
  if (verify.isErr()) return err(verify.error);
  if (verify.value.length > 0) sections.push(`## Verify\n${verify.value.map((t) => `- ${t}`).join('\n')}`);
  if (sections.length === 0) {
    return err(
      compileFailed(`Step '${stepId}': promptBlocks has no non-empty section.`, pointer, { stepId }),
    );
  }
  return ok(sections.join('\n\n'));
}

/**
 * The base prompt of a standard step: its `prompt` (bindings resolved) or its rendered `promptBlocks`
 * (features applied, bindings and refs resolved). Fails when both or neither are set, on an unknown binding
 * slot or ref, and when a `{{wr.*}}` token survives (the sentinel check).
 */
export function baseStepPrompt(
  step: SourceStandardStep,
  pointer: string,
  scope: BindingScope,
  features: readonly { feature: FeatureDefinition; pointer: string }[],
): Result<string, EngineError> {
  if (step.prompt !== undefined && step.promptBlocks !== undefined) {
    return err(
      compileFailed(`Step '${step.id}' declares both prompt and promptBlocks; use exactly one.`, pointer, {
        stepId: step.id,
      }),
    );
  }
  let text: Result<string, EngineError>;
  if (step.promptBlocks !== undefined) {
    text = renderBlocks(step.promptBlocks, `${pointer}/promptBlocks`, step.id, scope, features);
  } else if (step.prompt !== undefined) {
    text = resolveBindingTokens(step.prompt, scope, `${pointer}/prompt`, step.id);
  } else {
    return err(
      compileFailed(`Step '${step.id}' has neither prompt nor promptBlocks.`, pointer, { stepId: step.id }),
    );
  }
  if (text.isErr()) return text;
  const leftover = WR_TOKEN.exec(text.value);
  if (leftover !== null) {
    return err(
      compileFailed(
        `Step '${step.id}' contains the unknown compiler token '${leftover[0]}'; only {{wr.bindings.<slotId>}} is resolved in prompts.`,
        step.promptBlocks !== undefined ? `${pointer}/promptBlocks` : `${pointer}/prompt`,
        { stepId: step.id, token: leftover[0] },
      ),
    );
  }
  return ok(text.value);
}

/** True when `text` contains a `{{wr.*}}` token (fragments must not contain any). */
export function containsWrToken(text: string): boolean {
  return WR_TOKEN.test(text);
}
