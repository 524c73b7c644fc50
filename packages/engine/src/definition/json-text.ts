/**
 * Parsing workflow JSON text with errors that say where: 1-based line and column plus the 0-based
 * character offset, whatever wording the JavaScript engine uses for its `SyntaxError`.
 */
import { err, type JsonValue, makeError, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';

/** Location of a JSON syntax error. `offset` is in UTF-16 code units from the start of the text. */
export interface JsonErrorLocation {
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based, in UTF-16 code units. */
  readonly column: number;
}

function syntaxMessage(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (thrown) {
    return thrown instanceof Error ? thrown.message : String(thrown);
  }
}

const UNEXPECTED_END = /Unexpected end of JSON input/;

/** True when the text has a syntax error before its end (not just "input ended too early"). */
function failsBeforeEnd(prefix: string): boolean {
  const message = syntaxMessage(prefix);
  if (message === undefined || UNEXPECTED_END.test(message)) return false;
  const at = /at position (\d+)/.exec(message);
  return at?.[1] === undefined || Number(at[1]) < prefix.length;
}

/**
 * Offset of the first syntax error: taken from V8's "at position N" when present; otherwise the
 * shortest prefix that fails before its end (binary search, O(n log n)).
 */
function errorOffset(text: string, message: string): number {
  const at = /at position (\d+)/.exec(message);
  if (at?.[1] !== undefined) return Number(at[1]);
  if (UNEXPECTED_END.test(message)) return text.length;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (failsBeforeEnd(text.slice(0, mid + 1))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** V8's message without the echoed input and position (reported separately as line:column). */
function cleanReason(raw: string): string {
  if (raw.endsWith('is not valid JSON')) {
    const token = /^Unexpected token '[\s\S]'/.exec(raw);
    if (token !== null) return token[0];
    const echo = raw.indexOf(', ');
    if (echo >= 0) return raw.slice(0, echo);
  }
  return raw.replace(/ (?:in JSON )?at position \d+[\s\S]*$/, '');
}

/** Line and column of a character offset. */
export function locateOffset(text: string, offset: number): JsonErrorLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/**
 * Parses JSON text (a leading UTF-8 BOM is ignored).
 *
 * Errors: `WORKFLOW_INVALID` with `details: { path?, offset, line, column, issues: [{path: '', message}] }`
 * and a message like `workflows/x.json:3:5: invalid JSON: Expected ',' or '}' after property value`.
 */
export function parseWorkflowJson(text: string, path?: string): Result<JsonValue, EngineError> {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    const value: JsonValue = JSON.parse(source);
    return ok(value);
  } catch (thrown) {
    const raw = thrown instanceof Error ? thrown.message : String(thrown);
    const location = locateOffset(source, errorOffset(source, raw));
    const reason = cleanReason(raw);
    const where = `${path ?? '<input>'}:${location.line}:${location.column}`;
    const message = `${where}: invalid JSON: ${reason}`;
    return err(
      makeError('WORKFLOW_INVALID', message, {
        ...(path === undefined ? {} : { path }),
        ...location,
        issues: [
          {
            path: '',
            message: `invalid JSON at line ${location.line}, column ${location.column}: ${reason}`,
          },
        ],
      }),
    );
  }
}
