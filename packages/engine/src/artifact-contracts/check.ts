/**
 * Checking a step's output against its declared `outputContract`, the way WorkRail does
 * (EtienneBBeaulac/workrail `src/v2/durable-core/domain/artifact-contract-validator.ts` and `loop-control.ts`,
 * MIT; re-implemented): artifacts are matched by `kind`, other kinds are ignored, a missing required
 * artifact is `MISSING_REQUIRED_OUTPUT`, and an artifact of the right kind that fails the schema is
 * `INVALID_REQUIRED_OUTPUT` (even when the contract is optional: a broken artifact is never silently dropped).
 */
import { type Blocker, type JsonValue, JsonValueSchema, jsonDepth } from '@worktrain/contracts';
import type * as z from 'zod';
import type { ArtifactContract } from './contract.js';
import { LoopControlArtifactSchema } from './control-contracts.js';
import { findArtifactContract, knownContractRefs } from './registry.js';

export const LOOP_CONTROL_CONTRACT_REF = 'wr.contracts.loop_control';

export type OutputContractCheck =
  | { readonly ok: true; readonly artifact: JsonValue | null }
  | { readonly ok: false; readonly blockers: Blocker[] };

/** Issues listed per blocker message before `… and N more`. */
const MAX_ISSUES_LISTED = 8;

/**
 * Checks `artifacts` (the agent's `output.artifacts`) against a step's output contract.
 * - The matching artifact is the **last** valid one of the contract's kind (newest wins, as in WorkRail).
 * - For `wr.contracts.loop_control`, when `options.loopId` is given, artifacts naming another `loopId` are
 *   ignored; artifacts without `loopId` apply to the loop being decided.
 * - An unknown `contractRef` gives an `INVARIANT_VIOLATION` blocker when required (the compiler rejects
 *   such workflows; this only guards the interpreter) and is ignored when optional.
 * Blockers are sorted by code then pointer; pointers are JSON pointers into the advance input
 * (`/output/artifacts/0/decision`); `suggestedFix` contains a valid example artifact as JSON.
 */
export function checkOutputContract(
  contract: { readonly contractRef: string; readonly required: boolean },
  artifacts: readonly unknown[],
  options: { readonly loopId?: string } = {},
): OutputContractCheck {
  const definition = findArtifactContract(contract.contractRef);
  if (definition === undefined) {
    if (!contract.required) return { ok: true, artifact: null };
    return blocked([
      {
        code: 'INVARIANT_VIOLATION',
        pointer: '/outputContract/contractRef',
        message: `The step declares output contract "${contract.contractRef}", which this engine does not know (known: ${knownContractRefs().join(', ')}). The workflow must be fixed; no output can satisfy this step.`,
      },
    ]);
  }
  const list: readonly unknown[] = Array.isArray(artifacts) ? artifacts : [];
  const isLoopControl = definition.ref === LOOP_CONTROL_CONTRACT_REF;
  const wantedLoopId = isLoopControl ? options.loopId : undefined;
  const matches: number[] = [];
  const otherLoops: number[] = [];
  list.forEach((artifact, index) => {
    if (!isRecord(artifact) || artifact.kind !== definition.artifactKind) return;
    if (
      wantedLoopId !== undefined &&
      typeof artifact.loopId === 'string' &&
      artifact.loopId !== wantedLoopId
    ) {
      otherLoops.push(index);
      return;
    }
    matches.push(index);
  });

  if (matches.length === 0) {
    if (!contract.required) return { ok: true, artifact: null };
    return blocked([missingBlocker(definition, list, otherLoops, wantedLoopId)]);
  }

  const blockers: Blocker[] = [];
  let accepted: JsonValue | null = null;
  for (const index of matches) {
    const parsed = safeParse(definition.schema, list[index]);
    const json = parsed.success ? asJson(parsed.data) : undefined;
    if (json !== undefined) {
      accepted = json;
    } else {
      blockers.push(
        invalidBlocker(definition, index, parsed.success ? undefined : parsed.issues, wantedLoopId),
      );
    }
  }
  return blockers.length > 0 ? blocked(blockers) : { ok: true, artifact: accepted };
}

/**
 * The loop decision carried by `artifacts`: the newest valid `wr.loop_control` artifact that names `loopId`
 * or names no loop. Undefined when there is none (the interpreter then applies the loop's own rules).
 */
export function decideLoopControl(
  artifacts: readonly unknown[],
  loopId?: string,
): 'continue' | 'stop' | undefined {
  const list: readonly unknown[] = Array.isArray(artifacts) ? artifacts : [];
  for (let i = list.length - 1; i >= 0; i--) {
    const parsed = safeParse(LoopControlArtifactSchema, list[i]);
    if (!parsed.success) continue;
    const artifact = parsed.data;
    if (artifact.loopId === undefined || loopId === undefined || artifact.loopId === loopId) {
      return artifact.decision;
    }
  }
  return undefined;
}

