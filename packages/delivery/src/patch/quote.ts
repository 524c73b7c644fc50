/**
 * Path names as git writes them in a patch: C-style quoted (`"a/t\303\244b"`, `\t`, `\"`, `\\`, octal bytes)
 * or bare. Rules from git's `quote.c` (`unquote_c_style`) and `apply.c` (`find_name`).
 */

/** Result of decoding path bytes: the text and what was odd about the bytes. */
export interface DecodedPath {
  readonly text: string;
  /** An overlong UTF-8 sequence was found (e.g. `\300\256` for `.`); it is decoded to its code point. */
  readonly overlong: boolean;
  /** Bytes that are not UTF-8 at all (kept as U+FFFD). */
  readonly invalid: boolean;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
};

/**
 * Unquotes a C-style quoted name starting at `text[start]` (which must be `"`).
 * Returns the bytes and the index just after the closing quote, or null when the quoting is broken.
 */
export function unquoteC(text: string, start: number): { bytes: Uint8Array; end: number } | null {
  if (text[start] !== '"') return null;
  const bytes: number[] = [];
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (ch === '"') return { bytes: Uint8Array.from(bytes), end: i + 1 };
    if (ch === '\\') {
      const next = text[i + 1] ?? '';
      const simple = SIMPLE_ESCAPES[next];
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
        continue;
      }
      const octal = /^[0-3][0-7]{2}/.exec(text.slice(i + 1, i + 4));
      if (octal === null) return null;
      bytes.push(Number.parseInt(octal[0], 8));
      i += 4;
      continue;
    }
    for (const b of new TextEncoder().encode(ch)) bytes.push(b);
    i += 1;
  }
  return null;
}

/**
 * Decodes UTF-8 leniently: well-formed sequences as usual, overlong sequences (`C0 AE`, `E0 80 AE`,
 * `F0 80 80 AE` …) to the code point they spell (flagged, since they are a classic way to hide `.` and `/`),
 * anything else to U+FFFD (flagged). Linear in the input.
 */
export function decodeUtf8Lenient(bytes: Uint8Array): DecodedPath {
  let text = '';
  let overlong = false;
  let invalid = false;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const len =
      b < 0x80
        ? 1
        : b >= 0xc0 && b < 0xe0
          ? 2
          : b >= 0xe0 && b < 0xf0
            ? 3
            : b >= 0xf0 && b < 0xf8
              ? 4
              : b >= 0xf8 && b < 0xfc
                ? 5
                : b >= 0xfc && b < 0xfe
                  ? 6
                  : 0;
    if (len === 1) {
      text += String.fromCharCode(b);
      i += 1;
      continue;
    }
    if (len === 0 || i + len > bytes.length) {
      text += '\uFFFD';
      invalid = true;
      i += 1;
      continue;
    }
    let cp = b & (0xff >> (len + 1));
    let good = true;
    for (let k = 1; k < len; k++) {
      const c = bytes[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) {
        good = false;
        break;
      }
      cp = cp * 64 + (c & 0x3f);
    }
    if (!good) {
      text += '\uFFFD';
      invalid = true;
      i += 1;
      continue;
    }
    const minimal = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (minimal < len) overlong = true;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      text += '\uFFFD';
      invalid = true;
    } else text += String.fromCodePoint(cp);
    i += len;
  }
  return { text, overlong, invalid };
}

/** C-quotes `name` the way git does when it has special characters (for generating patches in tests). */
export function quoteC(name: string): string {
  const bytes = new TextEncoder().encode(name);
  let needs = false;
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) {
      out += `\\${String.fromCharCode(b)}`;
      needs = true;
    } else if (b === 9) {
      out += '\\t';
      needs = true;
    } else if (b === 10) {
      out += '\\n';
      needs = true;
    } else if (b < 0x20 || b >= 0x7f) {
      out += `\\${b.toString(8).padStart(3, '0')}`;
      needs = true;
    } else out += String.fromCharCode(b);
  }
  return needs ? `${out}"` : name;
}
