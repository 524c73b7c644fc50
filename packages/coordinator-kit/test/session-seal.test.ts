/**
 * Session chain-head seals on a real SQLite file (the session store and the seal table in one
 * `worktrain.db`) with a real Ed25519 key folder: a sealed session verifies; a log edited and re-hashed
 * end to end still passes the hash chain but fails the seal; untrusted keys fail; rotated keys keep
 * verifying what they signed; sealing is idempotent; read-only verification creates nothing.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewSessionEvent, SessionEvent } from '@worktrain/contracts';
import {
  computeEventHash,
  createSqliteSessionStore,
  type SqliteSessionStore,
} from '@worktrain/session-store';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  openSigningKeyring,
  openSqliteSessionSealStore,
  readPublicSigningKeys,
  rotateSigningKey,
  type SessionSealStore,
  type SigningKeyring,
  sealSessionHead,
  verifySession,
  verifySessionSeals,
} from '../src/index.js';

let dir: string;
let dbPath: string;
let keysDir: string;
let keyring: SigningKeyring;
let sessions: SqliteSessionStore;
let seals: SessionSealStore;

const SESSION = 'sess_seal_1';

function created(): NewSessionEvent {
  return {
    kind: 'session_created',
    data: {
      workflowId: 'demo.seal',
      workflowVersion: '1.0.0',
      workflowHash: `sha256:${'a'.repeat(64)}`,
      goal: 'Fix add()',
      title: 'Fix add()',
      workspacePath: null,
      parentSessionId: null,
      source: 'test',
      context: {},
    },
  };
}

async function appendAll(sessionId: string, events: NewSessionEvent[], expectedSeq = 0): Promise<number> {
  const r = await sessions.append({ sessionId, expectedSeq, events });
  return r._unsafeUnwrap().lastSeq;
}

/** A session that ran and completed: 4 events. */
async function endedSession(sessionId = SESSION): Promise<number> {
  return appendAll(sessionId, [
    created(),
    { kind: 'session_started', data: {} },
    {
      kind: 'node_created',
      data: { nodeId: 'node_1', parentNodeId: null, nodeKind: 'step', stepId: 'fix', state: {} },
    },
    { kind: 'session_completed', data: { outcome: 'success', summary: 'Fixed add().' } },
  ]);
}

/** Verifies the chain (as the runtime does before sealing) and seals its head. */
async function sealHead(sessionId = SESSION, ring: SigningKeyring = keyring) {
  const chain = (await sessions.verify(sessionId))._unsafeUnwrap();
  if (!chain.ok) throw new Error('chain broken');
  return sealSessionHead(seals, { sessionId, seq: chain.events, headHash: chain.headHash }, ring);
}

function trusted(...rings: SigningKeyring[]): Map<string, KeyObject> {
  return new Map(
    rings.flatMap((r) => r.publicKeys()).map((k) => [k.keyId, createPublicKey(k.publicKeyPem)] as const),
  );
}

async function check(keys = trusted(keyring), sessionId = SESSION) {
  const events = (await sessions.readEvents(sessionId))._unsafeUnwrap();
  return verifySessionSeals(sessionId, events, seals.read(sessionId)._unsafeUnwrap(), keys);
}

/**
 * Changes one event's data and recomputes every hash from there on, as someone with write access to the
 * database file could: the hash chain alone no longer shows the edit.
 */
