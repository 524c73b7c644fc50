import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryKeyring } from './memory-keyring.js';
import { signToken, verifyToken } from './sign.js';
import { TOKEN_KINDS, type TokenPayload } from './token-codec.js';

/** Any string of 1..128 UTF-8 bytes, including non-ASCII. */
const fieldArb = fc
  .string({ minLength: 1, maxLength: 40, unit: 'binary' })
  .filter(
    (text) => Buffer.byteLength(text, 'utf8') <= 128 && Buffer.from(text, 'utf8').toString('utf8') === text,
  );

const payloadArb: fc.Arbitrary<TokenPayload> = fc.record({
  kind: fc.constantFrom(...TOKEN_KINDS),
  sessionId: fieldArb,
  nodeId: fieldArb,
  attempt: fc.integer({ min: 0, max: 0xffff_ffff }),
});

describe('token properties', () => {
  const keyring = createMemoryKeyring();

  it('round-trips every payload', () => {
    fc.assert(
      fc.property(payloadArb, (payload) => {
        const token = signToken(keyring, payload);
        expect(token).toMatch(/^(ct|st|ck|gt)_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
        expect(
          verifyToken(keyring, token, {
            kinds: [payload.kind],
            sessionId: payload.sessionId,
          })._unsafeUnwrap(),
        ).toEqual(payload);
      }),
    );
  });

  it('rejects any mutation (replace, insert or delete a character)', () => {
    const mutationArb = fc.record({
      op: fc.constantFrom('replace', 'insert', 'delete'),
      position: fc.nat(),
      char: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme-ascii' }),
    });
    fc.assert(
      fc.property(payloadArb, mutationArb, (payload, { op, position, char }) => {
        const token = signToken(keyring, payload);
        const i = position % token.length;
        const mutated =
          op === 'replace'
            ? token.slice(0, i) + char + token.slice(i + 1)
            : op === 'insert'
              ? token.slice(0, i) + char + token.slice(i)
              : token.slice(0, i) + token.slice(i + 1);
        fc.pre(mutated !== token);
        const result = verifyToken(keyring, mutated);
        expect(result.isErr()).toBe(true);
        expect(['TOKEN_MALFORMED', 'TOKEN_BAD_SIGNATURE', 'TOKEN_UNKNOWN_KEY']).toContain(
          result._unsafeUnwrapErr().code,
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects a token presented for another session', () => {
    fc.assert(
      fc.property(payloadArb, fieldArb, (payload, otherSession) => {
        fc.pre(otherSession !== payload.sessionId);
        const result = verifyToken(keyring, signToken(keyring, payload), { sessionId: otherSession });
        expect(result._unsafeUnwrapErr().code).toBe('TOKEN_SESSION_MISMATCH');
      }),
    );
  });

  it('rejects a token of a kind that was not asked for', () => {
    fc.assert(
      fc.property(payloadArb, fc.subarray([...TOKEN_KINDS], { minLength: 1 }), (payload, kinds) => {
        const result = verifyToken(keyring, signToken(keyring, payload), { kinds });
        if (kinds.includes(payload.kind)) expect(result.isOk()).toBe(true);
        else expect(result._unsafeUnwrapErr().code).toBe('TOKEN_WRONG_KIND');
      }),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (input) => {
        expect(verifyToken(keyring, input).isErr()).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps verifying tokens after rotation until their key is retired', () => {
    type Op = { op: 'sign'; payload: TokenPayload } | { op: 'rotate' } | { op: 'retire'; pick: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('sign' as const), payload: payloadArb }),
      fc.record({ op: fc.constant('rotate' as const) }),
      fc.record({ op: fc.constant('retire' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
        const ring = createMemoryKeyring();
        const retired = new Set<string>();
        const issued: Array<{ token: string; keyId: string; payload: TokenPayload }> = [];
        for (const step of ops) {
          if (step.op === 'sign') {
            issued.push({
              token: signToken(ring, step.payload),
              keyId: ring.currentKeyId,
              payload: step.payload,
            });
          } else if (step.op === 'rotate') {
            ring.rotate();
          } else {
            const ids = ring.keyIds();
            const victim = ids[step.pick % ids.length] ?? '';
            const done = ring.retire(victim);
            expect(done).toBe(victim !== ring.currentKeyId);
            if (done) retired.add(victim);
          }
          for (const { token, keyId, payload } of issued) {
            const result = verifyToken(ring, token);
            if (retired.has(keyId)) expect(result._unsafeUnwrapErr().code).toBe('TOKEN_UNKNOWN_KEY');
            else expect(result._unsafeUnwrap()).toEqual(payload);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
