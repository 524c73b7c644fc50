import { posix } from 'node:path';
import picomatch from 'picomatch';
import { type AddedLine, SECRET_RULES, scanAddedLines } from '../secrets.js';
import { pathReasons } from './path-safety.js';
import {
  DEFAULT_MAX_CHANGED_LINES,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_FILES,
  DEFAULT_PROTECTED_PATHS,
  LOCKFILE_GLOBS,
  type PatchCheckPolicy,
  type PatchCheckReason,
} from './policy.js';

/**
 * One changed file as the rules see it, whatever it was read from: a section of patch text (the CLI) or a
 * row of `git diff --raw` on the staged worktree (the daemon's delivery). Both callers build these and run
 * {@link checkChangedFiles}, so the same change gets the same reasons with the same codes.
 */
export interface ChangedFile {
  /** Name before the change; null for an addition. */
  readonly oldPath: string | null;
  /** Name after the change; null for a deletion. */
  readonly newPath: string | null;
  /** Git file modes (`100644`, `100755`, `120000` symlink, `160000` gitlink); null when absent. */
  readonly oldMode: string | null;
  readonly newMode: string | null;
  readonly binary: boolean;
  /** Added and removed lines (0 when binary). */
  readonly added: number;
  readonly removed: number;
  /** Bytes of the new content when known (else null). */
  readonly newSize: number | null;
  /** New content of a symlink (its target) when the file is one; null when it cannot be known. */
  readonly symlinkTarget: string | null;
  /** How the name was encoded, when that is suspect (overlong or invalid UTF-8): PATH_TRAVERSAL. */
  readonly nameIssues: readonly string[];
}

const MODE_REGULAR = '100644';
const MODE_EXEC = '100755';
const MODE_SYMLINK = '120000';
const MODE_GITLINK = '160000';
const KNOWN_MODES = new Set([MODE_REGULAR, MODE_EXEC, MODE_SYMLINK, MODE_GITLINK]);
/** Lines longer than this are scanned for secrets in overlapping windows (keeps the regexes linear). */
const SCAN_WINDOW = 2048;
const SCAN_OVERLAP = 256;

/** Collects reasons without duplicates (same code, path and line). */
export function reasonCollector(): {
  readonly reasons: PatchCheckReason[];
  readonly add: (reason: PatchCheckReason) => void;
} {
  const reasons: PatchCheckReason[] = [];
  const add = (reason: PatchCheckReason): void => {
    if (!reasons.some((r) => r.code === reason.code && r.path === reason.path && r.line === reason.line))
      reasons.push(reason);
  };
  return { reasons, add };
}

/** True when a symlink at `path` pointing to `target` leaves the repository (or points into `.git`). */
export function symlinkEscapes(path: string, target: string): boolean {
  if (target.startsWith('/') || /^[A-Za-z]:/.test(target) || target.includes('\\')) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (resolved === '..' || resolved.startsWith('../')) return true;
  return resolved.split('/').some((s) => s.toLowerCase() === '.git');
}

