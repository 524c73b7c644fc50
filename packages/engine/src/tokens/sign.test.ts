import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Keyring } from '../api.js';
import { createMemoryKeyring } from './memory-keyring.js';
import { signToken, verifyToken } from './sign.js';
import type { TokenPayload } from './token-codec.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
const ring = () => createMemoryKeyring([{ id: 'k_golden', secret: SECRET }]);
const PAYLOAD: TokenPayload = {
  kind: 'continue',
  sessionId: 'sess_00000001',
  nodeId: 'node_00000002',
  attempt: 3,
};

describe('signToken golden values', () => {
  it.each([
    [
      'continue',
      'ct_AQhrX2dvbGRlbg1zZXNzXzAwMDAwMDAxDW5vZGVfMDAwMDAwMDIAAAAD.9CZFaJYxkv9y1apYs_NZ9Zn3KZmTLkzDg_x4emtb2yI',
    ],
    [
      'state',
      'st_AQhrX2dvbGRlbg1zZXNzXzAwMDAwMDAxDW5vZGVfMDAwMDAwMDIAAAAD.z6IV4WiwYQDCkGyAB0bgC5aaJUnvRKaeZ7CWFQ-pETo',
    ],
    [
      'checkpoint',
      'ck_AQhrX2dvbGRlbg1zZXNzXzAwMDAwMDAxDW5vZGVfMDAwMDAwMDIAAAAD.XlPGGcDUuUgSKYzNmB1M_VXFxJG2dMarx8JIbB6EoCk',
    ],
    [
      'gate',
      'gt_AQhrX2dvbGRlbg1zZXNzXzAwMDAwMDAxDW5vZGVfMDAwMDAwMDIAAAAD.iZxdcnX2LCziM_GXxkVVOSWj9WAZdgxKV1xB0PIuyxQ',
    ],
  ] as const)('signs a %s token to the pinned string', (kind, expected) => {
    expect(signToken(ring(), { ...PAYLOAD, kind })).toBe(expected);
  });

  it('matches the documented layout: prefix + base64url(payload) + "." + base64url(HMAC-SHA256(prefix ‖ payload))', () => {
    const field = (text: string) => [text.length, ...Buffer.from(text, 'utf8')];
    const payload = Buffer.from([
      1,
      ...field('k_golden'),
      ...field('sess_00000001'),
      ...field('node_00000002'),
      0,
      0,
      0,
      3,
    ]);
    const mac = createHmac('sha256', SECRET).update('ct_').update(payload).digest();
    expect(signToken(ring(), PAYLOAD)).toBe(
      `ct_${payload.toString('base64url')}.${mac.toString('base64url')}`,
    );
  });

  it('stays under 200 characters for WorkTrain ids', () => {
    const token = signToken(createMemoryKeyring(), {
      kind: 'continue',
      sessionId: `sess_${'a'.repeat(26)}`,
      nodeId: `node_${'b'.repeat(26)}`,
      attempt: 4_000_000_000,
    });
    expect(token.length).toBeLessThan(200);
  });

  it('throws on programmer errors in the payload', () => {
    expect(() => signToken(ring(), { ...PAYLOAD, sessionId: '' })).toThrow(/sessionId/);
    expect(() => signToken(ring(), { ...PAYLOAD, nodeId: 'n'.repeat(129) })).toThrow(/nodeId/);
    expect(() => signToken(ring(), { ...PAYLOAD, attempt: -1 })).toThrow(/attempt/);
    expect(() => signToken(ring(), { ...PAYLOAD, attempt: 1.5 })).toThrow(/attempt/);
  });
});

