import { describe, expect, it } from 'vitest';
import { checkJson, normalizeEnqueue, resolveOptions, retryDecision } from './validation.js';

describe('checkJson', () => {
  it('accepts plain JSON values', () => {
    expect(checkJson({ a: [1, 'x', null, true, { b: -0.5 }] })).toBeNull();
  });

  it('names the offending path for values JSON cannot hold', () => {
    expect(checkJson({ a: [1, () => 2] })).toContain('$.a[1]');
    expect(checkJson({ n: Number.POSITIVE_INFINITY })).toContain('Infinity');
    expect(checkJson(Symbol('s'))).toContain('symbol');
    expect(checkJson(new Map())).toContain('class instance');
  });

  it('rejects nesting deeper than 64 levels without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(checkJson(deep)).toContain('deeper');
  });
});

describe('retryDecision', () => {
  const opts = resolveOptions({ backoff: { baseMs: 100, maxMs: 1000 }, random: () => 0.5 });

  it('backs off exponentially with jitter as a factor of 0.5 + 0.5·random up to the cap', () => {
    const delays = [1, 2, 3, 4, 5].map((a) =>
      retryDecision(a, 10, { class: 'execution', message: '' }, undefined, opts),
    );
    expect(delays.map((d) => (d.kind === 'retry' ? d.delayMs : -1))).toEqual([75, 150, 300, 600, 750]);
    const low = retryDecision(
      3,
      10,
      { class: 'timeout', message: '' },
      undefined,
      resolveOptions({ backoff: { baseMs: 100 }, random: () => 0 }),
    );
    expect(low).toEqual({ kind: 'retry', delayMs: 200 });
  });

  it('dead-letters validation and cancelled failures, exhausted attempts and non-retryable failures', () => {
    expect(retryDecision(1, 5, { class: 'validation', message: '' }, undefined, opts).kind).toBe('dead');
    expect(retryDecision(1, 5, { class: 'cancelled', message: '' }, undefined, opts).kind).toBe('dead');
    expect(retryDecision(5, 5, { class: 'execution', message: '' }, undefined, opts).kind).toBe('dead');
    expect(retryDecision(1, 5, { class: 'execution', message: '' }, false, opts).kind).toBe('dead');
  });
});

describe('normalizeEnqueue', () => {
  const opts = resolveOptions({ maxPayloadBytes: 10 });

  it('measures the payload limit in UTF-8 bytes', () => {
    expect(normalizeEnqueue({ queue: 'q', payload: 'ééé' }, opts).isOk()).toBe(true); // 8 bytes with quotes
    const big = normalizeEnqueue({ queue: 'q', payload: 'ééééé' }, opts);
    expect(big.isErr() && big.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses both runAt and delayMs, and a negative runAt', () => {
    const both = normalizeEnqueue({ queue: 'q', payload: 1, runAt: 5, delayMs: 5 }, resolveOptions());
    expect(both.isErr() && both.error.code).toBe('INVALID_DELAY');
    const neg = normalizeEnqueue({ queue: 'q', payload: 1, runAt: -1 }, resolveOptions());
    expect(neg.isErr() && neg.error.code).toBe('INVALID_DELAY');
  });
});
