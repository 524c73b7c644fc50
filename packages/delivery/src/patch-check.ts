import { posix } from 'node:path';
import picomatch from 'picomatch';
import { pathReasons } from './patch/path-safety.js';
import { type AddedLine, SECRET_RULES, type SecretRule, scanAddedLines } from './secrets.js';

/** One changed path of a diff (from `git diff --raw`, or later from a parsed patch file). */
export interface FileChange {
  /** Repo-relative path, `/`-separated, as git reports it. */
  readonly path: string;
  readonly status: 'added' | 'modified' | 'deleted' | 'type_changed';
  /** Git file mode after the change (`100644`, `100755`, `120000` symlink, `160000` gitlink), or null when deleted. */
  readonly newMode: string | null;
  readonly oldMode: string | null;
  /** Lines added/removed; null for binary files. */
  readonly insertions: number | null;
  readonly deletions: number | null;
  /** Size of the new content in bytes (null when deleted). */
  readonly newSize: number | null;
  /** Target of a symlink (mode 120000). */
  readonly symlinkTarget?: string;
}

/** Limits and rules of {@link checkPatch}. Sizes in bytes. */
export interface PatchPolicy {
  /** Globs (picomatch, dotfiles included) of the paths the change may touch; a plain path matches itself
   *  and, when it names a directory (`src/` or a path with no extension match), everything under it. */
  readonly targets: readonly string[];
  /** Globs that need an explicit approval (default {@link DEFAULT_PROTECTED_PATHS}). */
  readonly protectedPaths?: readonly string[];
  /** Protected paths already approved (globs); `true` approves all. */
  readonly approvedProtectedPaths?: true | readonly string[];
  /** Default 50. */
  readonly maxFiles?: number;
  /** Added + removed lines over all files; default 5000. */
  readonly maxChangedLines?: number;
  /** Size of any one new file content; default 1 MiB. */
  readonly maxFileBytes?: number;
  readonly secretRules?: readonly SecretRule[];
}

/** CI, repository automation and ownership files: a change there can run code with the repo's secrets. */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = [
  '.github/workflows/**',
  '.github/actions/**',
  '.github/CODEOWNERS',
  'CODEOWNERS',
  'docs/CODEOWNERS',
  '.github/dependabot.yml',
  '.gitlab-ci.yml',
  '.gitlab/**',
  '.circleci/**',
  '.buildkite/**',
  'Jenkinsfile',
  'azure-pipelines.yml',
  '.travis.yml',
  '.gitmodules',
  '**/.gitmodules',
  '.gitattributes',
  '**/.gitattributes',
  '.husky/**',
  '.worktrain/**',
];

export type PatchReasonCode =
  | 'PATH_TRAVERSAL'
  | 'GIT_DIR'
  | 'RESERVED_NAME'
  | 'DECEPTIVE_NAME'
  | 'OUTSIDE_TARGETS'
  | 'SYMLINK_ESCAPE'
  | 'SUBMODULE'
  | 'TOO_MANY_FILES'
  | 'TOO_MANY_LINES'
  | 'FILE_TOO_LARGE'
  | 'SECRET_DETECTED'
  | 'PROTECTED_PATH';

export interface PatchReason {
  readonly code: PatchReasonCode;
  readonly path?: string;
  readonly line?: number;
  readonly message: string;
}

export interface PatchVerdict {
  /** True when nothing blocks and nothing waits for approval. */
  readonly ok: boolean;
  /** Reasons the change cannot be delivered at all. */
  readonly blocking: readonly PatchReason[];
  /** Protected paths touched without approval. */
  readonly needsApproval: readonly PatchReason[];
}

