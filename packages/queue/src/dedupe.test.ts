import { describe, expect, it } from 'vitest';
import { dedupeKeyOf } from './dedupe.js';

describe('dedupeKeyOf', () => {
  it('ignores object key order and distinguishes different parts', () => {
    expect(dedupeKeyOf('review', { a: 1, b: [2] })).toBe(dedupeKeyOf('review', { b: [2], a: 1 }));
    expect(dedupeKeyOf('review', 1)).not.toBe(dedupeKeyOf('review', '1'));
    expect(dedupeKeyOf('a', 'b')).not.toBe(dedupeKeyOf('ab'));
    expect(dedupeKeyOf('x')).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
