import { type Document, isAlias, isNode, LineCounter, parseDocument, visit } from 'yaml';
import type { ConfigIssue } from '../errors.js';

export interface ParsedYaml {
  readonly value: unknown;
  readonly document: Document;
  readonly lines: LineCounter;
}

/**
 * Parses triggers.yaml strictly: YAML 1.2 core schema, duplicate keys rejected, no tabs in indentation,
 * no anchors or aliases (they hide what a trigger really contains and enable "billion laughs" blow-ups).
 * Returns every problem found, each with its 1-based line and column.
 */
export function parseStrictYaml(file: string, text: string): { ok: ParsedYaml } | { issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (indent.includes('\t') && line.trim().length > 0)
      issues.push({
        file,
        path: '',
        line: i + 1,
        col: indent.indexOf('\t') + 1,
        message: 'tab character in indentation (use spaces)',
      });
  });
  const lines = new LineCounter();
  const document = parseDocument(text, {
    uniqueKeys: true,
    lineCounter: lines,
    prettyErrors: false,
    merge: false,
  });
  const tabLines = new Set(issues.map((i) => i.line));
  for (const e of document.errors) {
    const pos = lines.linePos(e.pos[0]);
    // The parser's own report of a tab already reported above, in our words, on the same line.
    if (e.code === 'TAB_AS_INDENT' && tabLines.has(pos.line)) continue;
    issues.push({
      file,
      path: '',
      line: pos.line,
      col: pos.col,
      message: e.message.split('\n')[0] ?? e.message,
    });
  }
  visit(document, {
    Alias(_key, node) {
      const pos = node.range ? lines.linePos(node.range[0]) : null;
      issues.push({
        file,
        path: '',
        line: pos?.line ?? null,
        col: pos?.col ?? null,
        message: `aliases (*${node.source}) are not allowed`,
      });
    },
    Node(_key, node) {
      if (isNode(node) && !isAlias(node) && node.anchor) {
        const pos = node.range ? lines.linePos(node.range[0]) : null;
        issues.push({
          file,
          path: '',
          line: pos?.line ?? null,
          col: pos?.col ?? null,
          message: `anchors (&${node.anchor}) are not allowed`,
        });
      }
    },
  });
  if (issues.length > 0) return { issues: dedupeIssues(issues) };
  return { ok: { value: document.toJS({ maxAliasCount: 0 }), document, lines } };
}

function dedupeIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.line}:${i.col}:${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** 1-based line/col of the node at `path` (or of its deepest existing ancestor), or nulls. */
export function locate(
  parsed: ParsedYaml,
  path: readonly PropertyKey[],
): { line: number | null; col: number | null } {
  for (let n = path.length; n >= 0; n--) {
    const keys = path.slice(0, n).map((k) => (typeof k === 'symbol' ? String(k) : k));
    const node = parsed.document.getIn(keys, true);
    if (isNode(node) && node.range) {
      const pos = parsed.lines.linePos(node.range[0]);
      return { line: pos.line, col: pos.col };
    }
  }
  return { line: null, col: null };
}

/** Formats a key path as `triggers[0].webhook.secret`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out.length === 0 ? String(k) : `.${String(k)}`;
  }
  return out;
}
