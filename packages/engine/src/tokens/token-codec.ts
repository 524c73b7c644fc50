/**
 * Byte layout of token payloads and the strict base64url used in token text. Internal to `tokens/`.
 *
 * Payload v1 (big-endian):
 *   u8 version (=1) | u8 len, keyId utf-8 | u8 len, sessionId utf-8 | u8 len, nodeId utf-8 | u32 attempt
 * A binary layout instead of JSON keeps tokens short (about 150 characters with WorkTrain ids).
 */

export const TOKEN_KINDS = ['continue', 'state', 'checkpoint', 'gate'] as const;
/** What a token authorises: advancing (`ct_`), read-only resume (`st_`), checkpointing (`ck_`), gate resolution (`gt_`). */
export type TokenKind = (typeof TOKEN_KINDS)[number];

export const TOKEN_PREFIXES: Readonly<Record<TokenKind, string>> = {
  continue: 'ct_',
  state: 'st_',
  checkpoint: 'ck_',
  gate: 'gt_',
};

/** What a token is bound to. */
export interface TokenPayload {
  readonly kind: TokenKind;
  readonly sessionId: string;
  readonly nodeId: string;
  /** Attempt number of the node the token was minted for (a retry after a blocked advance is a new attempt). */
  readonly attempt: number;
}

/** The payload as carried inside a token: format version and the id of the signing key. */
export interface SignedPayload extends TokenPayload {
  readonly v: 1;
  readonly keyId: string;
}

export const PAYLOAD_VERSION = 1;
/** Longest UTF-8 encoding of `keyId`, `sessionId` or `nodeId`, in bytes. */
export const MAX_FIELD_BYTES = 128;
/** Longest accepted token text, in characters; anything longer is rejected before decoding. */
export const MAX_TOKEN_LENGTH = 512;
export const MAX_ATTEMPT = 0xffff_ffff;

/** Returns the kind whose prefix starts `text`, or undefined. */
export function kindOfPrefix(text: string): TokenKind | undefined {
  return TOKEN_KINDS.find((kind) => text.startsWith(TOKEN_PREFIXES[kind]));
}

/** Why a payload cannot be encoded, or undefined when it can. */
export function payloadProblem(payload: SignedPayload): string | undefined {
  for (const field of ['keyId', 'sessionId', 'nodeId'] as const) {
    const value: unknown = payload[field];
    if (typeof value !== 'string' || value.length === 0) return `${field} must be a non-empty string`;
    if (Buffer.byteLength(value, 'utf8') > MAX_FIELD_BYTES)
      return `${field} is longer than ${MAX_FIELD_BYTES} bytes`;
  }
  if (!Number.isInteger(payload.attempt) || payload.attempt < 0 || payload.attempt > MAX_ATTEMPT) {
    return `attempt must be an integer in 0..${MAX_ATTEMPT}`;
  }
  if (!TOKEN_KINDS.includes(payload.kind)) return `kind must be one of ${TOKEN_KINDS.join(', ')}`;
  return undefined;
}

/** Encodes the payload (kind excluded: it is carried by the prefix). Call {@link payloadProblem} first. */
export function encodePayload(payload: SignedPayload): Buffer {
  const fields = [payload.keyId, payload.sessionId, payload.nodeId].map((text) => Buffer.from(text, 'utf8'));
  const out = Buffer.alloc(1 + fields.reduce((n, field) => n + 1 + field.length, 0) + 4);
  let offset = out.writeUInt8(PAYLOAD_VERSION, 0);
  for (const field of fields) {
    offset = out.writeUInt8(field.length, offset);
    offset += field.copy(out, offset);
  }
  out.writeUInt32BE(payload.attempt, offset);
  return out;
}

/** Decodes payload bytes; undefined when they are not exactly a v1 payload. */
export function decodePayload(bytes: Buffer, kind: TokenKind): SignedPayload | undefined {
  if (bytes.length < 1 || bytes.readUInt8(0) !== PAYLOAD_VERSION) return undefined;
  let offset = 1;
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (offset >= bytes.length) return undefined;
    const length = bytes.readUInt8(offset);
    offset += 1;
    if (length === 0 || length > MAX_FIELD_BYTES || offset + length > bytes.length) return undefined;
    const slice = bytes.subarray(offset, offset + length);
    const text = slice.toString('utf8');
    // Reject invalid UTF-8 (it would not round-trip), so one token text has exactly one meaning.
    if (!Buffer.from(text, 'utf8').equals(slice)) return undefined;
    texts.push(text);
    offset += length;
  }
  if (offset + 4 !== bytes.length) return undefined;
  const [keyId = '', sessionId = '', nodeId = ''] = texts;
  return { v: 1, kind, keyId, sessionId, nodeId, attempt: bytes.readUInt32BE(offset) };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/**
 * Strict base64url decoding: only the unpadded alphabet, and only the canonical text of the bytes (Node's
 * decoder ignores unused trailing bits, so without this check two texts would carry one signed payload).
 */
export function fromBase64Url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}
