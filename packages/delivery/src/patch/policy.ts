import type { SecretRule } from '../secrets.js';

/**
 * Reason codes of the one patch validator (closed union), used alike by the daemon's delivery (the staged
 * worktree diff, `checkPatch`) and by the CLI (`worktrain delivery check-patch` and `delivery apply`, patch
 * text through `checkPatchText`/`validatePatch`). `docs/security.md` explains each.
 */
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
  | 'TOO_MANY_LINES'
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
  'TOO_MANY_LINES',
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

/**
 * The one list of protected paths (matched case-insensitively, dotfiles included): a change there needs an
 * approval before it is delivered, by the daemon and by the CLI alike. CI and repository automation (a
 * change there can run code with the repository's secrets), ownership files, submodule and attribute files
 * (a nested `.gitattributes` names filters and merge drivers too), git hooks managers, WorkTrain's own
 * per-repository config (`.worktrain/**`: an agent's PR must not add triggers) and, last,
 * {@link LOCKFILE_GLOBS} (changing one changes what gets installed; `protectLockfiles: false` drops them).
 * It is the union of the two lists the daemon and the CLI had before they shared one validator.
 */
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
  ...LOCKFILE_GLOBS,
];

/**
 * Policy of the patch validator. Every field is optional; the defaults are the strict ones. Globs are
 * picomatch globs matched against repository-relative paths (dotfiles included). Sizes in bytes.
 */
export interface PatchCheckPolicy {
  /**
   * Paths the patch may touch; a plain path also covers everything below it. Absent: anywhere. Present
   * but empty: nowhere (every path is OUTSIDE_TARGETS), as for a handoff that declares no file.
   */
  readonly targets?: readonly string[];
  /** Paths that need approval (default {@link DEFAULT_PROTECTED_PATHS}, matched case-insensitively). */
  readonly protectedPaths?: readonly string[];
  /** Lockfiles ({@link LOCKFILE_GLOBS}) need approval too, whatever `protectedPaths` says. Default true. */
  readonly protectLockfiles?: boolean;
  /** Protected paths already approved (globs); `true` approves all of them. */
  readonly approvedProtectedPaths?: true | readonly string[];
  /** Maximum number of changed files. Default 50. */
  readonly maxFiles?: number;
  /** Maximum added + removed lines over all files. Default 5000. */
  readonly maxChangedLines?: number;
  /** Maximum size of the patch text (patch text only), and of any one binary block it carries. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Maximum size of any one file's new content, where known. Default 1 MiB. */
  readonly maxFileBytes?: number;
  /** Binary changes are allowed. Default false. */
  readonly allowBinary?: boolean;
  /** Globs of paths that may be created executable or gain the executable bit. Default none. */
  readonly allowExecutable?: readonly string[];
  /** Symlinks that stay inside the tree may be created or changed. Default false (escaping ones never). */
  readonly allowSymlinks?: boolean;
  /** `.gitmodules` may be written. Default false (it configures submodule URLs and paths). */
  readonly allowGitmodules?: boolean;
  /** Declared operations by path (patch text only); when given, every patched path must be declared. */
  readonly declared?: readonly { readonly path: string; readonly operation: DeclaredOperation }[];
  readonly secretRules?: readonly SecretRule[];
}

export const DEFAULT_MAX_FILES = 50;
export const DEFAULT_MAX_CHANGED_LINES = 5000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
