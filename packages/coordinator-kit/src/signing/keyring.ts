/**
 * The Ed25519 signing keys that seal proof records and session chain heads (issue #15), beside the token
 * keys in `$WORKTRAIN_HOME/keys/`: `keys/signing/ed25519-<keyId>.pem` (PKCS#8 private key, mode 0600) and
 * `keys/signing/current` naming the key that signs. Rotation adds a key and makes it current; old keys stay
 * and keep verifying what they signed. The public keys are what an operator pins elsewhere
 * (`worktrain keys export`), so that a rewrite of the database and a re-hash of every chain still fails
 * verification: the rewriter would need the private key.
 *
 * Key ids are RFC 7638 JWK thumbprints (sha256, base64url) of the public key, so anyone holding an exported
 * public key can recompute its id.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import {
  chmodSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '@worktrain/contracts';
import { type CoordinatorError, coordinatorError } from '../errors.js';

const CURRENT = 'current';
const KEY_FILE = /^ed25519-([A-Za-z0-9_-]{43})\.pem$/;

/** A public signing key as `worktrain keys export` prints it. */
export interface PublicSigningKey {
  /** RFC 7638 thumbprint (base64url sha256 of the canonical JWK). */
  readonly keyId: string;
  readonly alg: 'Ed25519';
  /** SubjectPublicKeyInfo PEM. */
  readonly publicKeyPem: string;
  /** RFC 8037 OKP JWK: `{ kty: 'OKP', crv: 'Ed25519', x }`. */
  readonly jwk: { readonly kty: 'OKP'; readonly crv: 'Ed25519'; readonly x: string };
  /** True for the key that signs now. */
  readonly current: boolean;
}

/** Signs with the current key; verifies with any key of the ring. */
export interface SigningKeyring {
  readonly currentKeyId: string;
  /** Ed25519 signature (64 bytes, base64url) of `message` with the current key. */
  sign(message: Buffer): { keyId: string; signature: string };
  /** Every key of the ring, the current one marked. */
  publicKeys(): readonly PublicSigningKey[];
}

/** Thumbprint of an Ed25519 public key per RFC 7638 §3 (members in lexicographic order, no spaces). */
export function keyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${String(jwk.x)}"}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** The public form of a key, for export and for verifying with keys held outside the ring. */
export function publicSigningKey(publicKey: KeyObject, current: boolean): PublicSigningKey {
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    keyId: keyIdOf(publicKey),
    alg: 'Ed25519',
    publicKeyPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
    jwk: { kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) },
    current,
  };
}

/**
 * Parses a public key given as SPKI PEM or as an OKP JWK (JSON text), e.g. from `worktrain keys export`.
 * Errors: SIGNING_KEY_INVALID.
 */
export function parsePublicSigningKey(text: string): Result<KeyObject, CoordinatorError> {
  try {
    const trimmed = text.trim();
    const key = trimmed.startsWith('{')
      ? createPublicKey({ key: JSON.parse(trimmed) as import('node:crypto').JsonWebKey, format: 'jwk' })
      : createPublicKey(trimmed);
    if (key.asymmetricKeyType !== 'ed25519')
      return err(coordinatorError('SIGNING_KEY_INVALID', 'The public key is not an Ed25519 key.', {}));
    return ok(key);
  } catch (e) {
    return err(
      coordinatorError('SIGNING_KEY_INVALID', `The public key cannot be read: ${(e as Error).message}`, {}),
    );
  }
}

