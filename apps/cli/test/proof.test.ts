/**
 * `worktrain verify` and `worktrain keys export|rotate` as a user runs them, over proof records written by
 * the coordinator kit into a real WorkTrain home: a clean record verifies; a rewrite that re-hashes the
 * whole chain fails on the signature; pinned keys decide trust; read commands create nothing.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  openSigningKeyring,
  openSqliteProofStore,
  type ProofEntry,
  proofEntryHash,
} from '@worktrain/coordinator-kit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const PR = 'https://github.com/acme/web/pull/7';
let home: { path: string; cleanup: () => void };

function recordChange(): void {
  const keys = openSigningKeyring(join(home.path, 'keys', 'signing'))._unsafeUnwrap();
  const store = openSqliteProofStore({
    path: join(home.path, 'worktrain.db'),
    sign: keys.sign,
  })._unsafeUnwrap();
  const runtime = { kind: 'runtime' as const, id: 'daemon' };
  store.open(
    'proof_1',
    { repo: 'acme/web', branch: 'worktrain/sess_1', sessionId: 'sess_1', pullRequestUrl: PR },
    runtime,
  );
  store.append('proof_1', {
    gate: 'tests',
    verdict: 'pass',
    actor: runtime,
    evidence: [{ kind: 'command', data: { argv: ['npm', 'test'], exitCode: 0 } }],
  });
  store.append('proof_1', {
    gate: 'review',
    verdict: 'fail',
    actor: { kind: 'session', id: 'sess_r' },
    note: 'blocking',
  });
  store.close();
}

/** Flips the review to pass and re-hashes every entry, as someone with write access to the file could. */
function forgeReview(): void {
  const db = new Database(join(home.path, 'worktrain.db'));
  const rows = db
    .prepare("SELECT seq, body FROM proof_entries WHERE proof_id = 'proof_1' ORDER BY seq")
    .all() as {
    seq: number;
    body: string;
  }[];
  let prev: string | null = null;
  for (const row of rows) {
    const e = JSON.parse(row.body) as ProofEntry;
    const { hash: _old, ...body } = {
      ...e,
      verdict: e.gate === 'review' ? 'pass' : e.verdict,
      prevHash: prev,
    };
    const hash = proofEntryHash(body);
    db.prepare("UPDATE proof_entries SET body = ? WHERE proof_id = 'proof_1' AND seq = ?").run(
      JSON.stringify({ ...body, hash }),
      row.seq,
    );
    prev = hash;
  }
  db.close();
}

beforeEach(() => {
  home = tempDir('wt-cli-proof-');
});
afterEach(() => home.cleanup());

describe('worktrain verify', () => {
  it('verifies a change by its PR URL, session id or proof id', async () => {
    recordChange();
    for (const target of [PR, 'sess_1', 'proof_1']) {
      const run = await runWorktrain(['verify', target], { home: home.path });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('verify: ok (1 proof record)');
      expect(run.stdout).toMatch(/fail\s+review/);
    }
    const json = await runWorktrain(['verify', PR, '--format', 'json'], { home: home.path });
    expect(parseJson(json)).toMatchObject({
      ok: true,
      keySource: 'ring',
      proofs: [{ proofId: 'proof_1', entries: 3, sealedThrough: 2 }],
    });
  });

  it('fails a record rewritten with every hash recomputed: the seal does not match', async () => {
    recordChange();
    forgeReview();
    const run = await runWorktrain(['verify', PR, '--format', 'json'], { home: home.path });
    expect(run.code).toBe(1);
    const report = parseJson(run) as { ok: boolean; proofs: { problems: { code: string }[] }[] };
    expect(report.ok).toBe(false);
    expect(report.proofs[0]?.problems.map((p) => p.code)).toContain('SEAL_HEAD');
  });

  it('trusts only pinned keys with --public-key', async () => {
    recordChange();
    const exported = await runWorktrain(['keys', 'export'], { home: home.path });
    expect(exported.code).toBe(0);
    const pem = join(home.path, 'pinned.pem');
    writeFileSync(pem, exported.stdout.replace(/^#.*\n/m, ''));
    expect((await runWorktrain(['verify', PR, '--public-key', pem], { home: home.path })).code).toBe(0);
    const other = tempDir('wt-cli-proof-other-');
    try {
      const otherKeys = openSigningKeyring(join(other.path, 'signing'))._unsafeUnwrap().publicKeys();
      const otherPem = join(other.path, 'other.pem');
      writeFileSync(otherPem, otherKeys[0]?.publicKeyPem ?? '');
      const run = await runWorktrain(['verify', PR, '--public-key', otherPem], { home: home.path });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('SEAL_UNKNOWN_KEY');
    } finally {
      other.cleanup();
    }
  });

  it('says what is missing and creates nothing on a fresh home', async () => {
    const run = await runWorktrain(['verify', PR], { home: home.path });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No proof record');
    const keys = await runWorktrain(['keys', 'export'], { home: home.path });
    expect(keys.code).toBe(0);
    expect(keys.stdout).toContain('No signing keys yet');
    expect(existsSync(join(home.path, 'worktrain.db'))).toBe(false);
    expect(existsSync(join(home.path, 'keys'))).toBe(false);
  });
});

describe('worktrain keys', () => {
  it('rotates: the new key signs, the old one still verifies, export lists both', async () => {
    recordChange();
    const rotated = await runWorktrain(['keys', 'rotate', '--format', 'json'], { home: home.path });
    expect(rotated.code, rotated.stderr).toBe(0);
    const keys = (parseJson(rotated) as { keys: { keyId: string; current: boolean; jwk: { crv: string } }[] })
      .keys;
    expect(keys).toHaveLength(2);
    expect(keys.filter((k) => k.current)).toHaveLength(1);
    expect(keys[0]?.jwk.crv).toBe('Ed25519');
    expect(readdirSync(join(home.path, 'keys', 'signing')).filter((n) => n.endsWith('.pem'))).toHaveLength(2);
    expect((await runWorktrain(['verify', PR], { home: home.path })).code).toBe(0);
  });
});
