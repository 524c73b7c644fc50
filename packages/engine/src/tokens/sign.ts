/**
 * Opaque, HMAC-SHA256-signed tokens handed to agents: `<prefix><base64url payload>.<base64url mac>`, where the
 * prefix names the kind (`ct_`, `st_`, `ck_`, `gt_`) and the MAC covers the prefix and the payload bytes.
 * Tokens bind session + node + attempt and name the signing key, so keys can rotate (see `Keyring`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, makeError, ok, type Result } from '@worktrain/contracts';
import type { EngineError, Keyring } from '../api.js';
import {
  decodePayload,
  encodePayload,
  fromBase64Url,
  kindOfPrefix,
  MAX_TOKEN_LENGTH,
  payloadProblem,
  type SignedPayload,
  TOKEN_PREFIXES,
  type TokenKind,
  type TokenPayload,
  toBase64Url,
} from './token-codec.js';

const MAC_BYTES = 32;

/** What the caller expects of a token; anything else is rejected with a specific code. */
export interface TokenExpectation {
  /** Accepted kinds (default: any). */
  readonly kinds?: readonly TokenKind[];
  /** The session the token must belong to (default: any). */
  readonly sessionId?: string;
}

/** Where an agent finds a fresh token of each kind, for error messages. */
const WHERE_TO_GET: Readonly<Record<TokenKind, string>> = {
  continue: 'use the continueToken from the latest start_workflow/continue_workflow response',
  state: 'use the resumeToken from checkpoint_workflow or resume_session',
  checkpoint: 'use the checkpointToken from the latest response',
  gate: 'use the gateToken from the gate_checkpoint response',
};

const TOKEN_NAMES: Readonly<Record<TokenKind, string>> = {
  continue: 'continue token',
  state: 'state (resume) token',
  checkpoint: 'checkpoint token',
  gate: 'gate token',
};

/**
 * Signs `payload` with the keyring's current key. Output is ASCII, under 200 characters for ids up to
 * ~40 characters.
 * @throws {Error} on programmer errors only: empty or over-long (> 128 bytes) ids, an attempt that is not an
 *   integer in 0..2^32-1, an unknown kind, or a keyring whose current key is missing.
 */
export function signToken(keyring: Keyring, payload: TokenPayload): string {
  const keyId = keyring.currentKeyId;
  const signed: SignedPayload = {
    v: 1,
    kind: payload.kind,
    keyId,
    sessionId: payload.sessionId,
    nodeId: payload.nodeId,
    attempt: payload.attempt,
  };
  const problem = payloadProblem(signed);
  if (problem !== undefined) throw new Error(`signToken: ${problem}`);
  const key = keyring.key(keyId);
  if (key === undefined)
    throw new Error(`signToken: the keyring has no bytes for its current key "${keyId}"`);
  const prefix = TOKEN_PREFIXES[signed.kind];
  const bytes = encodePayload(signed);
  return `${prefix}${toBase64Url(bytes)}.${toBase64Url(mac(key, prefix, bytes))}`;
}

/**
 * Checks a token presented by an agent. Never throws. Errors, in the order they are checked:
 * - `TOKEN_MALFORMED`: not a string, longer than 512 characters, unknown prefix, bad base64url, payload
 *   of the wrong shape;
 * - `TOKEN_UNKNOWN_KEY`: signed with a key this keyring does not have (retired, or forged);
 * - `TOKEN_BAD_SIGNATURE`: the MAC does not match (altered or forged);
 * - `TOKEN_WRONG_KIND`: a valid token of a kind not in `expected.kinds`;
 * - `TOKEN_SESSION_MISMATCH`: a valid token of another session than `expected.sessionId`.
 * Messages say which token to use instead; `details` never contain the token or key material.
 */
