import type { SessionEvent } from '@worktrain/contracts';
import { canonicalHash, GENESIS_HASH, sequentialIds } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { buildEvents, prepareAppend } from './append-core.js';
import { computeEventHash } from './event-hash.js';
import { verifyChain } from './verify.js';

function chain(): SessionEvent[] {
  const prepared = prepareAppend(
    {
      sessionId: 'sess_v',
      expectedSeq: 0,
      idempotencyKey: 'k',
      events: [
        {
          kind: 'session_created',
          data: {
            workflowId: 'wf',
            workflowVersion: '1',
            workflowHash: 'sha256:w',
            workspacePath: null,
            parentSessionId: null,
            source: 'test',
            context: {},
          },
        },
        { kind: 'steer_injected', data: { message: 'a', actor: 'x' } },
        { kind: 'steer_injected', data: { message: 'b', actor: 'x' } },
      ],
    },
    1 << 20,
  )._unsafeUnwrap();
  return buildEvents(prepared, null, 1_700_000_000_000, sequentialIds())._unsafeUnwrap();
}

describe('event hashes', () => {
  it('hash the documented envelope fields with RFC 8785 canonical JSON (golden)', () => {
    const [first] = chain();
    expect(first!.prevHash).toBe(GENESIS_HASH);
    expect(first!.hash).toBe(
      canonicalHash({
        v: 1,
        sessionId: 'sess_v',
        seq: 1,
        eventId: 'evt_00000001',
        at: 1_700_000_000_000,
        kind: 'session_created',
        data: first!.data,
        idempotencyKey: 'k',
        prevHash: GENESIS_HASH,
      }),
    );
    expect(computeEventHash(first!)).toBe(first!.hash);
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and returns its head hash', () => {
    const events = chain();
    expect(verifyChain('sess_v', events)).toEqual({
      ok: true,
      sessionId: 'sess_v',
      events: 3,
      headHash: events[2]!.hash,
    });
  });

  it('accepts an empty log with the genesis hash as head', () => {
    expect(verifyChain('sess_v', [])).toEqual({
      ok: true,
      sessionId: 'sess_v',
      events: 0,
      headHash: GENESIS_HASH,
    });
  });

  it('reports edited data as hash_mismatch at that seq', () => {
    const events = chain();
    events[1] = { ...events[1]!, data: { message: 'A', actor: 'x' } } as SessionEvent;
    expect(verifyChain('sess_v', events)).toMatchObject({
      ok: false,
      brokenAtSeq: 2,
      reason: 'hash_mismatch',
    });
  });

  it('reports an edited time as hash_mismatch', () => {
    const events = chain();
    events[2] = { ...events[2]!, at: events[2]!.at + 1 };
    expect(verifyChain('sess_v', events)).toMatchObject({
      ok: false,
      brokenAtSeq: 3,
      reason: 'hash_mismatch',
    });
  });

  it('reports a rehashed edit as prev_hash_mismatch at the next seq', () => {
    const events = chain();
    const edited = { ...events[1]!, data: { message: 'A', actor: 'x' } } as SessionEvent;
    events[1] = { ...edited, hash: computeEventHash(edited) };
    expect(verifyChain('sess_v', events)).toMatchObject({
      ok: false,
      brokenAtSeq: 3,
      reason: 'prev_hash_mismatch',
    });
  });

  it('reports a missing event as seq_gap and a foreign event as seq_gap', () => {
    const events = chain();
    expect(verifyChain('sess_v', [events[0]!, events[2]!])).toMatchObject({
      ok: false,
      brokenAtSeq: 2,
      reason: 'seq_gap',
    });
    expect(verifyChain('sess_other', events)).toMatchObject({ ok: false, brokenAtSeq: 1, reason: 'seq_gap' });
  });

  it('reports a correctly hashed but schema-invalid event as invalid_event', () => {
    const events = chain();
    const bad = { ...events[2]!, data: { message: 5 } } as unknown as SessionEvent;
    events[2] = { ...bad, hash: computeEventHash(bad) };
    expect(verifyChain('sess_v', events)).toMatchObject({
      ok: false,
      brokenAtSeq: 3,
      reason: 'invalid_event',
    });
  });
});
