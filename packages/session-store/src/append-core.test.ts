import { describe, expect, it } from 'vitest';
import { MAX_EVENT_DEPTH, prepareAppend } from './append-core.js';
import type { AppendInput } from './port.js';

const steer = { kind: 'steer_injected', data: { message: 'hi', actor: 'me' } } as const;

describe('prepareAppend', () => {
  it('rejects a malformed envelope with INVALID_EVENT and index null', () => {
    for (const input of [
      { sessionId: '', expectedSeq: 0, events: [steer] },
      { sessionId: '*', expectedSeq: 0, events: [steer] },
      { sessionId: 's', expectedSeq: -1, events: [steer] },
      { sessionId: 's', expectedSeq: 1.5, events: [steer] },
      { sessionId: 's', expectedSeq: 0, idempotencyKey: '', events: [steer] },
    ] as AppendInput[]) {
      const e = prepareAppend(input, 1000)._unsafeUnwrapErr();
      expect(e).toMatchObject({ code: 'INVALID_EVENT', details: { index: null } });
    }
  });

  it('accepts and rejects envelopes at exactly the schema limits (hand-checked fast path agrees with zod)', () => {
    const ok = (input: unknown) => prepareAppend(input as AppendInput, 1000).isOk();
    const base = { sessionId: 's', expectedSeq: 0, events: [steer] };
    const rejected = [
      null,
      'not an object',
      { ...base, sessionId: 'x'.repeat(129) },
      { ...base, sessionId: 7 },
      { ...base, expectedSeq: Number.MAX_SAFE_INTEGER + 1 },
      { ...base, expectedSeq: Number.NaN },
      { ...base, expectedSeq: Number.POSITIVE_INFINITY },
      { ...base, expectedSeq: '1' },
      { ...base, idempotencyKey: 'k'.repeat(257) },
      { ...base, idempotencyKey: null },
      { ...base, events: [] },
      { ...base, events: 'x' },
      { ...base, events: Array.from({ length: 10_001 }, () => steer) },
    ];
    for (const input of rejected) {
      expect(prepareAppend(input as AppendInput, 1000)._unsafeUnwrapErr()).toMatchObject({
        code: 'INVALID_EVENT',
        details: { index: null },
      });
    }
    expect(ok({ ...base, sessionId: 'x'.repeat(128) })).toBe(true);
    expect(ok({ ...base, expectedSeq: Number.MAX_SAFE_INTEGER })).toBe(true);
    expect(ok({ ...base, idempotencyKey: 'k'.repeat(256) })).toBe(true);
    expect(ok({ ...base, idempotencyKey: undefined })).toBe(true);
    expect(ok({ ...base, unknownKey: 1 })).toBe(true);
    const many = prepareAppend({ ...base, events: Array.from({ length: 10_000 }, () => steer) }, 1000);
    expect(many._unsafeUnwrap().events).toHaveLength(10_000);
  });

  it('rejects hostile nesting before schema validation without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const input = {
      sessionId: 's',
      expectedSeq: 1,
      events: [{ kind: 'tool_call_started', data: { toolCallId: 'c', name: 'n', input: deep } }],
    };
    const e = prepareAppend(input as AppendInput, 10_000_000)._unsafeUnwrapErr();
    expect(e.code).toBe('INVALID_EVENT');
    expect(e.message).toContain(String(MAX_EVENT_DEPTH));
  });

  it('strips unknown keys and undefined values so the digest and stored form are canonical', () => {
    const key = { sessionId: 's', expectedSeq: 1, idempotencyKey: 'k' };
    const a = prepareAppend({ ...key, events: [steer] }, 1000)._unsafeUnwrap();
    const withExtra = {
      kind: 'steer_injected',
      data: { message: 'hi', actor: 'me', extra: 1 },
    } as unknown as typeof steer;
    const b = prepareAppend({ ...key, events: [withExtra] }, 1000)._unsafeUnwrap();
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.digest).toBe(a.digest);
    expect(b.events[0]!.data).toEqual({ message: 'hi', actor: 'me' });
    expect(b.events[0]!.dataJson).toBe('{"message":"hi","actor":"me"}');
  });

  it('computes the batch digest only for appends with an idempotency key (nothing else compares it)', () => {
    const r = prepareAppend({ sessionId: 's', expectedSeq: 1, events: [steer] }, 1000)._unsafeUnwrap();
    expect(r.digest).toBeNull();
  });

  it('measures size in UTF-8 bytes', () => {
    const emoji = { kind: 'steer_injected', data: { message: '😀'.repeat(100), actor: 'me' } } as const;
    // 400 bytes of emoji + JSON punctuation + kind: over 400, under 500.
    expect(
      prepareAppend({ sessionId: 's', expectedSeq: 1, events: [emoji] }, 400)._unsafeUnwrapErr().code,
    ).toBe('EVENT_TOO_LARGE');
    expect(prepareAppend({ sessionId: 's', expectedSeq: 1, events: [emoji] }, 500).isOk()).toBe(true);
  });
});
