import { expect, it } from 'vitest';
import * as api from '../src/index.js';

it('exports exactly the documented public surface', () => {
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "EvidenceSchema",
      "PROOF_MIGRATION_SET",
      "ProofEntrySchema",
      "ProofSealSchema",
      "ProofSubjectSchema",
      "coordinatorError",
      "evidence",
      "keyIdOf",
      "nextProofEntry",
      "openSigningKeyring",
      "openSqliteProofStore",
      "parsePublicSigningKey",
      "proofEntryHash",
      "publicSigningKey",
      "rotateSigningKey",
      "sealMessage",
      "sealProof",
      "verifyProof",
      "verifySignature",
    ]
  `);
});
