/**
 * Proof records on a real SQLite file with a real Ed25519 key folder: the chain verifies; every kind of
 * tampering fails verify — an edited entry, edited evidence, a re-hashed rewrite of the whole chain (caught
 * by the signature), a dropped seal, a key that is not trusted; replays are idempotent.
 */
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalHash } from '@worktrain/contracts';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openSigningKeyring,
  openSqliteProofStore,
  type ProofEntry,
  type ProofStore,
  parsePublicSigningKey,
  proofEntryHash,
  rotateSigningKey,
  type SigningKeyring,
  verifyProof,
} from '../src/index.js';

let dir: string;
let dbPath: string;
let keysDir: string;
let keyring: SigningKeyring;
let store: ProofStore;

const subject = { repo: 'acme/web', branch: 'worktrain/sess_1', sessionId: 'sess_1' };
const runtime = { kind: 'runtime' as const, id: 'daemon' };

function trusted(ring: SigningKeyring): Map<string, KeyObject> {
  return new Map(ring.publicKeys().map((k) => [k.keyId, createPublicKey(k.publicKeyPem)]));
}

function verifyStored(proofId: string, keys = trusted(keyring)) {
  const stored = store.read(proofId)._unsafeUnwrap();
  return verifyProof(proofId, stored.entries, stored.seals, keys);
}

/** Rewrites a stored entry's JSON body in place, as an attacker with the database file would. */
function rewrite(proofId: string, seq: number, change: (e: ProofEntry) => ProofEntry): void {
  const db = new Database(dbPath);
  const row = db
    .prepare('SELECT body FROM proof_entries WHERE proof_id = ? AND seq = ?')
    .get(proofId, seq) as {
    body: string;
  };
  db.prepare('UPDATE proof_entries SET body = ? WHERE proof_id = ? AND seq = ?').run(
    JSON.stringify(change(JSON.parse(row.body) as ProofEntry)),
    proofId,
    seq,
  );
  db.close();
}

