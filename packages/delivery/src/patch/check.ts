import { createHash } from 'node:crypto';
import type { AddedLine } from '../secrets.js';
import { type FilePatch, type ParsedPatch, parsePatch } from './parse.js';
import { pathReasons } from './path-safety.js';
import {
  DEFAULT_MAX_BYTES,
  type DeclaredOperation,
  type PatchCheckPolicy,
  type PatchCheckReason,
} from './policy.js';
import { type ChangedFile, checkChangedFiles, checkSecrets, reasonCollector } from './rules.js';

/** Audit record of one file section: what it does and the sha256 of its text. */
export interface PatchFileAudit {
  /** The path after the change (the old one for a deletion). */
  readonly path: string;
  /** The path before, for renames and copies (else equal to `path` or null for an addition). */
  readonly oldPath: string | null;
  readonly operation: 'add' | 'delete' | 'update' | 'rename' | 'copy';
  readonly oldMode: string | null;
  readonly newMode: string | null;
  readonly binary: boolean;
  /** Added and removed lines (0 for binary). */
  readonly added: number;
  readonly removed: number;
  /** Lowercase hex sha256 of this file's section of the patch. */
  readonly sha256: string;
  readonly bytes: number;
  /** 1-based line of the section in the patch. */
  readonly line: number;
}

export interface PatchCheckResult {
  /** True when no reason was found. */
  readonly ok: boolean;
  readonly reasons: readonly PatchCheckReason[];
  /** True when the only reasons are PROTECTED_PATH: an approval would make the patch acceptable. */
  readonly needsApproval: boolean;
  readonly files: readonly PatchFileAudit[];
  /** sha256 of the whole patch text. */
  readonly sha256: string;
}

const MODE_SYMLINK = '120000';

/**
 * Checks patch text against `policy` without touching the disk (DESIGN §8 "validate the diff"; the
 * "Change Safety & Validation" list of the queue and safety backlog). Pure and synchronous; never throws.
 * Every file section is checked for: syntax (MALFORMED), path safety of both names (PATH_TRAVERSAL,
 * ABSOLUTE_PATH, GIT_DIR), targets, symlinks, gitlinks, modes, binary content, protected paths, declared
 * operations and secrets in added lines; the patch as a whole for file count and size. Use
 * {@link validatePatch} to add the worktree checks and `git apply --check`.
 */
export function checkPatchText(patchText: string, policy: PatchCheckPolicy = {}): PatchCheckResult {
  const parsed = parsePatch(patchText);
  return checkParsedPatch(patchText, parsed, policy);
}

/** {@link checkPatchText} on an already parsed patch. */
export function checkParsedPatch(
  patchText: string,
  parsed: ParsedPatch,
  policy: PatchCheckPolicy,
): PatchCheckResult {
  const { reasons, add } = reasonCollector();
  for (const e of parsed.errors)
    add({ code: 'MALFORMED', path: null, line: e.line, message: `line ${e.line}: ${e.message}` });
  const maxBytes = policy.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = Buffer.byteLength(patchText, 'utf8');
  if (bytes > maxBytes)
    add({ code: 'TOO_LARGE', path: null, message: `the patch is ${bytes} bytes; the limit is ${maxBytes}` });
  checkChangedFiles(parsed.files.map(changedFile), policy, add);
  for (const file of parsed.files)
    for (const block of file.binaryPatch)
      if (block.size > maxBytes) {
        const main = file.newPath ?? file.oldPath ?? '';
        add({
          code: 'TOO_LARGE',
          path: main,
          message: `${main} carries ${block.size} bytes of binary data; the limit is ${maxBytes}`,
        });
      }
  checkDeclared(parsed.files, policy.declared, add);
  // An oversized patch is refused anyway; scanning it would only cost time.
  if (bytes <= maxBytes) {
    const addedLines: AddedLine[] = [];
    for (const file of parsed.files) {
      const pathsSafe = [file.oldPath, file.newPath].every(
        (p) => p === null || pathReasons(p, file.nameIssues).length === 0,
      );
      if (pathsSafe && file.newPath !== null && file.newMode !== MODE_SYMLINK)
        addedLines.push(...collectAdded(file, file.newPath));
    }
    checkSecrets(addedLines, policy, add);
  }
  return {
    ok: reasons.length === 0,
    reasons,
    needsApproval: reasons.length > 0 && reasons.every((r) => r.code === 'PROTECTED_PATH'),
    files: parsed.files.map(audit),
    sha256: sha256Hex(patchText),
  };
}

