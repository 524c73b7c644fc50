import { isAlias, isNode, LineCounter, parseDocument, visit } from 'yaml';
import { err, ok, type Result } from './result.js';

/**
 * The one YAML loader of WorkTrain's configuration files (`config.yaml`, `triggers.yaml`, per-repo
 * `.worktrain/triggers.yaml`, `policy.yaml`): strict parsing with every problem located, and `$NAME`
 * references resolved in one place.
 */

/**
 * One located problem in a config file: `path` is the key path (`triggers[0].webhook.secret`, `''` for the
 * document itself), `line`/`col` are 1-based (null only when the file has no node to point at, e.g. a
 * missing file). `code` is set where a caller needs to tell issues apart (`ENV_UNSET`, `UNKNOWN_PROVIDER`).
 */
export interface ConfigIssue {
  readonly file: string;
  readonly path: string;
  readonly line: number | null;
  readonly col: number | null;
  readonly message: string;
  readonly code?: string;
}

/**
 * Errors of the strict YAML loader; `details.issues` lists every problem found at once.
 * - CONFIG_YAML: not acceptable YAML: syntax, tabs in indentation, anchors or aliases, duplicate keys,
 *   several documents in one file.
 * - CONFIG_ENV_UNSET: a `$NAME` / `${NAME}` reference names a variable set neither in the environment nor
 *   in `$WORKTRAIN_HOME/.env` (each issue has `code: 'ENV_UNSET'`, the variable in its message, and the
 *   path and line/column where it was used).
 */
export type ConfigYamlErrorCode = 'CONFIG_YAML' | 'CONFIG_ENV_UNSET';
export interface ConfigYamlError {
  readonly code: ConfigYamlErrorCode;
  readonly message: string;
  readonly details: { readonly issues: readonly ConfigIssue[] };
}

/** A strictly parsed YAML file: its plain value (references not yet resolved) and where each key is. */
export interface StrictYaml {
  readonly file: string;
  /** The document as plain JSON-like data (`null` for an empty file). */
  readonly value: unknown;
  /** 1-based line/col of the node at `path`, or of its deepest existing ancestor. */
  locate(path: readonly PropertyKey[]): { readonly line: number | null; readonly col: number | null };
  /** A {@link ConfigIssue} at `path` of this file. */
  issueAt(path: readonly PropertyKey[], message: string, code?: string): ConfigIssue;
}

/** A string value that is exactly `$NAME` or `${NAME}` (a reference); `$.label.name` and `a $B` are not. */
export const ENV_REFERENCE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/**
 * Parses `text` (the contents of `file`) strictly: YAML 1.2 core schema; duplicate keys, tabs in
 * indentation, anchors and aliases (they hide what an entry really contains and enable "billion laughs"
 * blow-ups), `<<` merge keys and multi-document files are refused. Every problem is reported at once with
 * its line and column. Errors: CONFIG_YAML.
 */
export function parseStrictYaml(file: string, text: string): Result<StrictYaml, ConfigYamlError> {
  const issues: ConfigIssue[] = [];
  const at = (line: number | null, col: number | null, message: string) =>
    issues.push({ file, path: '', line, col, message });
  text.split(/\r?\n/).forEach((line, i) => {
    const indent = /^[ \t]*/.exec(line)?.[0] ?? '';
    if (indent.includes('\t') && line.trim().length > 0)
      at(i + 1, indent.indexOf('\t') + 1, 'tab character in indentation (use spaces)');
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
    // The parser's own report of a tab, already reported above in our words on the same line.
    if (e.code === 'TAB_AS_INDENT' && tabLines.has(pos.line)) continue;
    at(pos.line, pos.col, e.message.split('\n')[0] ?? e.message);
  }
  visit(document, {
    Alias(_key, node) {
      const pos = node.range ? lines.linePos(node.range[0]) : null;
      at(pos?.line ?? null, pos?.col ?? null, `aliases (*${node.source}) are not allowed`);
    },
    Node(_key, node) {
      if (isNode(node) && !isAlias(node) && node.anchor) {
        const pos = node.range ? lines.linePos(node.range[0]) : null;
        at(pos?.line ?? null, pos?.col ?? null, `anchors (&${node.anchor}) are not allowed`);
      }
    },
  });
  if (issues.length > 0) {
    const unique = dedupe(issues);
    return err({
      code: 'CONFIG_YAML',
      message: summarizeConfigIssues(`${file} is not valid YAML`, unique),
      details: { issues: unique },
    });
  }
  const locate = (path: readonly PropertyKey[]) => {
    for (let n = path.length; n >= 0; n--) {
      const keys = path.slice(0, n).map((k) => (typeof k === 'symbol' ? String(k) : k));
      const node = document.getIn(keys, true);
      if (isNode(node) && node.range) {
        const pos = lines.linePos(node.range[0]);
        return { line: pos.line, col: pos.col };
      }
    }
    // An empty document: the start of the file.
    return { line: 1, col: 1 };
  };
  return ok({
    file,
    value: document.toJS({ maxAliasCount: 0 }) as unknown,
    locate,
    issueAt: (path, message, code) => ({
      file,
      path: formatConfigPath(path),
      ...locate(path),
      message,
      ...(code === undefined ? {} : { code }),
    }),
  });
}

/**
 * Replaces every string value of `yaml.value` that is exactly `$NAME` or `${NAME}` by the variable from
 * `env` (the process environment overlaid on `$WORKTRAIN_HOME/.env`, see `environmentWithDotEnv`). Other
 * strings are left as written. An unset or empty variable is an issue at the path and line/column where
 * it is used; `envFile` (when given) is named in its message so the fix is obvious. Errors: CONFIG_ENV_UNSET.
 */
export function resolveEnvReferences(
  yaml: StrictYaml,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly envFile?: string } = {},
): Result<unknown, ConfigYamlError> {
  const issues: ConfigIssue[] = [];
  const where = options.envFile === undefined ? 'the environment' : `the environment or ${options.envFile}`;
  const walk = (v: unknown, path: PropertyKey[]): unknown => {
    if (typeof v === 'string') {
      const m = ENV_REFERENCE.exec(v);
      if (m === null) return v;
      const name = m[1] ?? m[2] ?? '';
      const resolved = env[name];
      if (resolved === undefined || resolved === '') {
        issues.push(
          yaml.issueAt(path, `environment variable ${name} is not set (set it in ${where})`, 'ENV_UNSET'),
        );
        return v;
      }
      return resolved;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k])]));
    return v;
  };
  const value = walk(yaml.value, []);
  if (issues.length > 0)
    return err({
      code: 'CONFIG_ENV_UNSET',
      message: summarizeConfigIssues(`${yaml.file} uses unset environment variables`, issues),
      details: { issues },
    });
  return ok(value);
}

/** Formats a key path as `triggers[0].webhook.secret` (`''` for the root). */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out.length === 0 ? String(k) : `.${String(k)}`;
  }
  return out;
}

/** `file:line:col path: message` — how every surface (CLI, doctor, daemon log) prints one issue. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const at = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return `${at}${issue.path === '' ? '' : ` ${issue.path}`}: ${issue.message}`;
}

/** `<what>: N issue(s); first at <issue>` — the one-line message of an error carrying `issues`. */
export function summarizeConfigIssues(what: string, issues: readonly ConfigIssue[]): string {
  const first = issues[0];
  return `${what}: ${issues.length} issue(s); first at ${first === undefined ? '?' : formatConfigIssue(first)}`;
}

function dedupe(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.line}:${i.col}:${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
