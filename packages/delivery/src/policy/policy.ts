import { readFile } from 'node:fs/promises';
import {
  describeThrown,
  err,
  makeError,
  ok,
  parseStrictYaml,
  type Result,
  ResultAsync,
  type WorkTrainError,
} from '@worktrain/contracts';
import { DEFAULT_POLICY_YAML } from './default-policy.js';
import { DEFAULT_AUTO_APPROVE_AFTER_MS, type Policy, PolicyFileSchema } from './schema.js';

/**
 * Errors of the policy file.
 * - POLICY_INVALID: not (strict) YAML, or not a valid policy (details.issues: `[{path, message, line, col}]`,
 *   path like `rules[2].tier`, 1-based line and column).
 * - POLICY_UNREADABLE: the file exists but cannot be read (details.path, cause).
 */
export type PolicyErrorCode = 'POLICY_INVALID' | 'POLICY_UNREADABLE';
export type PolicyError = WorkTrainError<PolicyErrorCode>;

/** One problem of a policy file: where (`rules[2].tier`, `(root)`; 1-based line and column) and what. */
export interface PolicyIssue {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly col?: number;
}

/** Formats a zod issue path as `rules[2].tier` (`(root)` when empty). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/**
 * Parses the text of a policy file (YAML read by the strict loader of `@worktrain/contracts`: no tabs,
 * anchors, aliases or duplicate keys; schema {@link PolicyFileSchema}). `source` names it in errors and in
 * the returned policy. Errors: POLICY_INVALID with every issue, its path, line and column.
 */
export function parsePolicy(text: string, source: string): Result<Policy, PolicyError> {
  const doc = parseStrictYaml(source, text);
  if (doc.isErr())
    return err(
      invalid(
        source,
        doc.error.details.issues.map((i) => ({
          path: '(root)',
          message: `not valid YAML: ${i.message}`,
          ...(i.line === null ? {} : { line: i.line, col: i.col ?? 1 }),
        })),
      ),
    );
  const parsed = PolicyFileSchema.safeParse(doc.value.value ?? {});
  if (!parsed.success)
    return err(
      invalid(
        source,
        parsed.error.issues.map((issue) => {
          const { line, col } = doc.value.locate(issue.path);
          return {
            path: formatIssuePath(issue.path),
            message: issue.message,
            ...(line === null ? {} : { line, col: col ?? 1 }),
          };
        }),
      ),
    );
  return ok({
    version: 1,
    autoApproveAfterMs: parsed.data.autoApproveAfter ?? DEFAULT_AUTO_APPROVE_AFTER_MS,
    merge: parsed.data.merge ?? null,
    rules: parsed.data.rules,
    source,
  });
}

function invalid(source: string, issues: readonly PolicyIssue[]): PolicyError {
  const first = issues[0];
  const at = first?.line === undefined ? '' : `${source}:${first.line}:${first.col ?? 1} `;
  const where = first ? `${at}${first.path}: ${first.message}` : 'invalid';
  return makeError('POLICY_INVALID', `${source} is not a valid policy (${where})`, { path: source, issues });
}

/** The built-in policy (see {@link DEFAULT_POLICY_YAML}); always valid (a unit test pins it). */
export function defaultPolicy(): Policy {
  const parsed = parsePolicy(DEFAULT_POLICY_YAML, 'builtin');
  if (parsed.isErr()) throw new Error(`built-in policy is invalid: ${parsed.error.message}`);
  return parsed.value;
}

/**
 * Loads `policy.yaml` at `path` (normally `$WORKTRAIN_HOME/policy.yaml`). A missing file yields the
 * built-in {@link defaultPolicy} (source `builtin`); a present but invalid file is an error, never a silent
 * fallback. Errors: POLICY_INVALID, POLICY_UNREADABLE.
 */
export function loadPolicy(path: string): ResultAsync<Policy, PolicyError> {
  return ResultAsync.fromPromise(
    readFile(path, 'utf8').then(
      (text) => ({ text }),
      (thrown: unknown) => {
        if (thrown instanceof Error && 'code' in thrown && thrown.code === 'ENOENT') return { text: null };
        throw thrown;
      },
    ),
    (thrown) =>
      makeError('POLICY_UNREADABLE', `cannot read the policy file ${path}: ${describeThrown(thrown)}`, {
        path,
      }) as PolicyError,
  ).andThen(({ text }) => (text === null ? ok(defaultPolicy()) : parsePolicy(text, path)));
}
