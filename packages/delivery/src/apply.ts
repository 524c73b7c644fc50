import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errAsync, type GitTarget, gitTargetPath, okAsync, ResultAsync } from '@worktrain/contracts';
import { type DeliveryError, deliveryError } from './errors.js';
import { runGit } from './git.js';
import type { PatchCheckPolicy } from './patch/policy.js';
import { validatePatch } from './patch/validate.js';
import { patchRefusal, verdictOf } from './patch-check.js';

export interface ApplyPatchOptions {
  /** On a failed plain apply, retry with `git apply --3way` (merge using the blobs named in the patch's
   *  `index` lines). Default true. */
  readonly threeWay?: boolean;
  /** Only check (`git apply --check`, with `--3way` as the fallback check); change nothing. */
  readonly checkOnly?: boolean;
  /** The patch validator's policy the patch must pass before git sees it (default: its strict defaults,
   *  the same rules the daemon's delivery applies; approve protected paths with `approvedProtectedPaths`). */
  readonly policy?: PatchCheckPolicy;
}

export interface ApplyPatchResult {
  /** `plain` when `git apply` took it as is, `3way` when the three-way fallback merged it cleanly. */
  readonly method: 'plain' | '3way';
  /** Paths the patch touched (from `git apply --numstat`). */
  readonly files: readonly string[];
  readonly checkOnly: boolean;
}

/** One conflicted region in a file after a three-way apply (1-based, inclusive line numbers). */
export interface ConflictHunk {
  readonly startLine: number;
  readonly endLine: number;
  /** The worktree's side and the patch's side of the region. */
  readonly ours: string;
  readonly theirs: string;
}

/** The conflict report: each conflicted file and its conflicted hunks. */
export interface ConflictReport {
  readonly path: string;
  readonly hunks: readonly ConflictHunk[];
}

/** Where a plain apply failed, from git's `error: patch failed: <path>:<line>` lines. */
export interface ApplyFailure {
  readonly path: string;
  readonly line: number | null;
  readonly message: string;
}

/** Parses git apply's stderr into per-file failures. */
export function parseApplyErrors(stderr: string): ApplyFailure[] {
  const out: ApplyFailure[] = [];
  for (const line of stderr.split('\n')) {
    const failed = /^error: patch failed: (.+):(\d+)$/.exec(line);
    if (failed?.[1] !== undefined) {
      out.push({ path: failed[1], line: Number(failed[2]), message: 'context does not match' });
      continue;
    }
    const other =
      /^error: (.+?): (patch does not apply|does not exist in index|already exists in (?:index|working directory)|No such file or directory)$/.exec(
        line,
      );
    if (other?.[1] !== undefined && other[2] !== undefined) {
      const known = out.find((f) => f.path === other[1]);
      if (known === undefined) out.push({ path: other[1], line: null, message: other[2] });
    }
  }
  return out;
}

/** Finds `<<<<<<<` / `=======` (or `|||||||`) / `>>>>>>>` regions in a file's text. */
export function conflictHunks(text: string): ConflictHunk[] {
  const lines = text.split('\n');
  const hunks: ConflictHunk[] = [];
  let start = -1;
  let mid = -1;
  let base = -1;
  lines.forEach((line, i) => {
    if (line.startsWith('<<<<<<<')) {
      start = i;
      mid = -1;
      base = -1;
    } else if (start >= 0 && line.startsWith('|||||||')) base = i;
    else if (start >= 0 && line.startsWith('=======')) mid = i;
    else if (start >= 0 && mid >= 0 && line.startsWith('>>>>>>>')) {
      hunks.push({
        startLine: start + 1,
        endLine: i + 1,
        ours: lines.slice(start + 1, base >= 0 ? base : mid).join('\n'),
        theirs: lines.slice(mid + 1, i).join('\n'),
      });
      start = -1;
    }
  });
  return hunks;
}

