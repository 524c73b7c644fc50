/**
 * Read-only verification of a session's log: its hash chain (the session store's `verify`) and its seals
 * against trusted public keys — the ones pinned by the caller or else the ring in `keys/signing/`, read
 * without creating anything. What `worktrain sessions verify` and `worktrain verify <session-id>` run.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { err, ok, type Result } from '@worktrain/contracts';
import {
  createSqliteSessionStore,
  type SessionStore,
  type SessionStoreError,
  type VerifyResult,
} from '@worktrain/session-store';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import { keyIdOf, readPublicSigningKeys } from '../signing/keyring.js';
import { type SessionSealVerification, verifySessionSeals } from './seal.js';
import { openSqliteSessionSealStore } from './sqlite-store.js';

/** Where the seals and the trusted keys are. */
export interface SessionSealSource {
  /** `$WORKTRAIN_HOME/worktrain.db` (opened read-only). */
  readonly databasePath: string;
  /** `$WORKTRAIN_HOME/keys/signing`; read when `trustedKeys` is absent. */
  readonly signingKeysDir: string;
  /** Pinned public keys (`worktrain keys export`); when given, the ring on disk is not trusted. */
  readonly trustedKeys?: readonly KeyObject[];
}

/** A session's chain and seal verdicts. `ok` when the chain is intact and no seal is invalid. */
export interface SessionLogVerification {
  readonly sessionId: string;
  readonly ok: boolean;
  readonly chain: VerifyResult;
  readonly seal: SessionSealVerification;
}

/**
 * The trusted keys by id: `trustedKeys` when given, else the public keys of the ring in `signingKeysDir`
 * (read-only; a missing folder is no key). Errors: SIGNING_KEY_IO, SIGNING_KEY_INVALID.
 */
export function trustedKeyMap(
  source: Pick<SessionSealSource, 'signingKeysDir' | 'trustedKeys'>,
): Result<Map<string, KeyObject>, CoordinatorError> {
  if (source.trustedKeys !== undefined) return ok(new Map(source.trustedKeys.map((k) => [keyIdOf(k), k])));
  return readPublicSigningKeys(source.signingKeysDir).map(
    (ring) => new Map(ring.map((k) => [k.keyId, createPublicKey(k.publicKeyPem)])),
  );
}

/** The stored seals of `sessionId` (none when there is no database or no seal table yet). */
function readSeals(databasePath: string, sessionId: string): Result<readonly unknown[], CoordinatorError> {
  const opened = openSqliteSessionSealStore({ path: databasePath, readOnly: true });
  if (opened.isErr()) return opened.error.details?.dbCode === 'DATABASE_MISSING' ? ok([]) : err(opened.error);
  try {
    return opened.value.read(sessionId);
  } finally {
    opened.value.close();
  }
}

const storeIo = (e: SessionStoreError): CoordinatorError =>
  coordinatorError('SESSION_STORE_IO', e.message, { storeCode: e.code, ...(e.details ?? {}) });

/**
 * Verifies `sessionId` in an open session `store` (the caller's, e.g. the CLI's read-only one): the chain
 * as the store recomputes it, then the seals against the events and the trusted keys. `null` when the
 * store has no such session. Errors: SESSION_STORE_IO, SESSION_SEAL_STORE_IO, SIGNING_KEY_IO,
 * SIGNING_KEY_INVALID.
 */
export async function verifySessionIn(
  store: SessionStore,
  sessionId: string,
  source: SessionSealSource,
): Promise<Result<SessionLogVerification | null, CoordinatorError>> {
  const chain = await store.verify(sessionId);
  if (chain.isErr()) return chain.error.code === 'SESSION_NOT_FOUND' ? ok(null) : err(storeIo(chain.error));
  const keys = trustedKeyMap(source);
  if (keys.isErr()) return err(keys.error);
  const seals = readSeals(source.databasePath, sessionId);
  if (seals.isErr()) return err(seals.error);
  const events = await store.readEvents(sessionId);
  const seal: SessionSealVerification = events.isOk()
    ? verifySessionSeals(sessionId, events.value, seals.value, keys.value)
    : seals.value.length === 0
      ? verifySessionSeals(sessionId, [], [], keys.value)
      : {
          status: 'invalid',
          sessionId,
          seals: seals.value.length,
          problems: [
            { code: 'CHAIN_BROKEN', message: `The session's events cannot be read: ${events.error.message}` },
          ],
        };
  return ok({ sessionId, ok: chain.value.ok && seal.status !== 'invalid', chain: chain.value, seal });
}

/**
 * {@link verifySessionIn} over the database at `source.databasePath`, opened read-only. `null` when there
 * is no database, no session table or no such session. Errors as verifySessionIn's.
 */
export async function verifySession(
  sessionId: string,
  source: SessionSealSource,
): Promise<Result<SessionLogVerification | null, CoordinatorError>> {
  if (!existsSync(source.databasePath)) return ok(null);
  const opened = createSqliteSessionStore({ path: source.databasePath, readonly: true });
  if (opened.isErr()) {
    // A database the queue or the triggers created first has no session tables: no session yet.
    const noTables = opened.error.code === 'STORE_READ_ONLY' && opened.error.details?.schemaVersion === 0;
    return noTables ? ok(null) : err(storeIo(opened.error));
  }
  try {
    return await verifySessionIn(opened.value, sessionId, source);
  } finally {
    opened.value.close();
  }
}
