import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { symlinkEscapes, targetMatcher } from '../patch-check.js';
import { type AddedLine, SECRET_RULES, scanAddedLines } from '../secrets.js';
import { type FilePatch, type ParsedPatch, parsePatch } from './parse.js';
import { pathReasons } from './path-safety.js';
import {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_FILES,
  type DeclaredOperation,
  LOCKFILE_GLOBS,
  PATCH_PROTECTED_PATHS,
  type PatchCheckPolicy,
  type PatchCheckReason,
} from './policy.js';

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

const MODE_REGULAR = '100644';
const MODE_EXEC = '100755';
const MODE_SYMLINK = '120000';
const MODE_GITLINK = '160000';
const KNOWN_MODES = new Set([MODE_REGULAR, MODE_EXEC, MODE_SYMLINK, MODE_GITLINK]);
/** Lines longer than this are scanned for secrets in overlapping windows (keeps the regexes linear). */
const SCAN_WINDOW = 2048;
const SCAN_OVERLAP = 256;

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
  const reasons: PatchCheckReason[] = [];
  const add = (reason: PatchCheckReason): void => {
    const dup = reasons.some(
      (r) => r.code === reason.code && r.path === reason.path && r.line === reason.line,
    );
    if (!dup) reasons.push(reason);
  };
  for (const e of parsed.errors)
    add({ code: 'MALFORMED', path: null, line: e.line, message: `line ${e.line}: ${e.message}` });

  const maxFiles = policy.maxFiles ?? DEFAULT_MAX_FILES;
  const maxBytes = policy.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = Buffer.byteLength(patchText, 'utf8');
  if (parsed.files.length > maxFiles)
    add({
      code: 'TOO_MANY_FILES',
      path: null,
      message: `the patch changes ${parsed.files.length} files; the limit is ${maxFiles}`,
    });
  if (bytes > maxBytes)
    add({ code: 'TOO_LARGE', path: null, message: `the patch is ${bytes} bytes; the limit is ${maxBytes}` });

  const targets =
    policy.targets !== undefined && policy.targets.length > 0 ? targetMatcher(policy.targets) : null;
  const protectedGlobs = [
    ...(policy.protectedPaths ?? PATCH_PROTECTED_PATHS),
    ...(policy.protectLockfiles === false ? [] : LOCKFILE_GLOBS),
  ];
  const isProtected = matcher(protectedGlobs, true);
  const approved = policy.approved === true ? () => true : matcher(policy.approved ?? []);
  const mayBeExecutable = matcher(policy.allowExecutable ?? []);
  const symlinkPaths = new Set<string>();
  for (const f of parsed.files)
    if (f.newMode === MODE_SYMLINK && f.newPath !== null) symlinkPaths.add(f.newPath);

  const addedLines: AddedLine[] = [];
  for (const file of parsed.files) {
    const paths = [...new Set([file.oldPath, file.newPath].filter((p): p is string => p !== null))];
    const main = file.newPath ?? file.oldPath ?? '';
    let pathsSafe = true;
    for (const p of paths) {
      for (const r of pathReasons(p, file.nameIssues)) {
        add({ code: r.code, path: p, message: r.message });
        pathsSafe = false;
      }
      if (!policy.allowGitmodules && p.split('/').some((s) => s.toLowerCase() === '.gitmodules'))
        add({ code: 'GIT_DIR', path: p, message: `${p} writes .gitmodules (submodule URLs and paths)` });
      if (targets !== null && !targets(p))
        add({
          code: 'OUTSIDE_TARGETS',
          path: p,
          message: `${p} is outside the declared targets (${(policy.targets ?? []).join(', ')})`,
        });
      if (isProtected(p) && !approved(p))
        add({
          code: 'PROTECTED_PATH',
          path: p,
          message: `${p} is a protected path (CI, automation, ownership or lockfile) and needs approval`,
        });
      const through = [...symlinkPaths].find((s) => p.startsWith(`${s}/`));
      if (through !== undefined)
        add({
          code: 'SYMLINK',
          path: p,
          message: `${p} is written through ${through}, a symlink created by the same patch`,
        });
    }
    checkModes(file, main, policy, mayBeExecutable, add);
    if (file.binary) {
      if (policy.allowBinary !== true)
        add({
          code: 'BINARY',
          path: main,
          message: `${main} is a binary change; binary changes are not allowed by the policy`,
        });
      for (const block of file.binaryPatch)
        if (block.size > maxBytes)
          add({
            code: 'TOO_LARGE',
            path: main,
            message: `${main} carries ${block.size} bytes of binary data; the limit is ${maxBytes}`,
          });
    }
    if (pathsSafe && file.newPath !== null && file.newMode !== MODE_SYMLINK)
      addedLines.push(...collectAdded(file, file.newPath));
  }
  checkDeclared(parsed.files, policy.declared, add);
  if (bytes <= maxBytes) {
    for (const f of scanAddedLines(addedLines, policy.secretRules ?? SECRET_RULES)) {
      add({
        code: 'SECRET',
        path: f.path,
        line: f.line,
        message: `${f.path}:${f.line}: ${f.description} (${f.ruleId}: ${f.masked})`,
      });
    }
  }
  return {
    ok: reasons.length === 0,
    reasons,
    needsApproval: reasons.length > 0 && reasons.every((r) => r.code === 'PROTECTED_PATH'),
    files: parsed.files.map(audit),
    sha256: sha256Hex(patchText),
  };
}

