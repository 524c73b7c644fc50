export type { OutputContractCheck } from './check.js';
export { checkOutputContract, decideLoopControl, LOOP_CONTROL_CONTRACT_REF } from './check.js';
export type { ArtifactContract } from './contract.js';
export type {
  AssessmentArtifact,
  CoordinatorSignalArtifact,
  GateVerdictArtifact,
  LoopControlArtifact,
  ReviewVerdictArtifact,
} from './control-contracts.js';
export {
  AssessmentArtifactSchema,
  CoordinatorSignalArtifactSchema,
  GateVerdictArtifactSchema,
  LoopControlArtifactSchema,
  ReviewVerdictArtifactSchema,
} from './control-contracts.js';
export type {
  CodingHandoffArtifact,
  DifferentiationHandoffArtifact,
  DiscoveryHandoffArtifact,
  ShapingHandoffArtifact,
} from './handoff-contracts.js';
export {
  CodingHandoffArtifactSchema,
  DifferentiationHandoffArtifactSchema,
  DiscoveryHandoffArtifactSchema,
  ShapingHandoffArtifactSchema,
} from './handoff-contracts.js';
export {
  artifactContractJsonSchema,
  findArtifactContract,
  knownContractRefs,
  listArtifactContracts,
} from './registry.js';
export type { ClassifyTaskArtifact } from './worktrain-contracts.js';
export { ClassifyTaskArtifactSchema } from './worktrain-contracts.js';
