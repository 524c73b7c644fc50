/**
 * Keyring stored in a directory (normally `$WORKTRAIN_HOME/keys/`, mode 0700):
 * - `<keyId>.key`: the key as base64url text (32 random bytes), mode 0600;
 * - `current`: the id of the key that signs new tokens.
 * Every key file still present verifies tokens; retiring a key deletes its file.
 *
 * Concurrency: files appear atomically (written under a temporary name, then linked or renamed), so a reader
 * never sees half a key. Two processes creating the keyring at once agree on one current key: the pointer is
 * created with an exclusive link, the loser discards its key and adopts the winner's.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeThrown, err, makeError, ok, type Result, randomId } from '@worktrain/contracts';
import type { EngineError, Keyring } from '../api.js';
import { KEY_BYTES, KEY_ID_PATTERN, MIN_KEY_BYTES, newKeyId } from './memory-keyring.js';

const CURRENT_FILE = 'current';
const KEY_SUFFIX = '.key';
/** Attempts at adopting a concurrently created pointer before giving up. */
const CREATE_ATTEMPTS = 5;

/** A keyring loaded from a directory. */
export interface FileKeyring extends Keyring {
  readonly dir: string;
  /** Ids of the keys loaded (current included), sorted. */
  keyIds(): readonly string[];
  /**
   * Deletes a key so tokens signed with it fail with `TOKEN_UNKNOWN_KEY`. Refuses the current key (rotate
   * first). Other processes holding the key in memory keep accepting it until they reload.
   */
  retire(keyId: string): Result<void, EngineError>;
}

/**
 * Opens the keyring in `dir`, creating the directory (0700) and a first random key when there is none.
 * Keys written by another process later (rotation) are picked up on first use of their id.
 * Errors: `KEYRING_IO` (unreadable or unwritable directory),
 * `KEYRING_CORRUPT` (bad pointer or key file; the message names the file).
 */
export function createFileKeyring(dir: string): Result<FileKeyring, EngineError> {
  const ready = ensureDir(dir);
  if (ready.isErr()) return err(ready.error);
  for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
    const pointer = readPointer(dir);
    if (pointer.isErr()) return err(pointer.error);
    if (pointer.value !== undefined) return load(dir, pointer.value);
    const created = createFirstKey(dir);
    if (created.isErr()) return err(created.error);
    // Either ours won or another process's did; the next read of the pointer tells which.
  }
  return err(
    keyringError('KEYRING_IO', `could not create ${path.join(dir, CURRENT_FILE)}: it keeps changing`, dir),
  );
}

/**
 * Adds a new random key to the keyring in `dir` and makes it current; old keys stay and keep verifying.
 * Returns the reloaded keyring. Same errors as {@link createFileKeyring}.
 */
export function rotateKeyring(dir: string): Result<FileKeyring, EngineError> {
  const opened = createFileKeyring(dir);
  if (opened.isErr()) return opened;
  const keyId = newKeyId();
  const written = writeKeyFile(dir, keyId);
  if (written.isErr()) return err(written.error);
  const tmp = tempName(dir, CURRENT_FILE);
  try {
    writeDurably(tmp, `${keyId}\n`);
    fs.renameSync(tmp, path.join(dir, CURRENT_FILE));
  } catch (thrown) {
    tryUnlink(tmp);
    return err(
      keyringError(
        'KEYRING_IO',
        `could not update ${path.join(dir, CURRENT_FILE)}: ${describeThrown(thrown)}`,
        dir,
      ),
    );
  }
  return load(dir, keyId);
}

/**
 * Retires key `keyId` of the keyring in `dir` (deletes its file); tokens signed with it then fail with
 * `TOKEN_UNKNOWN_KEY` in every process that (re)opens the keyring. Refuses the current key. For CLIs
 * (`worktrain keys retire <id>`); same as `createFileKeyring(dir)` then `.retire(keyId)`.
 */
export function retireKey(dir: string, keyId: string): Result<void, EngineError> {
  return createFileKeyring(dir).andThen((keyring) => keyring.retire(keyId));
}

function createFirstKey(dir: string): Result<void, EngineError> {
  const keyId = newKeyId();
  const written = writeKeyFile(dir, keyId);
  if (written.isErr()) return written;
  const tmp = tempName(dir, CURRENT_FILE);
  try {
    writeDurably(tmp, `${keyId}\n`);
    // link() fails with EEXIST if the pointer exists: an atomic "create with content, exclusively".
    fs.linkSync(tmp, path.join(dir, CURRENT_FILE));
  } catch (thrown) {
    tryUnlink(path.join(dir, keyId + KEY_SUFFIX));
    if (errnoCode(thrown) !== 'EEXIST') {
      tryUnlink(tmp);
      return err(
        keyringError(
          'KEYRING_IO',
          `could not create ${path.join(dir, CURRENT_FILE)}: ${describeThrown(thrown)}`,
          dir,
        ),
      );
    }
  }
  tryUnlink(tmp);
  return ok(undefined);
}

