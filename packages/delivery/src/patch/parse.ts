import { createHash } from 'node:crypto';
import { parseBinaryPatch } from './binary.js';
import { MAX_HEADER_LINE } from './limits.js';
import { decodeName, type Name, parseGitHeaderNames, parseLooseName, traditionalPair } from './names.js';

/**
 * A unified diff parser that understands git's extended headers (`git help diff`, "Generating patch text
 * with -p"; git's `apply.c`): `diff --git`, `old mode`/`new mode`, `deleted file mode`, `new file mode`,
 * `rename from/to`, `copy from/to`, `similarity index`, `index <a>..<b> <mode>`, `Binary files … differ`,
 * `GIT binary patch`, C-quoted names, `/dev/null`, `\ No newline at end of file`.
 *
 * Never throws on data and does bounded, linear work: each input line is looked at a constant number of
 * times; header lines longer than {@link MAX_HEADER_LINE} are rejected instead of scanned.
 */

/** What a file section does: git's own terms. A mode-only change is `modify`. */
export type FilePatchOperation = 'add' | 'delete' | 'modify' | 'rename' | 'copy';

export interface PatchHunk {
  /** 1-based line of the `@@` header in the patch text. */
  readonly line: number;
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /** Body lines with their prefix (` `, `-`, `+`, `\`); an empty context line is kept as ``. */
  readonly lines: readonly string[];
}

export interface BinaryPatchInfo {
  /** `literal` carries the whole new content, `delta` a delta against the old blob. */
  readonly method: 'literal' | 'delta';
  /** Size in bytes of the inflated data as declared by the patch. */
  readonly size: number;
}

export interface FilePatch {
  /** 1-based first and last line of this file's section in the patch text. */
  readonly line: number;
  readonly endLine: number;
  /** True for a `diff --git` section, false for a traditional `---`/`+++` one. */
  readonly git: boolean;
  /** Path before (null for an added file, `/dev/null`), prefix (`a/`) stripped, unquoted. */
  readonly oldPath: string | null;
  /** Path after (null for a deleted file). */
  readonly newPath: string | null;
  readonly operation: FilePatchOperation;
  /** Git modes as six octal digits (`100644`, `100755`, `120000` symlink, `160000` gitlink). */
  readonly oldMode: string | null;
  readonly newMode: string | null;
  readonly similarity: number | null;
  /** Abbreviated blob ids from the `index` line. */
  readonly oldHash: string | null;
  readonly newHash: string | null;
  /** `Binary files … differ` or `GIT binary patch`. */
  readonly binary: boolean;
  /** Blocks of a `GIT binary patch` (forward first, then the optional reverse one). */
  readonly binaryPatch: readonly BinaryPatchInfo[];
  readonly hunks: readonly PatchHunk[];
  /** Problems in how the names are encoded (overlong or invalid UTF-8), for the path checks. */
  readonly nameIssues: readonly string[];
  /** Lowercase hex sha256 of this section's text (lines joined with `\n`), for audit. */
  readonly sha256: string;
  /** Size of this section's text in bytes (UTF-8). */
  readonly bytes: number;
}

/** A malformed spot of the patch text. */
export interface PatchSyntaxError {
  /** 1-based line number in the patch text. */
  readonly line: number;
  readonly message: string;
}

export interface ParsedPatch {
  readonly files: readonly FilePatch[];
  readonly errors: readonly PatchSyntaxError[];
}

const MAX_ERRORS = 100;

const MODE = '([0-7]{6})';
const EXTENDED: readonly [RegExp, string][] = [
  [new RegExp(`^old mode ${MODE}$`), 'oldMode'],
  [new RegExp(`^new mode ${MODE}$`), 'newMode'],
  [new RegExp(`^deleted file mode ${MODE}$`), 'deletedMode'],
  [new RegExp(`^new file mode ${MODE}$`), 'newFileMode'],
  [/^rename from (.+)$/, 'renameFrom'],
  [/^rename to (.+)$/, 'renameTo'],
  [/^rename old (.+)$/, 'renameFrom'],
  [/^rename new (.+)$/, 'renameTo'],
  [/^copy from (.+)$/, 'copyFrom'],
  [/^copy to (.+)$/, 'copyTo'],
  [/^similarity index (\d{1,3})%$/, 'similarity'],
  [/^dissimilarity index (\d{1,3})%$/, 'dissimilarity'],
  [/^index ([0-9a-f]{4,64})\.\.([0-9a-f]{4,64})(?: ([0-7]{6}))?$/, 'index'],
];
const HUNK_HEADER = /^@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@/;

