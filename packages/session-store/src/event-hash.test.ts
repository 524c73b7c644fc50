import { canonicalJson, GENESIS_HASH } from '@worktrain/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UnhashedSessionEvent } from './event-hash.js';
import {
  batchDigest,
  batchDigestWithCanonicalData,
  computeEventHash,
  eventHashWithCanonicalData,
} from './event-hash.js';

const text = fc.string({ unit: 'binary', maxLength: 20 });

describe('hashing with precomputed canonical data', () => {
  it('gives the same event hash as computeEventHash for any data, key and envelope', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        text,
        fc.option(text, { nil: null }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 ** 52 }),
        (data, kind, idempotencyKey, seq, at) => {
          const event = {
            v: 1,
            sessionId: `sess_${kind}`,
            seq,
            eventId: `evt_${seq}`,
            at,
            kind,
            data,
            idempotencyKey,
            prevHash: GENESIS_HASH,
          } as unknown as UnhashedSessionEvent;
          expect(eventHashWithCanonicalData(event, canonicalJson(data))).toBe(computeEventHash(event));
        },
      ),
    );
  });

  it('gives the same batch digest as batchDigest', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ kind: text, data: fc.jsonValue() }), { minLength: 1 }), (events) => {
        const withCanonical = events.map((e) => ({ kind: e.kind, canonicalData: canonicalJson(e.data) }));
        expect(batchDigestWithCanonicalData(withCanonical)).toBe(batchDigest(events));
      }),
    );
  });
});
