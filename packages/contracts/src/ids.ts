import { randomFillSync } from 'node:crypto';
import * as z from 'zod';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'; // RFC 4648 base32, lower-case

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time and handed out once each (the way Node's
 * `crypto.randomUUID` caches entropy): one `randomBytes` call per id cost several µs on the append path.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

function freshRandomBytes(n: number): Uint8Array {
  if (n > POOL_BYTES) return randomFillSync(Buffer.alloc(n));
  if (poolOffset + n > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += n;
  return pool.subarray(start, start + n);
}

/**
 * `bytes` cryptographically random bytes as lower-case base32 (RFC 4648 alphabet, no padding): 16 bytes
 * (the default) give 26 characters carrying 128 random bits, enough for global uniqueness. No two calls
 * share random bytes.
 */
export function randomId(bytes = 16): string {
  const buf = freshRandomBytes(bytes);
  let out = '';
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < buf.length; i++) {
    acc = (acc << 8) | buf[i]!;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

/** Id prefixes. A prefix makes an id self-describing in logs and errors (`sess_…`, `node_…`). */
export const ID_PREFIXES = {
  session: 'sess',
  node: 'node',
  event: 'evt',
  task: 'task',
  toolCall: 'call',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

/** Id generator port, injected so tests can make ids deterministic. */
export interface IdGenerator {
  /** A fresh id of the given kind, e.g. `sess_3xq…`. */
  next(kind: IdKind): string;
}

/** Cryptographically random ids: `<prefix>_<26 base32 chars>`. */
export const randomIds: IdGenerator = {
  next: (kind) => `${ID_PREFIXES[kind]}_${randomId()}`,
};

/** Deterministic ids for tests: `<prefix>_<counter padded>`. */
export function sequentialIds(start = 1): IdGenerator {
  let n = start;
  return { next: (kind) => `${ID_PREFIXES[kind]}_${String(n++).padStart(8, '0')}` };
}

export const SessionIdSchema = z
  .string()
  .regex(/^sess_[a-z0-9_]{1,64}$/, 'expected a session id like sess_…');
export const NodeIdSchema = z.string().regex(/^node_[a-z0-9_]{1,64}$/, 'expected a node id like node_…');
export type SessionId = z.infer<typeof SessionIdSchema>;
export type NodeId = z.infer<typeof NodeIdSchema>;