/** Parses patch text (any preamble such as a commit message is skipped). Never throws. */
export function parsePatch(text: string): ParsedPatch {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const files: FilePatch[] = [];
  const errors: PatchSyntaxError[] = [];
  const error = (line: number, message: string): void => {
    if (errors.length < MAX_ERRORS) errors.push({ line, message });
  };
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.startsWith('diff --git ')) {
      i = parseSection(lines, i, true, files, error);
    } else if (line.startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
      i = parseSection(lines, i, false, files, error);
    } else {
      if (line.startsWith('@@ ')) error(i + 1, 'hunk header outside of a file section');
      else if (line === 'GIT binary patch') error(i + 1, 'binary patch outside of a file section');
      i += 1;
    }
  }
  if (files.length === 0 && errors.length === 0) error(1, 'no file changes found in the patch');
  return { files, errors };
}

/** Records a syntax error at a 1-based line. */
export type ErrorFn = (line: number, message: string) => void;

function parseSection(
  lines: readonly string[],
  start: number,
  git: boolean,
  files: FilePatch[],
  error: ErrorFn,
): number {
  const header: Record<string, string> = {};
  const nameIssues: string[] = [];
  let headerNames: { a: Name; b: Name } | null = null;
  let i = start;
  if (git) {
    const first = lines[i] ?? '';
    if (first.length > MAX_HEADER_LINE) error(i + 1, `header line longer than ${MAX_HEADER_LINE} characters`);
    else headerNames = parseGitHeaderNames(first.slice('diff --git '.length));
    i += 1;
    for (; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.length > MAX_HEADER_LINE) break;
      const match = EXTENDED.find(([re]) => re.test(line));
      if (match === undefined) break;
      const m = match[0].exec(line);
      if (m === null) break;
      if (match[1] === 'index') {
        header.oldHash = m[1] ?? '';
        header.newHash = m[2] ?? '';
        if (m[3] !== undefined) header.indexMode = m[3];
      } else header[match[1]] = m[1] ?? '';
    }
  }
  let dashNames: { a: Name; b: Name } | null = null;
  if ((lines[i] ?? '').startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ')) {
    const a = parseLooseName(lines[i] ?? '', i + 1, error);
    const b = parseLooseName(lines[i + 1] ?? '', i + 2, error);
    dashNames = git || a.path === null || b.path === null ? { a, b } : traditionalPair(a, b);
    i += 2;
  }
  let binary = false;
  const binaryPatch: BinaryPatchInfo[] = [];
  const hunks: PatchHunk[] = [];
  const current = lines[i] ?? '';
  if (git && dashNames === null && /^Binary files .* differ$/.test(current)) {
    binary = true;
    i += 1;
  } else if (git && dashNames === null && current === 'GIT binary patch') {
    binary = true;
    const parsed = parseBinaryPatch(lines, i + 1);
    for (const e of parsed.errors) error(e.line, e.message);
    binaryPatch.push(...parsed.blocks);
    i = parsed.next;
  } else {
    i = parseHunks(lines, i, hunks, error);
  }

  // Names: rename/copy lines, else ---/+++, else the diff --git line. Mode changes, deletions and additions
  // of empty files have no ---/+++ lines.
  const oldRaw = header.renameFrom ?? header.copyFrom;
  const newRaw = header.renameTo ?? header.copyTo;
  const fromExtended = (raw: string | undefined): Name | null =>
    raw === undefined ? null : decodeName(raw, false);
  let oldName = fromExtended(oldRaw) ?? dashNames?.a ?? headerNames?.a ?? null;
  let newName = fromExtended(newRaw) ?? dashNames?.b ?? headerNames?.b ?? null;
  if (header.newFileMode !== undefined) oldName = { path: null, issues: [] };
  if (header.deletedMode !== undefined) newName = { path: null, issues: [] };
  for (const n of [oldName, newName]) if (n) nameIssues.push(...n.issues);
  if (git && oldName === null && newName === null) {
    error(start + 1, 'git diff header lacks file name information');
  }
  if (git && header.renameFrom === undefined && header.copyFrom === undefined && headerNames && dashNames) {
    const disagree =
      (dashNames.a.path !== null && dashNames.a.path !== headerNames.a.path) ||
      (dashNames.b.path !== null && dashNames.b.path !== headerNames.b.path);
    if (disagree) error(start + 1, 'file names in ---/+++ lines disagree with the diff --git line');
  }
  const operation: FilePatchOperation =
    header.renameFrom !== undefined
      ? 'rename'
      : header.copyFrom !== undefined
        ? 'copy'
        : oldName?.path === null || header.newFileMode !== undefined
          ? 'add'
          : newName?.path === null || header.deletedMode !== undefined
            ? 'delete'
            : 'modify';
  if (!git && oldName?.path === null && newName?.path === null)
    error(start + 1, 'both file names are /dev/null');
  if (!binary && hunks.length === 0 && !git) error(start + 1, 'file section without hunks');
  if (header.renameFrom !== undefined && header.renameTo === undefined)
    error(start + 1, 'rename from without rename to');
  if (header.copyFrom !== undefined && header.copyTo === undefined)
    error(start + 1, 'copy from without copy to');
  checkHunksAgainstOperation(operation, hunks, error);

  const oldMode =
    header.oldMode ?? header.deletedMode ?? (operation === 'add' ? null : (header.indexMode ?? null));
  const newMode =
    header.newMode ?? header.newFileMode ?? (operation === 'delete' ? null : (header.indexMode ?? null));
  const section = lines.slice(start, i).join('\n');
  files.push({
    line: start + 1,
    endLine: i,
    git,
    oldPath: oldName?.path ?? null,
    newPath: newName?.path ?? null,
    operation,
    oldMode,
    newMode,
    similarity: header.similarity === undefined ? null : Number(header.similarity),
    oldHash: header.oldHash ?? null,
    newHash: header.newHash ?? null,
    binary,
    binaryPatch,
    hunks,
    nameIssues,
    sha256: createHash('sha256').update(section, 'utf8').digest('hex'),
    bytes: Buffer.byteLength(section, 'utf8'),
  });
  return Math.max(i, start + 1);
}