export function verifyToken(
  keyring: Keyring,
  token: unknown,
  expected: TokenExpectation = {},
): Result<TokenPayload, EngineError> {
  const hint = hintFor(expected.kinds);
  if (typeof token !== 'string') {
    return err(makeError('TOKEN_MALFORMED', `The token must be a string; ${hint}.`, { got: typeof token }));
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    return malformed(`it is ${token.length} characters long (max ${MAX_TOKEN_LENGTH})`, hint);
  }
  if (/[\s"'`]/.test(token)) {
    return malformed('it contains whitespace or quotes (pass it exactly as received, nothing added)', hint);
  }
  const kind = kindOfPrefix(token);
  if (kind === undefined) return malformed('it does not start with ct_, st_, ck_ or gt_', hint);
  const prefix = TOKEN_PREFIXES[kind];
  const parts = token.slice(prefix.length).split('.');
  if (parts.length !== 2)
    return malformed('it must have exactly one "." between payload and signature', hint);
  const [payloadText = '', macText = ''] = parts;
  const payloadBytes = fromBase64Url(payloadText);
  const macBytes = fromBase64Url(macText);
  if (payloadBytes === undefined || macBytes === undefined)
    return malformed('it is not valid base64url', hint);
  if (macBytes.length !== MAC_BYTES) return malformed('its signature has the wrong length', hint);
  const payload = decodePayload(payloadBytes, kind);
  if (payload === undefined) return malformed('its payload is not a WorkTrain v1 token payload', hint);

  const key = safeKey(keyring, payload.keyId);
  if (key === undefined) {
    return err(
      makeError(
        'TOKEN_UNKNOWN_KEY',
        `The token was signed with key "${payload.keyId}", which this engine does not have (rotated out, or the token is forged); ${hint}, or call resume_session to get a fresh one.`,
        { keyId: payload.keyId, kind },
      ),
    );
  }
  if (!timingSafeEqual(mac(key, prefix, payloadBytes), macBytes)) {
    return err(
      makeError(
        'TOKEN_BAD_SIGNATURE',
        `The token's signature does not match: it was altered or forged. Pass tokens back exactly as received; ${hint}.`,
        { keyId: payload.keyId, kind },
      ),
    );
  }
  if (expected.kinds !== undefined && !expected.kinds.includes(kind)) {
    const wanted = expected.kinds.map((k) => `${TOKEN_NAMES[k]} (${TOKEN_PREFIXES[k]}…)`).join(' or ');
    return err(
      makeError(
        'TOKEN_WRONG_KIND',
        `Expected a ${wanted} but got a ${TOKEN_NAMES[kind]} (${prefix}…); ${hint}.`,
        {
          kind,
          expectedKinds: [...expected.kinds],
        },
      ),
    );
  }
  if (expected.sessionId !== undefined && expected.sessionId !== payload.sessionId) {
    return err(
      makeError(
        'TOKEN_SESSION_MISMATCH',
        `The token belongs to session ${payload.sessionId}, not ${expected.sessionId}; ${hint} of session ${expected.sessionId}.`,
        { tokenSessionId: payload.sessionId, expectedSessionId: expected.sessionId },
      ),
    );
  }
  return ok({ kind, sessionId: payload.sessionId, nodeId: payload.nodeId, attempt: payload.attempt });
}

function mac(key: Uint8Array, prefix: string, payloadBytes: Uint8Array): Buffer {
  return createHmac('sha256', key).update(prefix, 'utf8').update(payloadBytes).digest();
}

function safeKey(keyring: Keyring, keyId: string): Uint8Array | undefined {
  try {
    const key = keyring.key(keyId);
    return key instanceof Uint8Array ? key : undefined;
  } catch {
    return undefined;
  }
}

function hintFor(kinds: readonly TokenKind[] | undefined): string {
  const first = kinds?.[0] ?? 'continue';
  return WHERE_TO_GET[first];
}

function malformed(reason: string, hint: string): Result<never, EngineError> {
  return err(makeError('TOKEN_MALFORMED', `The token is malformed: ${reason}; ${hint}.`, { reason }));
}
