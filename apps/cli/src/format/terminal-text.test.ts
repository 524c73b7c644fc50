import { ok } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { renderResult } from '../render.js';
import { escapeControl, escapeControlKeepLines } from './terminal-text.js';

const OSC_TITLE = '\u001b]0;pwned\u0007';

describe('escapeControl', () => {
  it('shows ESC, BEL, CR, newlines, tabs, C1 and bidi controls as escapes on one line', () => {
    expect(escapeControl(`a${OSC_TITLE}b\r\nc\td\u009be\u202ef\u2028`)).toBe(
      'a\\u001b]0;pwned\\u0007b\\r\\nc\\td\\u009be\\u202ef\\u2028',
    );
  });

  it('returns clean text unchanged (same string), unicode included', () => {
    const text = 'Fix the flaky test — ünïcode 日本 🚂';
    expect(escapeControl(text)).toBe(text);
  });
});

describe('escapeControlKeepLines', () => {
  it('keeps newlines and tabs and escapes every other control', () => {
    expect(escapeControlKeepLines(`line 1\tx\nline 2${OSC_TITLE}\r`)).toBe(
      'line 1\tx\nline 2\\u001b]0;pwned\\u0007\\r',
    );
  });
});

describe('renderResult', () => {
  it('escapes control sequences in text output, and prints JSON exactly', () => {
    let out = '';
    const io = {
      stdout: (s: string) => {
        out += s;
      },
      stderr: () => undefined,
    };
    const view = { text: (o: { title: string }) => `title: ${o.title}` };
    renderResult(io, 'text', ok({ title: OSC_TITLE }), view);
    expect(out).toBe('title: \\u001b]0;pwned\\u0007\n');
    out = '';
    renderResult(io, 'json', ok({ title: OSC_TITLE }), view);
    expect(JSON.parse(out)).toEqual({ title: OSC_TITLE });
  });
});
