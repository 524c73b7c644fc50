import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWorkflowJson } from './json-text.js';

describe('parseWorkflowJson (properties)', () => {
  it('round-trips any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseWorkflowJson(JSON.stringify(value, null, 2));
        expect(result.isOk() && result.value).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('never throws on arbitrary text and locates errors inside the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const result = parseWorkflowJson(text);
        if (result.isErr()) {
          const offset = Number(result.error.details?.offset);
          expect(offset).toBeGreaterThanOrEqual(0);
          expect(offset).toBeLessThanOrEqual(text.length);
        }
      }),
    );
  });

  it('points at a stray character inserted after a complete value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.integer()), (value) => {
        const text = `${JSON.stringify(value)}x`;
        const result = parseWorkflowJson(text);
        expect(result.isErr() && result.error.details?.offset).toBe(text.length - 1);
      }),
    );
  });
});