function checkModes(
  file: FilePatch,
  path: string,
  policy: PatchCheckPolicy,
  mayBeExecutable: (p: string) => boolean,
  add: (r: PatchCheckReason) => void,
): void {
  const { oldMode, newMode } = file;
  if (oldMode === MODE_GITLINK || newMode === MODE_GITLINK) {
    add({
      code: 'GITLINK',
      path,
      message: `${path} is a submodule (gitlink, mode 160000); submodule changes are not delivered`,
    });
    return;
  }
  for (const mode of [oldMode, newMode])
    if (mode !== null && !KNOWN_MODES.has(mode))
      add({ code: 'MODE_CHANGE', path, message: `${path} has the unusual mode ${mode}` });
  if (
    oldMode !== null &&
    newMode !== null &&
    oldMode !== newMode &&
    (oldMode === MODE_SYMLINK || newMode === MODE_SYMLINK)
  )
    add({ code: 'MODE_CHANGE', path, message: `${path} changes type (mode ${oldMode} → ${newMode})` });
  if (newMode === MODE_EXEC && oldMode !== MODE_EXEC && !mayBeExecutable(path))
    add({
      code: 'EXECUTABLE_BIT',
      path,
      message: `${path} ${oldMode === null ? 'is created executable' : 'gains the executable bit'} (mode ${oldMode ?? 'none'} → ${newMode})`,
    });
  if (newMode === MODE_SYMLINK && file.newPath !== null) {
    const target = symlinkTarget(file);
    const escapes =
      target === null || symlinkEscapes(file.newPath, target) || target.includes('\0') || target === '';
    if (escapes)
      add({
        code: 'SYMLINK',
        path,
        message: `${path} is a symlink to ${JSON.stringify(target ?? '(unknown)')}, outside the repository or into .git`,
      });
    else if (policy.allowSymlinks !== true)
      add({
        code: 'SYMLINK',
        path,
        message: `${path} ${oldMode === MODE_SYMLINK ? 'changes' : 'creates'} a symlink (to ${JSON.stringify(target)}); symlinks are not allowed by the policy`,
      });
  }
}

/** New content of a symlink section (its target), or null when it cannot be read from the patch. */
function symlinkTarget(file: FilePatch): string | null {
  if (file.binary) return null;
  const added = file.hunks.flatMap((h) => h.lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)));
  if (added.length === 0) return file.operation === 'modify' || file.operation === 'rename' ? '' : null;
  return added.join('\n');
}

function collectAdded(file: FilePatch, path: string): AddedLine[] {
  const out: AddedLine[] = [];
  for (const hunk of file.hunks) {
    let line = hunk.newStart;
    for (const l of hunk.lines) {
      if (l.startsWith('+')) {
        const text = l.slice(1);
        if (text.length <= SCAN_WINDOW) out.push({ path, line, text });
        else
          for (let at = 0; at < text.length; at += SCAN_WINDOW - SCAN_OVERLAP)
            out.push({ path, line, text: text.slice(at, at + SCAN_WINDOW) });
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

const matcherCache = new Map<string, (p: string) => boolean>();

/** Compiled picomatch matcher, memoised (compiling the protected-path globs dominates a small check). */
function matcher(globs: readonly string[], nocase = false): (p: string) => boolean {
  if (globs.length === 0) return () => false;
  const key = `${nocase ? 'i' : 'c'}${JSON.stringify(globs)}`;
  let m = matcherCache.get(key);
  if (m === undefined) {
    m = picomatch([...globs], { dot: true, nocase });
    if (matcherCache.size > 64) matcherCache.clear();
    matcherCache.set(key, m);
  }
  return m;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