/**
 * Applies a patch (unified diff / `git diff` output) to `worktree` and its index. A plain `git apply`
 * is tried first (after `--check`); when it fails and `threeWay` is on, `git apply --3way` merges it using
 * the pre-image blobs the patch names. A clean three-way merge is a success (`method: '3way'`). Conflicts
 * are left in the worktree as git leaves them (markers, unmerged index entries, so the clean-worktree guard
 * refuses to deliver until they are resolved) and reported as APPLY_CONFLICT with details.conflicts
 * (`ConflictReport[]`: path and conflicted hunks). Any other failure is APPLY_FAILED with details.failures
 * (`ApplyFailure[]`) and git's stderr. With `checkOnly` nothing is written. Before any of this the patch
 * goes through the one patch validator (`validatePatch` with `options.policy`, symlinks of the worktree
 * included): PATCH_REJECTED or NEEDS_APPROVAL exactly as the daemon's delivery refuses the same change
 * (details.reasons with the validator's codes); nothing is run or written then.
 */
export function applyPatch(
  worktree: GitTarget,
  patch: string,
  options: ApplyPatchOptions = {},
): ResultAsync<ApplyPatchResult, DeliveryError> {
  const threeWay = options.threeWay ?? true;
  const checkOnly = options.checkOnly ?? false;
  const git = (args: string[]) =>
    runGit(worktree, ['-c', 'core.quotePath=false', 'apply', ...args], { input: patch });
  const files = () =>
    git(['--numstat', '-z']).map((o) =>
      o.stdout
        .split('\0')
        .map((e) => /^(?:-|\d+)\t(?:-|\d+)\t(.*)$/s.exec(e)?.[1])
        .filter((p): p is string => p !== undefined && p !== ''),
    );
  const failed = (e: DeliveryError, how: string) => {
    const stderr = String(e.details?.stderrTail ?? '');
    return deliveryError(
      'APPLY_FAILED',
      `The patch does not apply (${how}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
      {
        failures: parseApplyErrors(stderr),
        stderrTail: stderr,
      },
    );
  };

  const validated = ResultAsync.fromSafePromise(
    validatePatch(patch, options.policy ?? {}, { worktree: gitTargetPath(worktree), gitCheck: false }),
  ).andThen((v) => {
    const refusal = patchRefusal(verdictOf(v.reasons));
    return refusal === null ? okAsync(undefined) : errAsync(refusal);
  });
  return validated.andThen(files).andThen((paths) =>
    git(['--index', '--check'])
      .andThen(() => (checkOnly ? okAsync(undefined) : git(['--index']).map(() => undefined)))
      .map((): ApplyPatchResult => ({ method: 'plain', files: paths, checkOnly }))
      .orElse((plain) => {
        if (!threeWay || plain.code !== 'GIT_FAILED') return errAsync(failed(plain, 'plain apply'));
        if (checkOnly)
          return git(['--3way', '--index', '--check'])
            .map((): ApplyPatchResult => ({ method: '3way', files: paths, checkOnly }))
            .mapErr((e) => failed(e, '3-way check'));
        return git(['--3way', '--index'])
          .map((): ApplyPatchResult => ({ method: '3way', files: paths, checkOnly }))
          .orElse((merge) =>
            runGit(worktree, ['-c', 'core.quotePath=false', 'ls-files', '--unmerged', '-z']).andThen((u) => {
              const conflicted = [
                ...new Set(
                  u.stdout
                    .split('\0')
                    .filter((l) => l !== '')
                    .map((l) => l.split('\t')[1] ?? ''),
                ),
              ];
              if (conflicted.length === 0) return errAsync(failed(merge, '3-way apply'));
              return ResultAsync.fromSafePromise(
                Promise.all(
                  conflicted.map(async (path) => ({
                    path,
                    hunks: conflictHunks(
                      await readFile(join(gitTargetPath(worktree), path), 'utf8').catch(() => ''),
                    ),
                  })),
                ),
              ).andThen((conflicts) =>
                errAsync(
                  deliveryError(
                    'APPLY_CONFLICT',
                    `The patch conflicts with the worktree in ${conflicts
                      .map((c) => `${c.path} (${c.hunks.length} hunk${c.hunks.length === 1 ? '' : 's'})`)
                      .join(', ')}; the conflicts are left in the worktree to resolve`,
                    { conflicts, stderrTail: String(merge.details?.stderrTail ?? '') },
                  ),
                ),
              );
            }),
          );
      }),
  );
}
