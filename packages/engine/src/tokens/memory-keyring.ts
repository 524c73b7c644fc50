import { randomBytes } from 'node:crypto';
import { randomId } from '@worktrain/contracts';
import type { Keyring } from '../api.js';

/** Key ids: what may appear in a token and as a key file name. */
export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Size of generated HMAC-SHA256 keys, in bytes. */
export const KEY_BYTES = 32;
/** Shortest accepted secret, in bytes (RFC 2104: at least the hash output length for full strength). */
export const MIN_KEY_BYTES = 32;

export interface KeyMaterial {
  /** Matches {@link KEY_ID_PATTERN}, e.g. `k_3xq7…`. */
  readonly id: string;
  /** At least 32 bytes. */
  readonly secret: Uint8Array;
}

/** A keyring held in memory (tests, short-lived engines); rotation and retirement are immediate. */
export interface MemoryKeyring extends Keyring {
  /** Ids of all keys that still verify, oldest first; the last one is current. */
  keyIds(): readonly string[];
  /** Adds a fresh random key (or `material`) and makes it current; returns its id. */
  rotate(material?: KeyMaterial): string;
  /**
   * Forgets a key so tokens signed with it fail with `TOKEN_UNKNOWN_KEY`. Returns false when the id is
   * unknown or is the current key (the current key cannot be retired; rotate first).
   */
  retire(keyId: string): boolean;
}

/** A fresh key id: `k_` + 16 base32 characters. */
export function newKeyId(): string {
  return `k_${randomId(10)}`;
}

/**
 * Creates an in-memory keyring. With `keys`, the **last** entry is current and all verify; without, one
 * random 32-byte key is generated.
 * @throws {Error} programmer error: an id not matching {@link KEY_ID_PATTERN}, a duplicate id, or a secret
 *   shorter than 32 bytes.
 */
export function createMemoryKeyring(keys?: readonly KeyMaterial[]): MemoryKeyring {
  const ring = new Map<string, Uint8Array>();
  let current = '';
  const add = (material: KeyMaterial): string => {
    if (!KEY_ID_PATTERN.test(material.id)) throw new Error(`invalid key id "${material.id}"`);
    if (ring.has(material.id)) throw new Error(`duplicate key id "${material.id}"`);
    if (material.secret.length < MIN_KEY_BYTES) {
      throw new Error(
        `key "${material.id}" is ${material.secret.length} bytes; at least ${MIN_KEY_BYTES} are required`,
      );
    }
    ring.set(material.id, Uint8Array.from(material.secret));
    current = material.id;
    return material.id;
  };
  const generate = (): KeyMaterial => ({ id: newKeyId(), secret: randomBytes(KEY_BYTES) });
  for (const material of keys && keys.length > 0 ? keys : [generate()]) add(material);
  return {
    get currentKeyId() {
      return current;
    },
    key: (keyId) => ring.get(keyId),
    keyIds: () => [...ring.keys()],
    rotate: (material) => add(material ?? generate()),
    retire: (keyId) => keyId !== current && ring.delete(keyId),
  };
}
