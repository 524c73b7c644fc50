/**
 * Reading workflow files from directories: recursive `*.json` discovery and a per-file cache keyed by
 * absolute path + mtime + size, so listing hundreds of workflows on every call costs one `stat` per file.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject } from '@worktrain/contracts';
import { deepFreeze } from './frozen.js';
import type { DefinitionIssue } from './issues.js';
import { isJsonObject } from './json-schema-zod.js';
import { parseWorkflowJson } from './json-text.js';
import { validateWorkflowDefinition } from './validate.js';

/** Files above this size are reported invalid without being read (bytes). */
export const MAX_WORKFLOW_FILE_BYTES = 4 * 1024 * 1024;
/** Directory nesting followed below a source directory (guards against symlink cycles). */
const MAX_DIR_DEPTH = 8;

/**
 * Outcome of loading one file. `definition` is deeply frozen (and valid against the schema: compile it to
 * find template or reference problems). On failure, `issues` are the problems as JSON pointers into the
 * definition (`` = the whole file) and `errors` the same as `pointer: message` lines; `unreadable` is the
 * errno code (`ENOENT`, `EISDIR`, ...) when the file could not be read at all.
 */
export type FileLoad =
  | { readonly ok: true; readonly workflowId: string; readonly definition: JsonObject }
  | {
      readonly ok: false;
      readonly workflowId: string | null;
      readonly errors: readonly string[];
      readonly issues: readonly DefinitionIssue[];
      readonly unreadable?: string;
    };

/** Absolute paths of `*.json` files below `dir` (sorted; hidden entries skipped); `[]` if `dir` is absent. */
export async function findJsonFiles(
  dir: string,
  problems: { path: string; error: string }[],
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string, depth: number): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (thrown) {
      const code = errorCode(thrown);
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        problems.push({ path: current, error: `cannot read directory (${code ?? 'unknown error'})` });
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const path = join(current, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir && depth < MAX_DIR_DEPTH) await walk(path, depth + 1);
      else if (isFile && entry.name.endsWith('.json')) out.push(path);
    }
  };
  await walk(dir, 0);
  return out;
}

function errorCode(thrown: unknown): string | undefined {
  return typeof thrown === 'object' && thrown !== null && 'code' in thrown && typeof thrown.code === 'string'
    ? thrown.code
    : undefined;
}

/** Validation issues of an engine error's `details.issues`, else one issue of the whole file. */
function issuesOf(
  details: Readonly<Record<string, unknown>> | undefined,
  fallback: string,
): DefinitionIssue[] {
  const issues = details?.issues;
  if (!Array.isArray(issues)) return [{ path: '', message: fallback }];
  return issues.map((issue: unknown) =>
    isJsonObject(issue)
      ? { path: typeof issue.path === 'string' ? issue.path : '', message: String(issue.message) }
      : { path: '', message: String(issue) },
  );
}

/** A failed load: issues, and the same as `pointer: message` lines (`(root)` for the whole file). */
function failed(
  workflowId: string | null,
  issues: readonly DefinitionIssue[],
  unreadable?: string,
): Extract<FileLoad, { ok: false }> {
  return {
    ok: false,
    workflowId,
    errors: issues.map((i) => `${i.path !== '' ? i.path : '(root)'}: ${i.message}`),
    issues,
    ...(unreadable !== undefined ? { unreadable } : {}),
  };
}

/** A failed load with one problem of the whole file, its `errors` line the message alone. */
function wholeFile(workflowId: string | null, message: string, unreadable?: string): FileLoad {
  return { ...failed(workflowId, [{ path: '', message }], unreadable), errors: [message] };
}

/** Parses and validates one file's text. */
export function loadWorkflowText(text: string, path: string): FileLoad {
  const parsed = parseWorkflowJson(text, path);
  if (parsed.isErr()) {
    const load = failed(null, issuesOf(parsed.error.details, parsed.error.message));
    // The message names the file, line and column; the issue has the line and column.
    return { ...load, errors: [parsed.error.message] };
  }
  const json = parsed.value;
  if (!isJsonObject(json) || !Array.isArray(json.steps)) {
    const what = isJsonObject(json)
      ? "an object without a 'steps' array"
      : Array.isArray(json)
        ? 'an array'
        : typeof json;
    return wholeFile(
      isJsonObject(json) && typeof json.id === 'string' ? json.id : null,
      `not a workflow definition: the file holds ${what} (a workflow is an object with id, name, description, version and steps)`,
    );
  }
  const validated = validateWorkflowDefinition(json, path);
  if (validated.isErr())
    return failed(
      typeof json.id === 'string' ? json.id : null,
      issuesOf(validated.error.details, validated.error.message),
    );
  // Frozen: the registry hands the same cached object to every caller, so nobody may mutate it.
  return { ok: true, workflowId: validated.value.id, definition: deepFreeze(json) };
}

/**
 * Loads one workflow file the way the registry does (the one loader: `workflow validate` uses it too):
 * a file over {@link MAX_WORKFLOW_FILE_BYTES} is refused without being read, then {@link loadWorkflowText}.
 * `size` is the file's size when the caller has already stat'ed it.
 */
export async function loadWorkflowFile(path: string, size?: number): Promise<FileLoad> {
  let bytes = size;
  if (bytes === undefined) {
    try {
      bytes = (await stat(path)).size;
    } catch (thrown) {
      return unreadable(thrown);
    }
  }
  if (bytes > MAX_WORKFLOW_FILE_BYTES)
    return wholeFile(
      null,
      `file is ${bytes} bytes; workflow files are limited to ${MAX_WORKFLOW_FILE_BYTES} bytes`,
    );
  try {
    return loadWorkflowText(await readFile(path, 'utf8'), path);
  } catch (thrown) {
    return unreadable(thrown);
  }
}

function unreadable(thrown: unknown): FileLoad {
  const code = errorCode(thrown) ?? 'unknown error';
  return wholeFile(null, `cannot read file (${code})`, code);
}

interface CacheEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly load: FileLoad;
}

/** Loads files through a cache that is invalidated when a file's mtime or size changes. */
export class WorkflowFileCache {
  private readonly entries = new Map<string, CacheEntry>();

  async load(path: string): Promise<FileLoad> {
    let info: import('node:fs').Stats;
    try {
      info = await stat(path);
    } catch (thrown) {
      this.entries.delete(path);
      return unreadable(thrown);
    }
    const cached = this.entries.get(path);
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size)
      return cached.load;
    const load = await loadWorkflowFile(path, info.size);
    this.entries.set(path, { mtimeMs: info.mtimeMs, size: info.size, load });
    return load;
  }

  /** Drops entries of files not seen in the last listing, so deleted files do not pin memory. */
  retainOnly(paths: ReadonlySet<string>): void {
    for (const path of this.entries.keys()) if (!paths.has(path)) this.entries.delete(path);
  }
}
