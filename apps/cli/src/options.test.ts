import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNonNegativeInt, parsePositiveInt, parseSince } from './options.js';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('parseSince', () => {
  it('reads durations back from now', () => {
    expect(parseSince('30m', NOW)._unsafeUnwrap()).toBe(NOW - 30 * 60_000);
    expect(parseSince('12h', NOW)._unsafeUnwrap()).toBe(NOW - 12 * 3_600_000);
    expect(parseSince('7d', NOW)._unsafeUnwrap()).toBe(NOW - 7 * 86_400_000);
    expect(parseSince('2w', NOW)._unsafeUnwrap()).toBe(NOW - 14 * 86_400_000);
    expect(parseSince('45s', NOW)._unsafeUnwrap()).toBe(NOW - 45_000);
  });

  it('reads ISO dates and date-times', () => {
    expect(parseSince('2026-11-25', NOW)._unsafeUnwrap()).toBe(Date.UTC(2026, 10, 25));
    expect(parseSince('2026-11-25T10:30:00Z', NOW)._unsafeUnwrap()).toBe(Date.UTC(2026, 10, 25, 10, 30));
  });

  it('is undefined when absent', () => {
    expect(parseSince(undefined, NOW)._unsafeUnwrap()).toBeUndefined();
  });

  it('rejects anything else as a usage error', () => {
    for (const bad of ['yesterday', '7', '7y', '-1d', '2026-13-45', '']) {
      const parsed = parseSince(bad, NOW);
      expect(parsed.isErr(), bad).toBe(true);
      expect(parsed._unsafeUnwrapErr().code).toBe('USAGE');
    }
  });
});

describe('integer options', () => {
  it('round-trips every non-negative safe integer', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(parseNonNegativeInt('--after', String(n))._unsafeUnwrap()).toBe(n);
      }),
    );
  });

  it('rejects non-integers with a message naming the option', () => {
    for (const bad of ['-1', '1.5', 'ten', '', '1e3', ' 3']) {
      const parsed = parseNonNegativeInt('--after', bad);
      expect(parsed._unsafeUnwrapErr().message).toContain("'--after'");
    }
  });

  it('requires at least 1 for positive options', () => {
    expect(parsePositiveInt('--limit', '0')._unsafeUnwrapErr().code).toBe('USAGE');
    expect(parsePositiveInt('--limit', '1')._unsafeUnwrap()).toBe(1);
  });
});
