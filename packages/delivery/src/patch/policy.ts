import { DEFAULT_PROTECTED_PATHS } from '../patch-check.js';
import type { SecretRule } from '../secrets.js';

/** Reason codes of the patch validator. Closed union; `docs/security.md` explains each. */
export type PatchCheckCode =
  | 'MALFORMED'
  | 'PATH_TRAVERSAL'
  | 'ABSOLUTE_PATH'
  | 'GIT_DIR'
  | 'RESERVED_NAME'
  | 'DECEPTIVE_NAME'
  | 'OUTSIDE_TARGETS'
  | 'SYMLINK'
  | 'GITLINK'
  | 'MODE_CHANGE'
  | 'EXECUTABLE_BIT'
  | 'BINARY'
  | 'PROTECTED_PATH'
  | 'TOO_MANY_FILES'
  | 'TOO_LARGE'
  | 'OPERATION_MISMATCH'
  | 'SECRET'
  | 'GIT_APPLY_REJECTED';

export const PATCH_CHECK_CODES: readonly PatchCheckCode[] = [
  'MALFORMED',
  'PATH_TRAVERSAL',
  'ABSOLUTE_PATH',
  'GIT_DIR',
  'RESERVED_NAME',
  'DECEPTIVE_NAME',
  'OUTSIDE_TARGETS',
  'SYMLINK',
  'GITLINK',
  'MODE_CHANGE',
  'EXECUTABLE_BIT',
  'BINARY',
  'PROTECTED_PATH',
  'TOO_MANY_FILES',
  'TOO_LARGE',
  'OPERATION_MISMATCH',
  'SECRET',
  'GIT_APPLY_REJECTED',
];

/** One reason a patch is refused (or, for PROTECTED_PATH, waits for approval). */
export interface PatchCheckReason {
  readonly code: PatchCheckCode;
  /** Repository path concerned; null for reasons about the whole patch. */
  readonly path: string | null;
  readonly message: string;
  /** 1-based line in the patch text (MALFORMED) or in the new file (SECRET), when known. */
  readonly line?: number;
}

/** Operation a change request declares for a path (the handoff's `changes[*].operation`). */
export type DeclaredOperation = 'add' | 'delete' | 'update';

/** Lockfiles of the common package managers: changing one changes what gets installed. */
export const LOCKFILE_GLOBS: readonly string[] = [
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/bun.lockb',
  '**/bun.lock',
  '**/Cargo.lock',
  '**/poetry.lock',
  '**/Pipfile.lock',
  '**/uv.lock',
  '**/Gemfile.lock',
  '**/composer.lock',
  '**/go.sum',
  '**/packages.lock.json',
];

/** Protected paths of the validator: the delivery defaults (CI, automation, ownership) plus GitLab/CircleCI. */
export const PATCH_PROTECTED_PATHS: readonly string[] = [...DEFAULT_PROTECTED_PATHS];

/**
 * Policy of {@link checkPatchText}. Every field is optional; the defaults are the strict ones.
 * Globs are picomatch globs matched against repository-relative paths (dotfiles included).
 */
export interface PatchCheckPolicy {
  /** Paths the patch may touch; a plain path also covers everything below it. Absent or empty: anywhere. */
  readonly targets?: readonly string[];
  /** Paths that need approval (default {@link PATCH_PROTECTED_PATHS}, matched case-insensitively). */
  readonly protectedPaths?: readonly string[];
  /** Lockfiles ({@link LOCKFILE_GLOBS}) need approval too. Default true. */
  readonly protectLockfiles?: boolean;
  /** Protected paths already approved (globs); `true` approves all of them. */
  readonly approved?: true | readonly string[];
  /** Maximum number of file sections. Default 50. */
  readonly maxFiles?: number;
  /** Maximum size in bytes of the patch text, and of any one binary file it carries. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Binary changes are allowed. Default false. */
  readonly allowBinary?: boolean;
  /** Globs of paths that may be created executable or gain the executable bit. Default none. */
  readonly allowExecutable?: readonly string[];
  /** Symlinks that stay inside the tree may be created or changed. Default false (escaping ones never). */
  readonly allowSymlinks?: boolean;
  /** `.gitmodules` may be written. Default false (it configures submodule URLs and paths). */
  readonly allowGitmodules?: boolean;
  /** Declared operations by path; when given, every patched path must be declared with its operation. */
  readonly declared?: readonly { readonly path: string; readonly operation: DeclaredOperation }[];
  readonly secretRules?: readonly SecretRule[];
}

export const DEFAULT_MAX_FILES = 50;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