/** True when `signature` (base64url) is `publicKey`'s Ed25519 signature of `message`. */
export function verifySignature(publicKey: KeyObject, message: Buffer, signature: string): boolean {
  try {
    return verify(null, message, publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

function io(path: string, e: unknown): CoordinatorError {
  return coordinatorError(
    'SIGNING_KEY_IO',
    `Cannot use the signing key folder ${path}: ${(e as Error).message}`,
    {
      path,
      cause: (e as Error).message,
    },
  );
}

/** Writes a new key file; returns its id. */
function writeNewKey(dir: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = keyIdOf(publicKey);
  const file = join(dir, `ed25519-${keyId}.pem`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return keyId;
}

function setCurrent(dir: string, keyId: string, onlyIfAbsent: boolean): void {
  const tmp = join(dir, `${CURRENT}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(tmp, `${keyId}\n`, { mode: 0o600 });
  try {
    if (onlyIfAbsent)
      linkSync(tmp, join(dir, CURRENT)); // atomic create-if-absent: two first starts agree
    else renameSync(tmp, join(dir, CURRENT));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function load(dir: string): Result<SigningKeyring, CoordinatorError> {
  let currentKeyId: string;
  const keys = new Map<string, { privateKey: KeyObject; publicKey: KeyObject }>();
  try {
    currentKeyId = readFileSync(join(dir, CURRENT), 'utf8').trim();
    for (const name of readdirSync(dir)) {
      const m = KEY_FILE.exec(name);
      if (m === null) continue;
      const path = join(dir, name);
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey(readFileSync(path, 'utf8'));
      } catch {
        return err(coordinatorError('SIGNING_KEY_INVALID', `${path} is not a PEM private key.`, { path }));
      }
      if (privateKey.asymmetricKeyType !== 'ed25519')
        return err(coordinatorError('SIGNING_KEY_INVALID', `${path} is not an Ed25519 key.`, { path }));
      const publicKey = createPublicKey(privateKey);
      if (keyIdOf(publicKey) !== m[1])
        return err(
          coordinatorError('SIGNING_KEY_INVALID', `${path} does not hold the key its name says.`, { path }),
        );
      keys.set(m[1] ?? '', { privateKey, publicKey });
    }
  } catch (e) {
    return err(io(dir, e));
  }
  const current = keys.get(currentKeyId);
  if (current === undefined)
    return err(
      coordinatorError(
        'SIGNING_KEY_INVALID',
        `${join(dir, CURRENT)} names key ${currentKeyId}, which is missing.`,
        {
          path: join(dir, CURRENT),
        },
      ),
    );
  return ok({
    currentKeyId,
    sign: (message) => ({
      keyId: currentKeyId,
      signature: sign(null, message, current.privateKey).toString('base64url'),
    }),
    publicKeys: () =>
      [...keys.entries()]
        .map(([id, k]) => publicSigningKey(k.publicKey, id === currentKeyId))
        .sort((a, b) => Number(b.current) - Number(a.current) || a.keyId.localeCompare(b.keyId)),
  });
}

/**
 * Opens the signing keyring in `dir` (normally `$WORKTRAIN_HOME/keys/signing`), creating the folder (0700)
 * and a first key when there is none. Errors: SIGNING_KEY_IO, SIGNING_KEY_INVALID.
 */
export function openSigningKeyring(dir: string): Result<SigningKeyring, CoordinatorError> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    let hasCurrent = true;
    try {
      readFileSync(join(dir, CURRENT));
    } catch {
      hasCurrent = false;
    }
    if (!hasCurrent) setCurrent(dir, writeNewKey(dir), true);
  } catch (e) {
    return err(io(dir, e));
  }
  return load(dir);
}

/** Adds a new key to the ring in `dir` and makes it current; old keys keep verifying. Errors as open's. */
export function rotateSigningKey(dir: string): Result<SigningKeyring, CoordinatorError> {
  const opened = openSigningKeyring(dir);
  if (opened.isErr()) return opened;
  try {
    setCurrent(dir, writeNewKey(dir), false);
  } catch (e) {
    return err(io(dir, e));
  }
  return load(dir);
}

/**
 * The public keys of the ring in `dir` without creating or changing anything (read commands: `verify`,
 * `keys export`). A missing folder is an empty list. Errors: SIGNING_KEY_IO, SIGNING_KEY_INVALID.
 */
export function readPublicSigningKeys(dir: string): Result<readonly PublicSigningKey[], CoordinatorError> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return ok([]);
    return err(io(dir, e));
  }
  if (!names.includes(CURRENT)) return ok([]);
  return load(dir).map((ring) => ring.publicKeys());
}
