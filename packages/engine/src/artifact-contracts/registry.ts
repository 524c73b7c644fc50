import { type JsonObject, JsonObjectSchema } from '@worktrain/contracts';
import * as z from 'zod';
import type { ArtifactContract } from './contract.js';
import { CONTROL_CONTRACTS } from './control-contracts.js';
import { HANDOFF_CONTRACTS } from './handoff-contracts.js';
import { WORKTRAIN_CONTRACTS } from './worktrain-contracts.js';

const ALL: readonly ArtifactContract[] = Object.freeze([
  ...CONTROL_CONTRACTS,
  ...HANDOFF_CONTRACTS,
  ...WORKTRAIN_CONTRACTS,
]);
const BY_REF: ReadonlyMap<string, ArtifactContract> = new Map(
  ALL.map((contract) => [contract.ref, contract]),
);
const REFS: readonly string[] = Object.freeze(ALL.map((contract) => contract.ref));

/** The contract a step's `outputContract.contractRef` names, or undefined when unknown. */
export function findArtifactContract(ref: string): ArtifactContract | undefined {
  return BY_REF.get(ref);
}

/** Every known contract: WorkRail's (loop control, verdicts, assessment, signals, handoffs) then ours. */
export function listArtifactContracts(): readonly ArtifactContract[] {
  return ALL;
}

/** The refs of {@link listArtifactContracts}, for compile-time checks and error messages. */
export function knownContractRefs(): readonly string[] {
  return REFS;
}

/**
 * JSON Schema (draft 2020-12) of the artifact a contract expects, as agents should write it (input form),
 * for docs, MCP tool descriptions and editors. Undefined for an unknown ref.
 */
export function artifactContractJsonSchema(ref: string): JsonObject | undefined {
  const contract = BY_REF.get(ref);
  if (contract === undefined) return undefined;
  const parsed = JsonObjectSchema.safeParse(z.toJSONSchema(contract.schema, { io: 'input' }));
  return parsed.success ? parsed.data : undefined;
}
