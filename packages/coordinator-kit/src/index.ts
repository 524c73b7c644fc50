// Errors.
export type { CoordinatorError, CoordinatorErrorCode } from './errors.js';
export { coordinatorError } from './errors.js';
// The bundled `feature` pipeline.
export type { FeaturePipelineOptions } from './feature/feature.js';
export { createFeaturePipeline, DEFAULT_MAX_FIX_ROUNDS } from './feature/feature.js';
export { MERGE_POLL_INTERVAL_MS } from './feature/merge-stage.js';
export type {
  FeatureState,
  FeatureWorkflows,
  ForgeFailure,
  MergeApproval,
  MergeForge,
  MergeGatePorts,
  MergeLogEntry,
} from './feature/state.js';
export { DEFAULT_FEATURE_WORKFLOWS, FeatureStateSchema, pipelineBranch } from './feature/state.js';
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
export type { PipelineView } from './pipeline/fold.js';
export { foldPipeline } from './pipeline/fold.js';
export type {
  PipelineRunResult,
  RunPipelineOptions,
  StartPipelineOptions,
} from './pipeline/runner.js';
export { DEFAULT_AWAIT_TIMEOUT_MS, runPipeline, startPipeline } from './pipeline/runner.js';
export type { Coordinator, SpawnOptions } from './pipeline/spawn.js';
export { createCoordinator } from './pipeline/spawn.js';
export type { PipelineStore, PipelineSummary } from './pipeline/sqlite-store.js';
export { openSqlitePipelineStore, PIPELINE_MIGRATION_SET } from './pipeline/sqlite-store.js';
export type {
  BudgetGate,
  BudgetHit,
  ChildDelivery,
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
export { renderProofSummary } from './proof/summary.js';
export type { VerifiedProof, VerifyChangeOptions, VerifyChangeReport } from './proof/verify-change.js';
export { verifyChange } from './proof/verify-change.js';
// Session seals: Ed25519 signatures over a session's chain head.
export type {
  SessionHead,
  SessionSeal,
  SessionSealProblem,
  SessionSealProblemCode,
  SessionSealVerification,
} from './session-seal/seal.js';
export {
  SessionSealSchema,
  sessionSealMessage,
  signSessionHead,
  verifySessionSeals,
} from './session-seal/seal.js';
export type { SessionSealStore, SqliteSessionSealStoreOptions } from './session-seal/sqlite-store.js';
export {
  openSqliteSessionSealStore,
  SESSION_SEAL_MIGRATION_SET,
  sealSessionHead,
} from './session-seal/sqlite-store.js';
export type { SessionLogVerification, SessionSealSource } from './session-seal/verify-session.js';
export { trustedKeyMap, verifySession, verifySessionIn } from './session-seal/verify-session.js';
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
