import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBackoff, parseRetryAfter, sleep } from './retry.js';

const policy = (jitter: 'full' | 'equal' | 'none') => ({ baseMs: 100, capMs: 1000, jitter });

describe('computeBackoff', () => {
  it('doubles from baseMs per retry and stops at capMs (no jitter)', () => {
    const delays = [0, 1, 2, 3, 4, 10].map((n) => computeBackoff(n, policy('none')));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads full jitter over [0, exp]', () => {
    expect(computeBackoff(2, policy('full'), { random: () => 0 })).toBe(0);
    expect(computeBackoff(2, policy('full'), { random: () => 0.5 })).toBe(200);
    expect(computeBackoff(2, policy('full'), { random: () => 1 })).toBe(400);
  });

  it('spreads equal jitter over [exp/2, exp]', () => {
    expect(computeBackoff(2, policy('equal'), { random: () => 0 })).toBe(200);
    expect(computeBackoff(2, policy('equal'), { random: () => 1 })).toBe(400);
  });

  it('stays a number when 2^retry overflows (zero base: 0; otherwise the cap)', () => {
    expect(computeBackoff(1024, { baseMs: 0, capMs: 10, jitter: 'none' })).toBe(0);
    expect(computeBackoff(5000, { baseMs: 1, capMs: 10, jitter: 'none' })).toBe(10);
  });

  it('defaults to full jitter', () => {
    expect(computeBackoff(1, { baseMs: 100, capMs: 1000 }, { random: () => 0 })).toBe(0);
  });

  it('lets a longer Retry-After win, capped at capMs, and ignores a shorter one', () => {
    expect(computeBackoff(0, policy('equal'), { random: () => 0, retryAfterMs: 700 })).toBe(700);
    expect(computeBackoff(0, policy('equal'), { random: () => 0, retryAfterMs: 60_000 })).toBe(1000);
    expect(computeBackoff(3, policy('none'), { retryAfterMs: 10 })).toBe(800);
  });

  it('stays within [0, capMs] for any input (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 2000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom('full' as const, 'equal' as const, 'none' as const),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 100_000_000 }), { nil: undefined }),
        (retry, baseMs, capMs, jitter, r, retryAfterMs) => {
          const d = computeBackoff(retry, { baseMs, capMs, jitter }, { random: () => r, retryAfterMs });
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(capMs);
          expect(Number.isInteger(d)).toBe(true);
        },
      ),
    );
  });

  it('never shrinks as retries grow for a fixed random draw (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.constantFrom('full' as const, 'equal' as const, 'none' as const),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, baseMs, capMs, jitter, r) => {
          const p = { baseMs, capMs, jitter };
          const random = () => r;
          expect(computeBackoff(retry + 1, p, { random })).toBeGreaterThanOrEqual(
            computeBackoff(retry, p, { random }),
          );
        },
      ),
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 0); // 37 s before RFC 9110's example date

  it('reads delay-seconds as ms', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it("reads RFC 9110's HTTP-date vector in all three forms (§5.6.7)", () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(37_000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', now)).toBe(37_000);
  });

  it("reads RFC 9110 §10.2.3's example date", () => {
    expect(parseRetryAfter('Fri, 31 Dec 1999 23:59:59 GMT', Date.UTC(1999, 11, 31, 23, 59, 0))).toBe(59_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now + 3_600_000)).toBe(0);
  });

  it('gives undefined for absent, empty and invalid values', () => {
    for (const v of [
      undefined,
      null,
      '',
      '  ',
      '-1',
      '1.5',
      '1e3',
      'soon',
      '2026-01-01T00:00:00Z',
      'March 7',
    ])
      expect(parseRetryAfter(v, now)).toBeUndefined();
  });

  it('round-trips any whole-second delay and any IMF-fixdate (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (s) => {
        expect(parseRetryAfter(String(s), now)).toBe(s * 1000);
        expect(parseRetryAfter(new Date(now + s * 1000).toUTCString(), now)).toBe(s * 1000);
      }),
    );
  });
});

describe('sleep', () => {
  it('resolves true once the time elapsed', async () => {
    await expect(sleep(1)).resolves.toBe(true);
  });

  it('resolves false at once for an already aborted signal', async () => {
    await expect(sleep(60_000, AbortSignal.abort())).resolves.toBe(false);
  });

  it('resolves false when the signal aborts while waiting, and removes its listener', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBe(false);
  });

  it('leaves no abort listener behind after elapsing', async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    };
    signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    };
    for (let i = 0; i < 3; i++) await sleep(0, signal);
    expect({ added, removed }).toEqual({ added: 3, removed: 3 });
  });
});
