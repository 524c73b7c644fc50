// Errors.
export type { CoordinatorError, CoordinatorErrorCode } from './errors.js';
export { coordinatorError } from './errors.js';
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
// Signing keys.
export type { PublicSigningKey, SigningKeyring } from './signing/keyring.js';
export {
  keyIdOf,
  openSigningKeyring,
  parsePublicSigningKey,
  publicSigningKey,
  rotateSigningKey,
  verifySignature,
} from './signing/keyring.js';
