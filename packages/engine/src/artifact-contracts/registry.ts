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