/** Why a path is unsafe as a repo-relative path, or null. Checks every encoding we know of. */
export function unsafePathReason(path: string): PatchReason | null {
  const decoded = safeDecode(path);
  const forms = [path, decoded, decoded.replace(/\\/g, '/')];
  for (const form of forms) {
    if (form === '' || form.startsWith('/') || /^[A-Za-z]:/.test(form) || form.includes('\0')) {
      return {
        code: 'PATH_TRAVERSAL',
        path,
        message: `${JSON.stringify(path)} is not a relative path inside the repository`,
      };
    }
    const segments = form.split('/');
    if (segments.some((seg) => seg.startsWith('..')))
      return { code: 'PATH_TRAVERSAL', path, message: `${JSON.stringify(path)} climbs out with ..` };
    // Git never reports empty or `.` segments; Windows strips trailing dots and spaces (so `.git.` aliases
    // `.git`, git's core.protectNTFS rationale) and reads `:` as a drive or an NTFS stream.
    if (segments.some((seg) => seg === '' || /[. ]$/.test(seg)) || form.includes(':')) {
      return {
        code: 'PATH_TRAVERSAL',
        path,
        message: `${JSON.stringify(path)} is not a canonical path on every OS`,
      };
    }
    if (segments.some((s) => s.toLowerCase() === '.git' || /^git~\d$/i.test(s))) {
      return { code: 'GIT_DIR', path, message: `${JSON.stringify(path)} writes into a .git directory` };
    }
  }
  if (path.includes('\\'))
    return { code: 'PATH_TRAVERSAL', path, message: `${JSON.stringify(path)} contains a backslash` };
  // Device names and deceptive characters: the same rules as the patch validator's (`pathReasons`).
  const named = pathReasons(path).find((r) => r.code === 'RESERVED_NAME' || r.code === 'DECEPTIVE_NAME');
  if (named !== undefined)
    return {
      code: named.code === 'RESERVED_NAME' ? 'RESERVED_NAME' : 'DECEPTIVE_NAME',
      path,
      message: named.message,
    };
  // Any percent-escape (`%2e`, `%252e`, `%u2216`, `%c0%ae`): no legitimate source path needs one, and each
  // decoding layer (web servers, CI tools, archive extractors) could turn it into a separator or a dot.
  if (decoded !== path || /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i.test(path)) {
    return {
      code: 'PATH_TRAVERSAL',
      path,
      message: `${JSON.stringify(path)} contains percent-encoded characters`,
    };
  }
  return null;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
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

/**
 * Checks a change against the delivery policy (DESIGN §8, "Change Safety & Validation" of the queue and
 * safety backlog): safe paths, paths inside the declared targets, no symlink leaving the tree, no gitlink,
 * size and file-count caps, secrets in added lines (masked), protected paths needing approval. Pure.
 */
export function checkPatch(
  changes: readonly FileChange[],
  addedLines: readonly AddedLine[],
  policy: PatchPolicy,
): PatchVerdict {
  const blocking: PatchReason[] = [];
  const needsApproval: PatchReason[] = [];
  const inTargets = targetMatcher(policy.targets);
  const isProtected = picomatch([...(policy.protectedPaths ?? DEFAULT_PROTECTED_PATHS)], {
    dot: true,
    nocase: true,
  });
  const approved =
    policy.approvedProtectedPaths === true
      ? () => true
      : picomatch([...(policy.approvedProtectedPaths ?? ['\0none'])], { dot: true });
  const maxFiles = policy.maxFiles ?? 50;
  const maxLines = policy.maxChangedLines ?? 5000;
  const maxFileBytes = policy.maxFileBytes ?? 1024 * 1024;

  if (changes.length > maxFiles) {
    blocking.push({
      code: 'TOO_MANY_FILES',
      message: `${changes.length} files changed; the limit is ${maxFiles}`,
    });
  }
  let lines = 0;
  for (const change of changes) {
    lines += (change.insertions ?? 0) + (change.deletions ?? 0);
    const unsafe = unsafePathReason(change.path);
    if (unsafe !== null) {
      blocking.push(unsafe);
      continue;
    }
    if (!inTargets(change.path)) {
      blocking.push({
        code: 'OUTSIDE_TARGETS',
        path: change.path,
        message: `${change.path} is not among the declared targets (${policy.targets.join(', ') || 'none'})`,
      });
    }
    if (change.newMode === '160000' || change.oldMode === '160000') {
      blocking.push({
        code: 'SUBMODULE',
        path: change.path,
        message: `${change.path} changes a submodule (gitlink)`,
      });
    }
    if (
      change.newMode === '120000' &&
      change.symlinkTarget !== undefined &&
      symlinkEscapes(change.path, change.symlinkTarget)
    ) {
      blocking.push({
        code: 'SYMLINK_ESCAPE',
        path: change.path,
        message: `${change.path} is a symlink to ${JSON.stringify(change.symlinkTarget)}, outside the repository`,
      });
    }
    if (change.newSize !== null && change.newSize > maxFileBytes) {
      blocking.push({
        code: 'FILE_TOO_LARGE',
        path: change.path,
        message: `${change.path} is ${change.newSize} bytes; the limit is ${maxFileBytes}`,
      });
    }
    if (isProtected(change.path) && !approved(change.path)) {
      needsApproval.push({
        code: 'PROTECTED_PATH',
        path: change.path,
        message: `${change.path} is a protected path and needs approval`,
      });
    }
  }
  if (lines > maxLines) {
    blocking.push({ code: 'TOO_MANY_LINES', message: `${lines} lines changed; the limit is ${maxLines}` });
  }
  for (const finding of scanAddedLines(addedLines, policy.secretRules ?? SECRET_RULES)) {
    blocking.push({
      code: 'SECRET_DETECTED',
      path: finding.path,
      line: finding.line,
      message: `${finding.path}:${finding.line}: ${finding.description} (${finding.ruleId}: ${finding.masked})`,
    });
  }
  return { ok: blocking.length === 0 && needsApproval.length === 0, blocking, needsApproval };
}