describe('verifyToken', () => {
  const keyring = ring();
  const token = signToken(keyring, PAYLOAD);

  it('returns the payload of a valid token', () => {
    expect(verifyToken(keyring, token)._unsafeUnwrap()).toEqual(PAYLOAD);
    expect(verifyToken(keyring, token, { kinds: ['continue'], sessionId: 'sess_00000001' }).isOk()).toBe(
      true,
    );
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['undefined', undefined],
    ['an object', { token: 'ct_x' }],
    ['an empty string', ''],
    ['an unknown prefix', token.replace(/^ct_/, 'xx_')],
    ['no signature part', token.split('.')[0]],
    ['two dots', `${token}.x`],
    ['bad base64url', token.replace('.', '.!')],
    ['padding', `${token}=`],
    ['a short signature', token.slice(0, -2)],
    ['an empty payload', `ct_.${token.split('.')[1]}`],
    ['trailing payload bytes', token.replace('AAAAD.', 'AAAADAA.')],
    ['a huge string', `ct_${'A'.repeat(10_000)}.x`],
    ['a trailing newline', `${token}\n`],
    ['surrounding quotes', `"${token}"`],
  ])('rejects %s as TOKEN_MALFORMED', (_name, bad) => {
    const result = verifyToken(keyring, bad);
    expect(result._unsafeUnwrapErr().code).toBe('TOKEN_MALFORMED');
    expect(result._unsafeUnwrapErr().message).toMatch(/continueToken/);
  });

  it('says what is wrong with a pasted token that has whitespace', () => {
    expect(verifyToken(keyring, ` ${token}`)._unsafeUnwrapErr().message).toMatch(/whitespace/);
  });

  it('rejects a token from another keyring as TOKEN_UNKNOWN_KEY', () => {
    const other = signToken(createMemoryKeyring(), PAYLOAD);
    const error = verifyToken(keyring, other)._unsafeUnwrapErr();
    expect(error.code).toBe('TOKEN_UNKNOWN_KEY');
    expect(error.message).toMatch(/rotated out|forged/);
  });

  it('rejects a token signed with the same key id but another secret as TOKEN_BAD_SIGNATURE', () => {
    const forged = signToken(
      createMemoryKeyring([{ id: 'k_golden', secret: new Uint8Array(32).fill(7) }]),
      PAYLOAD,
    );
    expect(verifyToken(keyring, forged)._unsafeUnwrapErr().code).toBe('TOKEN_BAD_SIGNATURE');
  });

  it('rejects a relabelled kind (prefix swap) as TOKEN_BAD_SIGNATURE', () => {
    const relabelled = token.replace(/^ct_/, 'st_');
    expect(verifyToken(keyring, relabelled)._unsafeUnwrapErr().code).toBe('TOKEN_BAD_SIGNATURE');
  });

  it('rejects a valid token of the wrong kind as TOKEN_WRONG_KIND with what to use instead', () => {
    const state = signToken(keyring, { ...PAYLOAD, kind: 'state' });
    const error = verifyToken(keyring, state, { kinds: ['continue'] })._unsafeUnwrapErr();
    expect(error.code).toBe('TOKEN_WRONG_KIND');
    expect(error.message).toContain('ct_');
    expect(error.message).toContain('st_');
    expect(error.message).toMatch(/continueToken from the latest/);
  });

  it('rejects a token of another session as TOKEN_SESSION_MISMATCH', () => {
    const error = verifyToken(keyring, token, { sessionId: 'sess_00000009' })._unsafeUnwrapErr();
    expect(error.code).toBe('TOKEN_SESSION_MISMATCH');
    expect(error.details).toEqual({ tokenSessionId: 'sess_00000001', expectedSessionId: 'sess_00000009' });
  });

  it('rejects every single-character change of a token, never accepting it', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    const codes = new Set<string>();
    for (let i = 0; i < token.length; i++) {
      for (const c of alphabet) {
        if (c === token[i]) continue;
        const mutated = token.slice(0, i) + c + token.slice(i + 1);
        const result = verifyToken(keyring, mutated);
        expect(result.isErr(), `accepted ${mutated}`).toBe(true);
        codes.add(result._unsafeUnwrapErr().code);
      }
    }
    expect([...codes].sort()).toEqual(['TOKEN_BAD_SIGNATURE', 'TOKEN_MALFORMED', 'TOKEN_UNKNOWN_KEY']);
  });

  it('never throws when the keyring itself throws', () => {
    const broken: Keyring = {
      currentKeyId: 'k_golden',
      key: () => {
        throw new Error('disk on fire');
      },
    };
    expect(verifyToken(broken, token)._unsafeUnwrapErr().code).toBe('TOKEN_UNKNOWN_KEY');
  });

  it('never puts the token or key material in error details', () => {
    const error = verifyToken(keyring, `${token.slice(0, -1)}A`)._unsafeUnwrapErr();
    const serialized = JSON.stringify(error);
    expect(serialized).not.toContain(token.split('.')[1]?.slice(0, 20));
    expect(serialized).not.toContain(Buffer.from(SECRET).toString('base64url'));
  });
});
