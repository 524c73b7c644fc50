import { err, ok, type Result } from '@worktrain/contracts';

/**
 * A compiled JSONPath of the subset WorkTrain accepts (RFC 9535 syntax, the part needed to pick fields
 * out of webhook payloads): root `$`, member names `.name` / `['name']` / `["name"]`, array indexes `[0]`
 * and `[-1]` (from the end), and the wildcard `.*` / `[*]`. Filters, slices, unions and recursive descent
 * are rejected at config time, so a path either means one thing or fails validation.
 */
export type PathSegment =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

export interface CompiledPath {
  readonly source: string;
  readonly segments: readonly PathSegment[];
}

const NAME = /^[A-Za-z_$][A-Za-z0-9_$-]*/;

/** Parses a JSONPath of the supported subset. Error: a message naming the offending column (0-based). */
export function compilePath(source: string): Result<CompiledPath, string> {
  if (!source.startsWith('$')) return err(`JSONPath must start with '$': ${source}`);
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '.') {
      if (source[i + 1] === '.') return err(`recursive descent '..' is not supported (at ${i})`);
      if (source[i + 1] === '*') {
        segments.push({ kind: 'wildcard' });
        i += 2;
        continue;
      }
      const m = NAME.exec(source.slice(i + 1));
      if (!m) return err(`expected a member name after '.' at ${i}`);
      segments.push({ kind: 'name', name: m[0] });
      i += 1 + m[0].length;
    } else if (ch === '[') {
      const close = findClose(source, i);
      if (close < 0) return err(`unclosed '[' at ${i}`);
      const inner = source.slice(i + 1, close).trim();
      const seg = bracketSegment(inner);
      if (seg === null) return err(`unsupported selector [${inner}] at ${i}`);
      segments.push(seg);
      i = close + 1;
    } else {
      return err(`unexpected '${ch ?? ''}' at ${i}`);
    }
  }
  return ok({ source, segments });
}

function findClose(source: string, open: number): number {
  let quote: string | null = null;
  for (let j = open + 1; j < source.length; j++) {
    const c = source[j];
    if (quote !== null) {
      if (c === '\\') j++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ']') return j;
  }
  return -1;
}

function bracketSegment(inner: string): PathSegment | null {
  if (inner === '*') return { kind: 'wildcard' };
  if (/^-?\d+$/.test(inner)) return { kind: 'index', index: Number(inner) };
  const q = inner[0];
  if ((q === "'" || q === '"') && inner.endsWith(q) && inner.length >= 2) {
    const body = inner.slice(1, -1);
    // Only \\ and the quote itself may be escaped; anything fancier is not a plain member name.
    return { kind: 'name', name: body.replace(/\\(['"\\])/g, '$1') };
  }
  return null;
}

/** Every value `path` selects in `value` (document order). Missing members select nothing. */
export function queryPath(path: CompiledPath, value: unknown): unknown[] {
  let current: unknown[] = [value];
  for (const seg of path.segments) {
    const next: unknown[] = [];
    for (const node of current) {
      if (seg.kind === 'name') {
        if (isRecord(node) && Object.hasOwn(node, seg.name)) next.push(node[seg.name]);
      } else if (seg.kind === 'index') {
        if (Array.isArray(node)) {
          const idx = seg.index < 0 ? node.length + seg.index : seg.index;
          if (idx >= 0 && idx < node.length) next.push(node[idx]);
        }
      } else if (Array.isArray(node)) next.push(...node);
      else if (isRecord(node)) next.push(...Object.values(node));
    }
    current = next;
  }
  return current;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
