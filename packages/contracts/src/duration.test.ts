import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_UNITS_MS, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads every unit', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('12h')).toBe(43_200_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(parseDuration(' 10 m ')).toBe(600_000);
  });

  it('takes a number as milliseconds when it is a non-negative safe integer', () => {
    expect(parseDuration(60_000)).toBe(60_000);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(-1)).toBeUndefined();
    expect(parseDuration(1.5)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
  });

  it('refuses what is not a whole number and a unit', () => {
    for (const bad of ['', '30', '5 minutes', '1.5h', '-1s', 'h', '3y', '2026-11-25', '1e3s'])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration(`${Number.MAX_SAFE_INTEGER}w`)).toBeUndefined();
  });

  it('is n × the unit for every whole n and unit (property)', () => {
    const units = Object.keys(DURATION_UNITS_MS) as Array<keyof typeof DURATION_UNITS_MS>;
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(...units), (n, unit) => {
        expect(parseDuration(`${n}${unit}`)).toBe(n * DURATION_UNITS_MS[unit]);
      }),
    );
  });
});