/** Builds a matcher for target globs; plain entries also match everything below them. */
export function targetMatcher(globs: readonly string[]): (path: string) => boolean {
  const patterns = globs.flatMap((g) => {
    const clean = g.replace(/^\.\//, '');
    if (picomatch.scan(clean).isGlob) return [clean];
    const dir = clean.replace(/\/+$/, '');
    return [dir, `${dir}/**`];
  });
  if (patterns.length === 0) return () => false;
  return picomatch(patterns, { dot: true });
}

/** The protected-path globs `policy` asks for (see `DEFAULT_PROTECTED_PATHS`, `protectLockfiles`). */
export function protectedGlobs(policy: PatchCheckPolicy): readonly string[] {
  const lockfiles = new Set(LOCKFILE_GLOBS);
  const base = (policy.protectedPaths ?? DEFAULT_PROTECTED_PATHS).filter((g) => !lockfiles.has(g));
  return policy.protectLockfiles === false ? base : [...base, ...LOCKFILE_GLOBS];
}

/**
 * The per-change rules of the patch validator (DESIGN §8 "validate the diff"): the file count; for every
 * name (old and new) path safety (`pathReasons`), `.gitmodules`, targets, protected paths and writes through
 * a symlink the same change creates; modes (gitlinks, unusual modes, type changes, the executable bit,
 * symlinks and where they lead); binary content; the size of each new content; the changed-line total.
 * Reasons go to `add` in that order. Pure.
 */
export function checkChangedFiles(
  files: readonly ChangedFile[],
  policy: PatchCheckPolicy,
  add: (reason: PatchCheckReason) => void,
): void {
  const maxFiles = policy.maxFiles ?? DEFAULT_MAX_FILES;
  const maxLines = policy.maxChangedLines ?? DEFAULT_MAX_CHANGED_LINES;
  const maxFileBytes = policy.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (files.length > maxFiles)
    add({
      code: 'TOO_MANY_FILES',
      path: null,
      message: `the change touches ${files.length} files; the limit is ${maxFiles}`,
    });
  const targets = policy.targets === undefined ? null : targetMatcher(policy.targets);
  const isProtected = matcher(protectedGlobs(policy), true);
  const approved =
    policy.approvedProtectedPaths === true ? () => true : matcher(policy.approvedProtectedPaths ?? []);
  const mayBeExecutable = matcher(policy.allowExecutable ?? []);
  const symlinkPaths = new Set<string>();
  for (const f of files) if (f.newMode === MODE_SYMLINK && f.newPath !== null) symlinkPaths.add(f.newPath);

  let lines = 0;
  for (const file of files) {
    lines += file.added + file.removed;
    const paths = [...new Set([file.oldPath, file.newPath].filter((p): p is string => p !== null))];
    const main = file.newPath ?? file.oldPath ?? '';
    for (const p of paths) {
      for (const r of pathReasons(p, file.nameIssues)) add({ code: r.code, path: p, message: r.message });
      if (!policy.allowGitmodules && p.split('/').some((s) => s.toLowerCase() === '.gitmodules'))
        add({ code: 'GIT_DIR', path: p, message: `${p} writes .gitmodules (submodule URLs and paths)` });
      if (targets !== null && !targets(p))
        add({
          code: 'OUTSIDE_TARGETS',
          path: p,
          message: `${p} is outside the declared targets (${(policy.targets ?? []).join(', ') || 'none'})`,
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
          message: `${p} is written through ${through}, a symlink created by the same change`,
        });
    }
    checkModes(file, main, policy, mayBeExecutable, add);
    if (file.binary && policy.allowBinary !== true)
      add({
        code: 'BINARY',
        path: main,
        message: `${main} is a binary change; binary changes are not allowed by the policy`,
      });
    if (file.newSize !== null && file.newSize > maxFileBytes)
      add({
        code: 'TOO_LARGE',
        path: main,
        message: `${main} is ${file.newSize} bytes; the limit is ${maxFileBytes}`,
      });
  }
  if (lines > maxLines)
    add({
      code: 'TOO_MANY_LINES',
      path: null,
      message: `${lines} lines changed; the limit is ${maxLines}`,
    });
}

/**
 * SECRET reasons for added lines matching the secret rules (`SECRET_RULES` unless the policy has its own);
 * values are masked in the message. Lines longer than 2048 characters are scanned in overlapping windows.
 */
export function checkSecrets(
  addedLines: readonly AddedLine[],
  policy: PatchCheckPolicy,
  add: (reason: PatchCheckReason) => void,
): void {
  const windows: AddedLine[] = [];
  for (const l of addedLines) {
    if (l.text.length <= SCAN_WINDOW) windows.push(l);
    else
      for (let at = 0; at < l.text.length; at += SCAN_WINDOW - SCAN_OVERLAP)
        windows.push({ ...l, text: l.text.slice(at, at + SCAN_WINDOW) });
  }
  for (const f of scanAddedLines(windows, policy.secretRules ?? SECRET_RULES))
    add({
      code: 'SECRET',
      path: f.path,
      line: f.line,
      message: `${f.path}:${f.line}: ${f.description} (${f.ruleId}: ${f.masked})`,
    });
}

function checkModes(
  file: ChangedFile,
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
    const target = file.symlinkTarget;
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