function threeGates(proofId: string): void {
  store.open(proofId, subject, runtime)._unsafeUnwrap();
  store
    .append(proofId, {
      gate: 'tests',
      verdict: 'pass',
      actor: runtime,
      evidence: [{ kind: 'command', data: { argv: ['npm', 'test'], exitCode: 0, outputHash: 'sha256:abc' } }],
    })
    ._unsafeUnwrap();
  store
    .append(proofId, {
      gate: 'review',
      verdict: 'fail',
      actor: { kind: 'session', id: 'sess_review_1' },
      evidence: [
        { kind: 'review_verdict', data: { verdict: 'blocking', findings: 1, sessionId: 'sess_review_1' } },
      ],
      note: 'review found 1 blocking finding',
    })
    ._unsafeUnwrap();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-proof-'));
  dbPath = join(dir, 'worktrain.db');
  keysDir = join(dir, 'keys', 'signing');
  keyring = openSigningKeyring(keysDir)._unsafeUnwrap();
  store = openSqliteProofStore({ path: dbPath, sign: keyring.sign })._unsafeUnwrap();
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('proof records', () => {
  it('chains, seals and verifies a record of three entries', () => {
    threeGates('proof_1');
    const stored = store.read('proof_1')._unsafeUnwrap();
    expect(stored.entries.map((e) => [e.seq, e.gate, e.verdict])).toEqual([
      [0, 'opened', 'info'],
      [1, 'tests', 'pass'],
      [2, 'review', 'fail'],
    ]);
    expect(stored.entries[2]?.prevHash).toBe(stored.entries[1]?.hash);
    expect(stored.seals.map((s) => s.seq)).toEqual([0, 1, 2]);
    const report = verifyStored('proof_1');
    expect(report).toMatchObject({ ok: true, entries: 3, sealedThrough: 2, problems: [] });
    expect(report.keyIds).toEqual([keyring.currentKeyId]);
  });

  it('fails on an entry edited in the database', () => {
    threeGates('proof_1');
    rewrite('proof_1', 2, (e) => ({ ...e, verdict: 'pass' }));
    expect(verifyStored('proof_1').problems.map((p) => p.code)).toContain('ENTRY_HASH');
  });

  it('fails on evidence edited in the database, even with the entry hash recomputed', () => {
    threeGates('proof_1');
    rewrite('proof_1', 1, (e) => {
      const edited = {
        ...e,
        evidence: e.evidence.map((ev) => ({ ...ev, data: { ...ev.data, exitCode: 1 } })),
      };
      const { hash: _drop, ...body } = edited;
      return { ...edited, hash: proofEntryHash(body) };
    });
    expect(verifyStored('proof_1').problems.map((p) => p.code)).toContain('EVIDENCE_HASH');
  });

  it('fails on a rewrite that recomputes every hash: the seal signature no longer matches', () => {
    threeGates('proof_1');
    // The attacker flips the review to pass, fixes its evidence hash and re-hashes the chain.
    const stored = store.read('proof_1')._unsafeUnwrap();
    const forged: ProofEntry[] = [];
    for (const e of stored.entries) {
      const evidence =
        e.gate === 'review'
          ? e.evidence.map((ev) => {
              const data = { ...ev.data, verdict: 'clean', findings: 0 };
              return { ...ev, data, hash: canonicalHash(data) };
            })
          : e.evidence;
      const body = {
        ...e,
        evidence,
        verdict: e.gate === 'review' ? ('pass' as const) : e.verdict,
        prevHash: forged.at(-1)?.hash ?? null,
      };
      const { hash: _old, ...unhashed } = body;
      forged.push({ ...unhashed, hash: proofEntryHash(unhashed) });
    }
    // The seals still name the old head hashes; an attacker who moves them onto the new hashes cannot
    // produce the signatures.
    const movedSeals = stored.seals.map((s) => ({ ...s, headHash: forged[s.seq]?.hash ?? s.headHash }));
    const report = verifyProof('proof_1', forged, movedSeals, trusted(keyring));
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.code)).toContain('SEAL_SIGNATURE');
    expect(report.problems.map((p) => p.code)).not.toContain('ENTRY_HASH');
  });

  it('fails when the last seal is gone (an entry appended without the key)', () => {
    threeGates('proof_1');
    const stored = store.read('proof_1')._unsafeUnwrap();
    const report = verifyProof('proof_1', stored.entries, stored.seals.slice(0, 2), trusted(keyring));
    expect(report.problems.map((p) => p.code)).toEqual(['UNSEALED_TAIL']);
    expect(verifyProof('proof_1', stored.entries, [], trusted(keyring)).problems.map((p) => p.code)).toEqual([
      'NO_SEAL',
    ]);
  });

  it('fails with a key that is not trusted, and passes with the exported public key alone', () => {
    threeGates('proof_1');
    const other = openSigningKeyring(join(dir, 'other-keys'))._unsafeUnwrap();
    expect(verifyStored('proof_1', trusted(other)).problems.map((p) => p.code)).toContain('SEAL_UNKNOWN_KEY');
    const exported = keyring.publicKeys()[0];
    if (exported === undefined) throw new Error('no key');
    const fromJwk = parsePublicSigningKey(JSON.stringify(exported.jwk))._unsafeUnwrap();
    expect(verifyStored('proof_1', new Map([[exported.keyId, fromJwk]])).ok).toBe(true);
  });

  it('keeps verifying records sealed before a key rotation, and seals new entries with the new key', () => {
    threeGates('proof_1');
    const rotated = rotateSigningKey(keysDir)._unsafeUnwrap();
    expect(rotated.currentKeyId).not.toBe(keyring.currentKeyId);
    expect(rotated.publicKeys()).toHaveLength(2);
    store.close();
    store = openSqliteProofStore({ path: dbPath, sign: rotated.sign })._unsafeUnwrap();
    store
      .append('proof_1', { gate: 'merge_gate', verdict: 'escalate', actor: { kind: 'policy', id: 'merge' } })
      ._unsafeUnwrap();
    keyring = rotated;
    const report = verifyStored('proof_1');
    expect(report.ok).toBe(true);
    expect(report.keyIds).toContain(rotated.currentKeyId);
  });

  it('returns the written entry when an append is replayed with its idempotency key', () => {
    store.open('proof_1', subject, runtime)._unsafeUnwrap();
    const input = { gate: 'review', verdict: 'fail' as const, actor: runtime };
    const first = store.append('proof_1', input, { idempotencyKey: 'review:round-1' })._unsafeUnwrap();
    const again = store.append('proof_1', input, { idempotencyKey: 'review:round-1' })._unsafeUnwrap();
    expect(again).toEqual(first);
    expect(store.read('proof_1')._unsafeUnwrap().entries).toHaveLength(2);
    expect(store.open('proof_1', subject, runtime)._unsafeUnwrap().seq).toBe(0);
  });

  it('refuses an append that expected an older head, and one to a record that does not exist', () => {
    store.open('proof_1', subject, runtime)._unsafeUnwrap();
    store
      .append('proof_1', { gate: 'tests', verdict: 'pass', actor: runtime }, { expectedSeq: 0 })
      ._unsafeUnwrap();
    const stale = store.append(
      'proof_1',
      { gate: 'ci', verdict: 'pass', actor: runtime },
      { expectedSeq: 0 },
    );
    expect(stale._unsafeUnwrapErr()).toMatchObject({
      code: 'PROOF_SEQ_CONFLICT',
      details: { expected: 0, actual: 1 },
    });
    expect(
      store.append('nope', { gate: 'ci', verdict: 'pass', actor: runtime })._unsafeUnwrapErr().code,
    ).toBe('PROOF_NOT_FOUND');
  });

  it('finds records by pull request, session and pipeline', () => {
    store.open('proof_1', { ...subject, pipelineId: 'pipe_1' }, runtime)._unsafeUnwrap();
    store
      .append('proof_1', {
        gate: 'pull_request',
        verdict: 'info',
        actor: runtime,
        subject: { ...subject, pullRequestUrl: 'https://github.com/acme/web/pull/7' },
      })
      ._unsafeUnwrap();
    expect(store.find({ pullRequestUrl: 'https://github.com/acme/web/pull/7' })._unsafeUnwrap()).toEqual([
      'proof_1',
    ]);
    expect(store.find({ sessionId: 'sess_1' })._unsafeUnwrap()).toEqual(['proof_1']);
    expect(store.find({ pipelineId: 'pipe_1' })._unsafeUnwrap()).toEqual(['proof_1']);
    expect(store.find({ pipelineId: 'pipe_2' })._unsafeUnwrap()).toEqual([]);
  });

  it('reads through a read-only store without changing the database file', () => {
    threeGates('proof_1');
    store.close();
    const before = statSync(dbPath).mtimeMs;
    const reader = openSqliteProofStore({ path: dbPath, readOnly: true })._unsafeUnwrap();
    const stored = reader.read('proof_1')._unsafeUnwrap();
    expect(verifyProof('proof_1', stored.entries, stored.seals, trusted(keyring)).ok).toBe(true);
    reader.close();
    expect(statSync(dbPath).mtimeMs).toBe(before);
    store = openSqliteProofStore({ path: dbPath, sign: keyring.sign })._unsafeUnwrap();
  });
});

describe('signing keys', () => {
  it('creates one private key file readable by the owner only, and reopens the same key', () => {
    const again = openSigningKeyring(keysDir)._unsafeUnwrap();
    expect(again.currentKeyId).toBe(keyring.currentKeyId);
    const file = join(keysDir, `ed25519-${keyring.currentKeyId}.pem`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a key file whose name does not match its key', async () => {
    const { renameSync } = await import('node:fs');
    const wrongId = 'A'.repeat(43);
    renameSync(join(keysDir, `ed25519-${keyring.currentKeyId}.pem`), join(keysDir, `ed25519-${wrongId}.pem`));
    expect(openSigningKeyring(keysDir)._unsafeUnwrapErr().code).toBe('SIGNING_KEY_INVALID');
  });

  it('refuses a public key that is not Ed25519', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = String(publicKey.export({ format: 'pem', type: 'spki' }));
    expect(parsePublicSigningKey(pem)._unsafeUnwrapErr().code).toBe('SIGNING_KEY_INVALID');
    expect(parsePublicSigningKey('not a key')._unsafeUnwrapErr().code).toBe('SIGNING_KEY_INVALID');
  });
});
