import { describe, expect, it } from 'vitest';
import { formatTable, formatTime, truncate } from './table.js';

describe('formatTable', () => {
  it('pads columns to the widest cell and trims line ends', () => {
    expect(
      formatTable(
        ['ID', 'NAME'],
        [
          ['a', 'Alpha'],
          ['long-id', 'B'],
        ],
      ),
    ).toBe('ID       NAME\na        Alpha\nlong-id  B');
  });

  it('keeps each row on one line', () => {
    expect(formatTable(['A', 'B'], [['x\ny', 'z\tw']])).toBe('A    B\nx y  z w');
  });
});

describe('truncate', () => {
  it('cuts long text with an ellipsis and collapses whitespace', () => {
    expect(truncate('hello   world', 20)).toBe('hello world');
    expect(truncate('abcdefghij', 5)).toBe('abcd…');
    expect(truncate('abcdefghij', 5)).toHaveLength(5);
  });
});

describe('formatTime', () => {
  it('prints UTC to the second', () => {
    expect(formatTime(Date.UTC(2026, 10, 25, 17, 3, 4, 567))).toBe('2026-11-25T17:03:04Z');
  });
});