/** A parsed file section as the shared rules see it. */
function changedFile(file: FilePatch): ChangedFile {
  const added = file.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
  const removed = file.hunks.reduce((n, h) => n + h.lines.filter((l) => l.startsWith('-')).length, 0);
  return {
    oldPath: file.oldPath,
    newPath: file.newPath,
    oldMode: file.oldMode,
    newMode: file.newMode,
    binary: file.binary,
    added: added.length,
    removed,
    // The whole new content is known only for an added text file.
    newSize:
      file.operation === 'add' && !file.binary
        ? added.reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + 1, 0)
        : null,
    symlinkTarget: file.newMode === MODE_SYMLINK ? symlinkTarget(file, added) : null,
    nameIssues: file.nameIssues,
  };
}

/** New content of a symlink section (its target), or null when it cannot be read from the patch. */
function symlinkTarget(file: FilePatch, added: readonly string[]): string | null {
  if (file.binary) return null;
  if (added.length === 0) return file.operation === 'modify' || file.operation === 'rename' ? '' : null;
  return added.join('\n');
}

function collectAdded(file: FilePatch, path: string): AddedLine[] {
  const out: AddedLine[] = [];
  for (const hunk of file.hunks) {
    let line = hunk.newStart;
    for (const l of hunk.lines) {
      if (l.startsWith('+')) {
        out.push({ path, line, text: l.slice(1) });
        line += 1;
      } else if (l.startsWith(' ') || l === '') line += 1;
    }
  }
  return out;
}

function checkDeclared(
  files: readonly FilePatch[],
  declared: PatchCheckPolicy['declared'],
  add: (r: PatchCheckReason) => void,
): void {
  if (declared === undefined) return;
  const actual = new Map<string, DeclaredOperation>();
  for (const f of files) {
    if (f.operation === 'rename' && f.oldPath !== null) actual.set(f.oldPath, 'delete');
    const path = f.newPath ?? f.oldPath;
    if (path === null) continue;
    const op: DeclaredOperation =
      f.operation === 'add' || f.operation === 'rename' || f.operation === 'copy'
        ? 'add'
        : f.operation === 'delete'
          ? 'delete'
          : 'update';
    actual.set(path, op);
  }
  const wanted = new Map(declared.map((d) => [d.path.replace(/^\.\//, ''), d.operation]));
  for (const [path, op] of actual) {
    const w = wanted.get(path);
    if (w === undefined)
      add({ code: 'OPERATION_MISMATCH', path, message: `${path} is changed (${op}) but not declared` });
    else if (w !== op)
      add({
        code: 'OPERATION_MISMATCH',
        path,
        message: `${path} is declared as ${w} but the patch does ${op}`,
      });
  }
  for (const [path, op] of wanted)
    if (!actual.has(path))
      add({
        code: 'OPERATION_MISMATCH',
        path,
        message: `${path} is declared (${op}) but the patch does not touch it`,
      });
}

function audit(f: FilePatch): PatchFileAudit {
  let added = 0;
  let removed = 0;
  for (const h of f.hunks)
    for (const l of h.lines) {
      if (l.startsWith('+')) added += 1;
      else if (l.startsWith('-')) removed += 1;
    }
  return {
    path: f.newPath ?? f.oldPath ?? '',
    oldPath: f.oldPath,
    operation: f.operation === 'modify' ? 'update' : f.operation,
    oldMode: f.oldMode,
    newMode: f.newMode,
    binary: f.binary,
    added,
    removed,
    sha256: f.sha256,
    bytes: f.bytes,
    line: f.line,
  };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