function load(dir: string, currentKeyId: string): Result<FileKeyring, EngineError> {
  const keys = new Map<string, Uint8Array>();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (thrown) {
    return err(keyringError('KEYRING_IO', `could not list ${dir}: ${describeThrown(thrown)}`, dir));
  }
  for (const name of names) {
    const keyId = name.endsWith(KEY_SUFFIX) ? name.slice(0, -KEY_SUFFIX.length) : '';
    if (!KEY_ID_PATTERN.test(keyId)) continue;
    const read = readKeyFile(dir, keyId);
    if (read.isErr()) return err(read.error);
    // undefined: deleted between listing and reading (a concurrent retire or a losing creator).
    if (read.value !== undefined) keys.set(keyId, read.value);
  }
  if (!keys.has(currentKeyId)) {
    return err(
      keyringError(
        'KEYRING_CORRUPT',
        `${path.join(dir, CURRENT_FILE)} names key "${currentKeyId}" but ${path.join(dir, currentKeyId + KEY_SUFFIX)} does not exist; restore it or delete the pointer to start a new key (outstanding tokens then stop working)`,
        dir,
      ),
    );
  }
  const retired = new Set<string>();
  return ok({
    dir,
    currentKeyId,
    key(keyId: string): Uint8Array | undefined {
      const known = keys.get(keyId);
      if (known !== undefined || retired.has(keyId) || !KEY_ID_PATTERN.test(keyId)) return known;
      // A key rotated in by another process after we loaded.
      const read = readKeyFile(dir, keyId);
      if (read.isOk() && read.value !== undefined) keys.set(keyId, read.value);
      return keys.get(keyId);
    },
    keyIds: () => [...keys.keys()].sort(),
    retire(keyId: string): Result<void, EngineError> {
      if (keyId === currentKeyId) {
        return err(
          makeError('INPUT_INVALID', `Key "${keyId}" is the current key; rotate before retiring it.`, {
            keyId,
          }),
        );
      }
      if (!KEY_ID_PATTERN.test(keyId)) {
        return err(makeError('INPUT_INVALID', `"${keyId}" is not a key id.`, { keyId }));
      }
      try {
        fs.unlinkSync(path.join(dir, keyId + KEY_SUFFIX));
      } catch (thrown) {
        if (errnoCode(thrown) !== 'ENOENT') {
          return err(
            keyringError('KEYRING_IO', `could not delete key "${keyId}": ${describeThrown(thrown)}`, dir),
          );
        }
      }
      keys.delete(keyId);
      retired.add(keyId);
      return ok(undefined);
    },
  });
}

function ensureDir(dir: string): Result<void, EngineError> {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!fs.statSync(dir).isDirectory()) {
      return err(keyringError('KEYRING_IO', `${dir} exists and is not a directory`, dir));
    }
    return ok(undefined);
  } catch (thrown) {
    return err(
      keyringError('KEYRING_IO', `could not create the key directory ${dir}: ${describeThrown(thrown)}`, dir),
    );
  }
}

/** The current key id, or undefined when there is no pointer yet. */
function readPointer(dir: string): Result<string | undefined, EngineError> {
  const file = path.join(dir, CURRENT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (thrown) {
    if (errnoCode(thrown) === 'ENOENT') return ok(undefined);
    return err(keyringError('KEYRING_IO', `could not read ${file}: ${describeThrown(thrown)}`, dir));
  }
  const keyId = text.trim();
  if (!KEY_ID_PATTERN.test(keyId)) {
    return err(
      keyringError(
        'KEYRING_CORRUPT',
        `${file} does not contain a key id (expected one line like k_abc…)`,
        dir,
      ),
    );
  }
  return ok(keyId);
}

/** The key bytes, undefined when the file does not exist. */
function readKeyFile(dir: string, keyId: string): Result<Uint8Array | undefined, EngineError> {
  const file = path.join(dir, keyId + KEY_SUFFIX);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (thrown) {
    if (errnoCode(thrown) === 'ENOENT') return ok(undefined);
    return err(keyringError('KEYRING_IO', `could not read ${file}: ${describeThrown(thrown)}`, dir));
  }
  const bytes = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, 'base64url') : undefined;
  if (bytes === undefined || bytes.length < MIN_KEY_BYTES || bytes.toString('base64url') !== text) {
    return err(
      keyringError(
        'KEYRING_CORRUPT',
        `${file} is not a key file (expected base64url of at least ${MIN_KEY_BYTES} bytes)`,
        dir,
      ),
    );
  }
  return ok(new Uint8Array(bytes));
}

function writeKeyFile(dir: string, keyId: string): Result<void, EngineError> {
  const tmp = tempName(dir, keyId);
  try {
    writeDurably(tmp, `${randomBytes(KEY_BYTES).toString('base64url')}\n`);
    fs.renameSync(tmp, path.join(dir, keyId + KEY_SUFFIX));
    return ok(undefined);
  } catch (thrown) {
    tryUnlink(tmp);
    return err(
      keyringError('KEYRING_IO', `could not write a key file in ${dir}: ${describeThrown(thrown)}`, dir),
    );
  }
}

/** Creates `file` exclusively with mode 0600 and flushes it to disk. */
function writeDurably(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Temporary names start with "." and end with ".tmp", so they never look like key files. */
function tempName(dir: string, base: string): string {
  return path.join(dir, `.${base}.${process.pid}.${randomId(6)}.tmp`);
}

function tryUnlink(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone, or the directory became unwritable: nothing more to clean up.
  }
}

function errnoCode(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !('code' in thrown)) return undefined;
  return typeof thrown.code === 'string' ? thrown.code : undefined;
}

function keyringError(
  keyringErrorCode: 'KEYRING_IO' | 'KEYRING_CORRUPT',
  detail: string,
  dir: string,
): EngineError {
  return makeError(keyringErrorCode, `Keyring error: ${detail}.`, { dir });
}