/** Nesting limit of an accepted artifact (the engine's default `maxJsonDepth`); also stops cycles. */
const MAX_ARTIFACT_DEPTH = 64;

type Parsed<T> =
  | { success: true; data: T }
  | { success: false; issues: readonly z.core.$ZodIssue[] | undefined };

/** `schema.safeParse` that also survives hostile values (throwing getters, proxies). */
function safeParse<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  try {
    const result = schema.safeParse(value);
    return result.success
      ? { success: true, data: result.data }
      : { success: false, issues: result.error.issues };
  } catch {
    return { success: false, issues: undefined };
  }
}

/** The value as JSON, or undefined when it is not plain JSON (cycles, too deep, NaN, functions…). */
function asJson(value: unknown): JsonValue | undefined {
  if (jsonDepth(value, MAX_ARTIFACT_DEPTH) > MAX_ARTIFACT_DEPTH) return undefined;
  const json = JsonValueSchema.safeParse(value);
  return json.success ? json.data : undefined;
}

function missingBlocker(
  definition: ArtifactContract,
  artifacts: readonly unknown[],
  otherLoops: readonly number[],
  loopId: string | undefined,
): Blocker {
  let found: string;
  if (otherLoops.length > 0) {
    const named = otherLoops.map((i) => `loop "${String(loopIdOf(artifacts[i]))}" at /output/artifacts/${i}`);
    found = `the ${definition.artifactKind} artifacts given are for ${named.join(', ')}, but this step decides loop "${loopId}" (omit loopId or set it to "${loopId}")`;
  } else if (artifacts.length === 0) {
    found = 'no artifacts were provided';
  } else {
    const kinds = artifacts.map((artifact, i) => {
      const kind = isRecord(artifact) && typeof artifact.kind === 'string' ? `"${artifact.kind}"` : 'no kind';
      return `${kind} at /output/artifacts/${i}`;
    });
    found = `found only ${kinds.join(', ')}`;
  }
  return {
    code: 'MISSING_REQUIRED_OUTPUT',
    pointer: '/output/artifacts',
    message: `This step requires a "${definition.artifactKind}" artifact (contract ${definition.ref}) in output.artifacts; ${found}.`,
    suggestedFix: `Add an artifact like this to output.artifacts (adapt the values): ${exampleJson(definition, loopId)}`,
  };
}

function invalidBlocker(
  definition: ArtifactContract,
  index: number,
  issues: readonly z.core.$ZodIssue[] | undefined,
  loopId: string | undefined,
): Blocker {
  const base = `/output/artifacts/${index}`;
  const described = (issues ?? []).map((issue) => ({
    pointer: base + issuePointer(issue),
    text: issue.message,
  }));
  const listed = described.slice(0, MAX_ISSUES_LISTED).map((issue) => `${issue.pointer}: ${issue.text}`);
  if (described.length > MAX_ISSUES_LISTED) listed.push(`… and ${described.length - MAX_ISSUES_LISTED} more`);
  const reasons =
    listed.length > 0
      ? listed.join('; ')
      : `${base}: the artifact is not plain JSON (or nested deeper than ${MAX_ARTIFACT_DEPTH})`;
  return {
    code: 'INVALID_REQUIRED_OUTPUT',
    pointer: described[0]?.pointer ?? base,
    message: `The "${definition.artifactKind}" artifact at ${base} does not satisfy ${definition.ref}: ${reasons}.`,
    suggestedFix: `Send a corrected artifact in output.artifacts, for example: ${exampleJson(definition, loopId)}`,
  };
}

/** JSON pointer (RFC 6901) of an issue's path, pointing at the offending key for unrecognized keys. */
function issuePointer(issue: z.core.$ZodIssue): string {
  const segments: PropertyKey[] = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys.length === 1 && issue.keys[0] !== undefined) {
    segments.push(issue.keys[0]);
  }
  return segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function exampleJson(definition: ArtifactContract, loopId: string | undefined): string {
  const example = definition.example;
  if (loopId !== undefined && isRecord(example) && definition.ref === LOOP_CONTROL_CONTRACT_REF) {
    return JSON.stringify({ kind: example.kind, loopId, ...example });
  }
  return JSON.stringify(example);
}

function loopIdOf(artifact: unknown): unknown {
  return isRecord(artifact) ? artifact.loopId : undefined;
}

function blocked(blockers: Blocker[]): OutputContractCheck {
  const sorted = [...blockers].sort((a, b) =>
    a.code === b.code ? compareText(a.pointer, b.pointer) : compareText(a.code, b.code),
  );
  return { ok: false, blockers: sorted };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
