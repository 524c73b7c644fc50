/**
 * File names in patch headers (git's `apply.c`: `git_header_name`, `find_name_traditional`,
 * `has_epoch_timestamp`): quoted or bare, `a/`/`b/` prefixes, GNU diff timestamps.
 */

import { MAX_HEADER_LINE } from './limits.js';
import type { ErrorFn } from './parse.js';
import { decodeUtf8Lenient, unquoteC } from './quote.js';

/** A parsed name: null for `/dev/null` (or an epoch-stamped name); `issues` are encoding problems. */
export interface Name {
  readonly path: string | null;
  readonly issues: readonly string[];
}

/**
 * A traditional patch changes one file: git takes the old name when it is shorter than the new
 * one (`x.orig` → `x` patches `x`), else the new name; a quoted name ends at its closing quote.
 */
export function traditionalPair(a: Name, b: Name): { a: Name; b: Name } {
  const old = a.path ?? '';
  const neu = b.path ?? '';
  const chosen = old.length < neu.length ? a : b;
  return { a: chosen, b: chosen };
}

/** `a/x b/y`, `"a/x" "b/y"`, `a/x y z b/x y z`: the two names of a `diff --git` line, or null if ambiguous. */
export function parseGitHeaderNames(rest: string): { a: Name; b: Name } | null {
  if (rest.startsWith('"')) {
    const a = unquoteC(rest, 0);
    if (a === null || rest[a.end] !== ' ') return null;
    const bText = rest.slice(a.end + 1);
    const b = bText.startsWith('"') ? unquoteC(bText, 0) : null;
    const bName = b === null ? decodeName(bText, true) : nameFromBytes(b.bytes, true);
    return { a: nameFromBytes(a.bytes, true), b: bName };
  }
  if (rest.endsWith('"')) {
    const q = rest.indexOf(' "');
    if (q < 0) return null;
    const b = unquoteC(rest, q + 1);
    if (b === null) return null;
    return { a: decodeName(rest.slice(0, q), true), b: nameFromBytes(b.bytes, true) };
  }
  // Both bare: the split where the names without their prefix are equal (git's git_header_name).
  for (let p = rest.indexOf(' '); p >= 0; p = rest.indexOf(' ', p + 1)) {
    const a = stripPrefix(rest.slice(0, p));
    const b = stripPrefix(rest.slice(p + 1));
    if (a !== null && a === b) return { a: { path: a, issues: [] }, b: { path: b, issues: [] } };
  }
  return null;
}

/** Trailing timestamp of a traditional `---`/`+++` line (tab- or, in damaged patches, space-separated). */
const TIMESTAMP = /[\t ]+(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.\d+)?(?: ?([+-])(\d\d):?(\d\d))?$/;

/**
 * A name from a `---`/`+++` line: quoted or bare, a trailing timestamp dropped, prefix stripped. A name
 * stamped with the Unix epoch means "does not exist" (GNU `diff -N`), like `/dev/null` (git's
 * `has_epoch_timestamp`).
 */
export function parseLooseName(line: string, lineNo: number, error: ErrorFn): Name {
  const raw = line.slice(4);
  if (raw.length > MAX_HEADER_LINE) {
    error(lineNo, `file name longer than ${MAX_HEADER_LINE} characters`);
    return { path: null, issues: ['name too long'] };
  }
  if (raw.startsWith('"')) {
    const q = unquoteC(raw, 0);
    if (q !== null) {
      const stamp = TIMESTAMP.exec(raw.slice(q.end));
      if (stamp !== null && isEpoch(stamp)) return { path: null, issues: [] };
      return nameFromBytes(q.bytes, true);
    }
  }
  const stamp = TIMESTAMP.exec(raw);
  if (stamp !== null && isEpoch(stamp)) return { path: null, issues: [] };
  let bare = stamp !== null ? raw.slice(0, stamp.index) : raw;
  if (stamp === null && bare.includes('\t')) bare = bare.slice(0, bare.lastIndexOf('\t'));
  bare = bare.replace(/[\t ]+$/, '');
  if (bare === '/dev/null') return { path: null, issues: [] };
  return { path: stripPrefix(bare) ?? bare, issues: [] };
}

function isEpoch(m: RegExpExecArray): boolean {
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  const sign = m[7] === '-' ? -1 : 1;
  const zone = m[7] === undefined ? 0 : sign * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0) - zone * 60_000;
  return utc === 0;
}

/** A bare or quoted name as found after `rename from` etc.; `withPrefix` strips the first path component. */
export function decodeName(raw: string, withPrefix: boolean): Name {
  if (raw.startsWith('"')) {
    const q = unquoteC(raw, 0);
    if (q === null) return { path: raw, issues: ['broken C-style quoting in file name'] };
    return nameFromBytes(q.bytes, withPrefix);
  }
  if (raw === '/dev/null') return { path: null, issues: [] };
  return { path: withPrefix ? (stripPrefix(raw) ?? raw) : raw, issues: [] };
}

function nameFromBytes(bytes: Uint8Array, withPrefix: boolean): Name {
  const decoded = decodeUtf8Lenient(bytes);
  const issues: string[] = [];
  if (decoded.overlong) issues.push('overlong UTF-8 sequence in file name');
  if (decoded.invalid) issues.push('invalid UTF-8 in file name');
  if (decoded.text === '/dev/null') return { path: null, issues };
  return { path: withPrefix ? (stripPrefix(decoded.text) ?? decoded.text) : decoded.text, issues };
}

/** Drops the first path component (`a/`, `b/`, like `git apply -p1`); null when there is none. */
function stripPrefix(name: string): string | null {
  const slash = name.indexOf('/');
  return slash < 0 ? null : name.slice(slash + 1);
}
