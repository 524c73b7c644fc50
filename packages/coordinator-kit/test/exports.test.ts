import { expect, it } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the documented public surface', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_AWAIT_TIMEOUT_MS",
      "DEFAULT_PIPELINE_BUDGET",
      "EvidenceSchema",
      "PIPELINE_MIGRATION_SET",
      "PROOF_MIGRATION_SET",
      "PipelineEventDataSchema",
      "PipelineInputSchema",
      "PipelineStatusSchema",
      "ProofEntrySchema",
      "ProofSealSchema",
      "ProofSubjectSchema",
      "coordinatorError",
      "createBudgetLedger",
      "definePipeline",
      "evidence",
      "foldPipeline",
      "keyIdOf",
      "nextProofEntry",
      "openSigningKeyring",
      "openSqlitePipelineStore",
      "openSqliteProofStore",
      "parsePublicSigningKey",
      "planPipeline",
      "proofEntryHash",
      "publicSigningKey",
      "readArtifact",
      "readClassification",
      "readCodingHandoff",
      "readPublicSigningKeys",
      "readReviewVerdict",
      "rotateSigningKey",
      "runPipeline",
      "sealMessage",
      "sealProof",
      "startPipeline",
      "verifyChange",
      "verifyProof",
      "verifySignature",
    ]
  `);
});