async function rewriteAndRehash(
  sessionId: string,
  seq: number,
  change: (data: Record<string, unknown>) => void,
): Promise<void> {
  const events = (await sessions.readEvents(sessionId))._unsafeUnwrap();
  sessions.close();
  const db = new Database(dbPath);
  let prevHash: string | undefined;
  for (const stored of events) {
    const data = structuredClone(stored.data) as Record<string, unknown>;
    if (stored.seq === seq) change(data);
    const { hash: _old, ...event } = {
      ...stored,
      data,
      prevHash: prevHash ?? stored.prevHash,
    } as SessionEvent;
    const hash = computeEventHash(event);
    db.prepare(
      'UPDATE session_events SET data = ?, prev_hash = ?, hash = ? WHERE session_id = ? AND seq = ?',
    ).run(JSON.stringify(data), event.prevHash, hash, sessionId, stored.seq);
    prevHash = hash;
  }
  db.close();
  sessions = createSqliteSessionStore({ path: dbPath })._unsafeUnwrap();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-session-seal-'));
  dbPath = join(dir, 'worktrain.db');
  keysDir = join(dir, 'keys', 'signing');
  keyring = openSigningKeyring(keysDir)._unsafeUnwrap();
  sessions = createSqliteSessionStore({ path: dbPath })._unsafeUnwrap();
  seals = openSqliteSessionSealStore({ path: dbPath })._unsafeUnwrap();
});
afterEach(() => {
  seals.close();
  sessions.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('session seals', () => {
  it('verifies a sealed session: the key, the sealed seq and no unsealed event', async () => {
    const last = await endedSession();
    const sealed = (await sealHead())._unsafeUnwrap();
    expect(sealed).toMatchObject({
      created: true,
      seal: { sessionId: SESSION, seq: last, keyId: keyring.currentKeyId },
    });
    expect(await check()).toMatchObject({
      status: 'ok',
      seq: last,
      keyId: keyring.currentKeyId,
      seals: 1,
      unsealedEvents: 0,
    });
  });

  it('seals the same head once; a later head adds a seal that supersedes it', async () => {
    const last = await endedSession();
    expect((await sealHead())._unsafeUnwrap().created).toBe(true);
    expect((await sealHead())._unsafeUnwrap().created).toBe(false);
    const more = await appendAll(
      SESSION,
      [{ kind: 'session_aborted', data: { reason: 'stopped after delivery', actor: 'test' } }],
      last,
    );
    // Appended after the seal: reported, not a failure.
    expect(await check()).toMatchObject({ status: 'ok', seq: last, unsealedEvents: more - last });
    await sealHead();
    expect(seals.read(SESSION)._unsafeUnwrap()).toHaveLength(2);
    expect(await check()).toMatchObject({ status: 'ok', seq: more, seals: 2, unsealedEvents: 0 });
  });

  it('fails a log edited and re-hashed end to end: the chain passes, the seal does not', async () => {
    await endedSession();
    await sealHead();
    await rewriteAndRehash(SESSION, 4, (data) => {
      data.summary = 'Fixed add() and approved by security.';
    });
    expect((await sessions.verify(SESSION))._unsafeUnwrap().ok).toBe(true);
    const result = await check();
    expect(result.status).toBe('invalid');
    expect(result.status === 'invalid' && result.problems.map((p) => p.code)).toEqual(['SEAL_HEAD']);
  });

  it('fails a seal whose head hash was rewritten to the forged chain: the signature does not verify', async () => {
    await endedSession();
    await sealHead();
    await rewriteAndRehash(SESSION, 2, (data) => {
      data.workerId = 'someone-else';
    });
    const forgedHead = (await sessions.verify(SESSION))._unsafeUnwrap();
    if (!forgedHead.ok) throw new Error('chain broken');
    const db = new Database(dbPath);
    const row = db.prepare('SELECT body FROM session_seals WHERE session_id = ?').get(SESSION) as {
      body: string;
    };
    db.prepare('UPDATE session_seals SET body = ? WHERE session_id = ?').run(
      JSON.stringify({ ...JSON.parse(row.body), headHash: forgedHead.headHash }),
      SESSION,
    );
    db.close();
    const result = await check();
    expect(result.status === 'invalid' && result.problems.map((p) => p.code)).toEqual(['SEAL_SIGNATURE']);
  });

  it('fails a seal by a key outside the trusted keys (unknown kid)', async () => {
    await endedSession();
    await sealHead();
    const other = openSigningKeyring(join(dir, 'other-keys'))._unsafeUnwrap();
    const result = await check(trusted(other));
    expect(result.status === 'invalid' && result.problems.map((p) => p.code)).toEqual(['SEAL_UNKNOWN_KEY']);
  });

  it('keeps verifying seals of a rotated-out key, since the ring keeps old public keys', async () => {
    await endedSession('sess_old');
    await sealHead('sess_old');
    const oldKey = keyring.currentKeyId;
    keyring = rotateSigningKey(keysDir)._unsafeUnwrap();
    expect(keyring.currentKeyId).not.toBe(oldKey);
    await endedSession('sess_new');
    await sealHead('sess_new');
    const ring = readPublicSigningKeys(keysDir)._unsafeUnwrap();
    const keys = new Map(ring.map((k) => [k.keyId, createPublicKey(k.publicKeyPem)]));
    expect(await check(keys, 'sess_old')).toMatchObject({ status: 'ok', keyId: oldKey });
    expect(await check(keys, 'sess_new')).toMatchObject({ status: 'ok', keyId: keyring.currentKeyId });
  });

  it('reports no seal for a running session and for one that ended unsealed', async () => {
    await appendAll('sess_running', [created(), { kind: 'session_started', data: {} }]);
    expect(await check(trusted(keyring), 'sess_running')).toMatchObject({
      status: 'none',
      reason: 'running',
    });
    await endedSession();
    expect(await check()).toMatchObject({ status: 'none', reason: 'ended_unsealed' });
  });

  it('refuses to seal a seq again over another hash (SESSION_SEAL_CONFLICT)', async () => {
    const last = await endedSession();
    await sealHead();
    const again = sealSessionHead(
      seals,
      { sessionId: SESSION, seq: last, headHash: `sha256:${'0'.repeat(64)}` },
      keyring,
    );
    expect(again._unsafeUnwrapErr().code).toBe('SESSION_SEAL_CONFLICT');
  });
});

describe('verifySession (read-only)', () => {
  it('verifies chain and seal from the database file, and reports an unknown session as null', async () => {
    await endedSession();
    await sealHead();
    const report = (
      await verifySession(SESSION, { databasePath: dbPath, signingKeysDir: keysDir })
    )._unsafeUnwrap();
    expect(report).toMatchObject({
      ok: true,
      chain: { ok: true, events: 4 },
      seal: { status: 'ok', seq: 4 },
    });
    expect(
      (await verifySession('sess_nope', { databasePath: dbPath, signingKeysDir: keysDir }))._unsafeUnwrap(),
    ).toBeNull();
  });

  it('creates nothing: no database, no key folder', async () => {
    const empty = join(dir, 'empty');
    const result = await verifySession(SESSION, {
      databasePath: join(empty, 'worktrain.db'),
      signingKeysDir: join(empty, 'keys', 'signing'),
    });
    expect(result._unsafeUnwrap()).toBeNull();
    expect(existsSync(empty)).toBe(false);
  });

  it('reads an older database without the seal table as unsealed, without creating the table', async () => {
    const other = join(dir, 'older.db');
    const store = createSqliteSessionStore({ path: other })._unsafeUnwrap();
    await store.append({ sessionId: SESSION, expectedSeq: 0, events: [created()] });
    store.close();
    const report = (
      await verifySession(SESSION, { databasePath: other, signingKeysDir: keysDir })
    )._unsafeUnwrap();
    expect(report?.seal).toMatchObject({ status: 'none', reason: 'running' });
    const db = new Database(other, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'session_seals'").get()).toBeUndefined();
    db.close();
  });
});
