// Errors.
export type { CoordinatorError, CoordinatorErrorCode } from './errors.js';
export { coordinatorError } from './errors.js';
// The merge gate.
export type { MergeDecision, MergeEvidence } from './merge/decide.js';
export { decideMerge } from './merge/decide.js';
export type { EffectiveMergeRules, MergePolicy, MergePolicyInput, MergeRequirement } from './merge/policy.js';
export {
  DEFAULT_CI_TIMEOUT_MS,
  DEFAULT_REQUIRE,
  MergePolicySchema,
  MergeRequirementSchema,
  mergeRulesFor,
} from './merge/policy.js';
// Pipelines.
export type { BudgetLedger, PipelineSpend } from './pipeline/budget.js';
export { createBudgetLedger, DEFAULT_PIPELINE_BUDGET } from './pipeline/budget.js';
export type {
  PipelineDefinition,
  PipelinePlan,
  StageContext,
  StageDefinition,
  StageTransition,
} from './pipeline/define.js';
export { definePipeline, planPipeline } from './pipeline/define.js';
export type { PipelineEvent, PipelineEventData, PipelineInput, PipelineStatus } from './pipeline/events.js';
export { PipelineEventDataSchema, PipelineInputSchema, PipelineStatusSchema } from './pipeline/events.js';
export type {
  PipelineRunResult,
  PipelineView,
  RunPipelineOptions,
  StartPipelineOptions,
} from './pipeline/runner.js';
export { DEFAULT_AWAIT_TIMEOUT_MS, foldPipeline, runPipeline, startPipeline } from './pipeline/runner.js';
export type { PipelineStore, PipelineSummary } from './pipeline/sqlite-store.js';
export { openSqlitePipelineStore, PIPELINE_MIGRATION_SET } from './pipeline/sqlite-store.js';
export type {
  BudgetGate,
  BudgetHit,
  ChildHandle,
  ChildOutcome,
  ChildUsage,
  PipelineBudget,
  SessionLauncher,
  SpawnRequest,
} from './pipeline/types.js';
export {
  readArtifact,
  readClassification,
  readCodingHandoff,
  readReviewVerdict,
} from './pipeline/verdicts.js';
// Proof records: schema, chain, store.
export type { ProofProblem, ProofProblemCode, ProofVerification } from './proof/chain.js';
export { evidence, nextProofEntry, proofEntryHash, sealProof, verifyProof } from './proof/chain.js';
export type {
  Evidence,
  EvidenceKind,
  ProofActor,
  ProofEntry,
  ProofEntryInput,
  ProofSeal,
  ProofSubject,
  ProofVerdict,
} from './proof/schema.js';
export {
  EvidenceSchema,
  ProofEntrySchema,
  ProofSealSchema,
  ProofSubjectSchema,
  sealMessage,
} from './proof/schema.js';
export type { ProofLookup, ProofStore, SqliteProofStoreOptions, StoredProof } from './proof/sqlite-store.js';
export { openSqliteProofStore, PROOF_MIGRATION_SET } from './proof/sqlite-store.js';
export type { VerifiedProof, VerifyChangeOptions, VerifyChangeReport } from './proof/verify-change.js';
export { verifyChange } from './proof/verify-change.js';
// Signing keys.
export type { PublicSigningKey, SigningKeyring } from './signing/keyring.js';
export {
  keyIdOf,
  openSigningKeyring,
  parsePublicSigningKey,
  publicSigningKey,
  readPublicSigningKeys,
  rotateSigningKey,
  verifySignature,
} from './signing/keyring.js';