function checkHunksAgainstOperation(
  op: FilePatchOperation,
  hunks: readonly PatchHunk[],
  error: ErrorFn,
): void {
  for (const h of hunks) {
    if (op === 'add' && (h.oldLines !== 0 || h.oldStart !== 0))
      error(h.line, 'new file depends on old contents (hunk has old lines)');
    if (op === 'delete' && (h.newLines !== 0 || h.newStart !== 0))
      error(h.line, 'deleted file still has contents (hunk has new lines)');
  }
}

function parseHunks(lines: readonly string[], start: number, hunks: PatchHunk[], error: ErrorFn): number {
  let i = start;
  while ((lines[i] ?? '').startsWith('@@ ')) {
    const headerLine = i + 1;
    const m = HUNK_HEADER.exec(lines[i] ?? '');
    if (m === null) {
      error(headerLine, 'malformed hunk header');
      return i + 1;
    }
    const oldStart = Number(m[1]);
    const oldLines = m[2] === undefined ? 1 : Number(m[2]);
    const newStart = Number(m[3]);
    const newLines = m[4] === undefined ? 1 : Number(m[4]);
    let oldLeft = oldLines;
    let newLeft = newLines;
    const body: string[] = [];
    i += 1;
    while (oldLeft > 0 || newLeft > 0) {
      const line = lines[i];
      if (line === undefined) {
        error(i, `patch ends inside a hunk (${oldLeft} old and ${newLeft} new lines missing)`);
        break;
      }
      const c = line[0];
      if (c === ' ' || line === '') {
        oldLeft -= 1;
        newLeft -= 1;
      } else if (c === '-') oldLeft -= 1;
      else if (c === '+') newLeft -= 1;
      else if (c === '\\' && body.length > 0) {
        body.push(line);
        i += 1;
        continue;
      } else {
        error(
          i + 1,
          `corrupt patch: unexpected line in hunk (${oldLeft} old and ${newLeft} new lines missing)`,
        );
        break;
      }
      if (oldLeft < 0 || newLeft < 0) {
        error(i + 1, 'corrupt patch: hunk has more lines than its header says');
        break;
      }
      body.push(line);
      i += 1;
    }
    if ((lines[i] ?? '').startsWith('\\')) {
      body.push(lines[i] ?? '');
      i += 1;
    }
    const next = lines[i] ?? '';
    if ((next.startsWith('+') || (next.startsWith('-') && next !== '-- ')) && !isFileHeader(lines, i)) {
      error(i + 1, 'corrupt patch: hunk has more lines than its header says');
    }
    hunks.push({ line: headerLine, oldStart, oldLines, newStart, newLines, lines: body });
  }
  return i;
}

function isFileHeader(lines: readonly string[], i: number): boolean {
  return (lines[i] ?? '').startsWith('--- ') && (lines[i + 1] ?? '').startsWith('+++ ');
}
