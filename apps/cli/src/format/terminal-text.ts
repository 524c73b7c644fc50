/**
 * Text from outside (issue titles and bodies, branch names, tool output, log lines, approval requests)
 * printed to a terminal must not drive it: an ESC or C1 control starts an ANSI/OSC sequence (retitle the
 * window, move the cursor, hide text, write a hyperlink), CR overwrites a line, a newline forges one, and
 * bidi overrides reorder what is shown. These helpers make such characters visible instead, as JSON-style
 * escapes (`\n`, `\r`, `\t`, `\u001b`, `\u202e`). Text output only: `--format json` stays exact.
 */

/** True for a code unit shown escaped: C0 controls, DEL, C1 controls, bidi controls, line separators. */
function isControl(code: number, keepLines: boolean): boolean {
  if (code < 0x20) return !(keepLines && (code === 0x0a || code === 0x09));
  if (code >= 0x7f && code <= 0x9f) return true;
  return (
    code === 0x200e || // LEFT-TO-RIGHT MARK
    code === 0x200f || // RIGHT-TO-LEFT MARK
    (code >= 0x202a && code <= 0x202e) || // embeddings and overrides
    (code >= 0x2066 && code <= 0x2069) || // isolates
    code === 0x2028 || // LINE SEPARATOR
    code === 0x2029 // PARAGRAPH SEPARATOR
  );
}

function escapeUnit(code: number): string {
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

function escapeControls(text: string, keepLines: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isControl(code, keepLines)) continue;
    out += text.slice(from, i) + escapeUnit(code);
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * One line of untrusted text for a terminal: every control character, newlines and tabs included, is shown
 * as an escape (`a\nb` prints as `a\nb` on one line). Use it for fields printed on a line of their own.
 */
export function escapeControl(text: string): string {
  return escapeControls(text, false);
}

/**
 * A block of text for a terminal: like {@link escapeControl} but newlines and tabs stay. Every text-format
 * output goes through it (`renderResult`), so no command can print an escape sequence whatever it renders.
 */
export function escapeControlKeepLines(text: string): string {
  return escapeControls(text, true);
}
