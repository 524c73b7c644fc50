import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJsonValue } from './json-guard.js';

describe('isJsonValue', () => {
  it('accepts every value JSON.parse can produce', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => isJsonValue(JSON.parse(JSON.stringify(value)))));
  });

  it('rejects non-JSON values anywhere in the tree', () => {
    expect(isJsonValue({ a: [1, { b: undefined }] })).toBe(false);
    expect(isJsonValue({ a: Number.NaN })).toBe(false);
    expect(isJsonValue([() => 1])).toBe(false);
    expect(isJsonValue({ when: new Date(0) })).toBe(false);
  });

  it('walks a 100 000-deep value without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(isJsonValue(deep)).toBe(true);
  });
});
