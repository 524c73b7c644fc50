import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkParsedPatch, type PatchCheckResult } from './check.js';
import { type GitApplyCheck, gitApplyCheck } from './git-apply.js';
import { parsePatch } from './parse.js';
import { pathReasons } from './path-safety.js';
import type { PatchCheckPolicy, PatchCheckReason } from './policy.js';

export interface ValidatePatchOptions {
  /** The worktree the patch is meant for: symlinks there are checked and git runs against it. */
  readonly worktree?: string;
  /** Run `git apply --check` as a second opinion. Default true. */
  readonly gitCheck?: boolean;
  /** Timeout of git in ms (default 10 000). */
  readonly timeoutMs?: number;
}

export interface PatchValidation extends PatchCheckResult {
  /** The `git apply --check` second opinion (`ran: false` when disabled or impossible). */
  readonly git: GitApplyCheck;
}

/**
 * Full validation of patch text: {@link checkPatchText}, then (with a worktree) writes through or onto
 * symlinks already in the worktree (SYMLINK), then `git apply --check` (GIT_APPLY_REJECTED with git's
 * message when git refuses). Git only ever adds reasons; a patch git accepts is still refused for every
 * reason of its own. Never throws.
 */
export async function validatePatch(
  patchText: string,
  policy: PatchCheckPolicy = {},
  options: ValidatePatchOptions = {},
): Promise<PatchValidation> {
  const parsed = parsePatch(patchText);
  const base = checkParsedPatch(patchText, parsed, policy);
  const reasons: PatchCheckReason[] = [...base.reasons];
  if (options.worktree !== undefined)
    reasons.push(...(await worktreeSymlinkReasons(options.worktree, parsed)));
  let git: GitApplyCheck = {
    ran: false,
    accepted: false,
    message: 'git apply --check disabled',
    mode: 'none',
  };
  if (options.gitCheck !== false && parsed.files.length > 0) {
    git = await gitApplyCheck(patchText, parsed, {
      ...(options.worktree === undefined ? {} : { worktree: options.worktree }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    if (git.ran && !git.accepted)
      reasons.push({ code: 'GIT_APPLY_REJECTED', path: null, message: git.message });
  }
  return {
    ...base,
    ok: reasons.length === 0,
    reasons,
    needsApproval: reasons.length > 0 && reasons.every((r) => r.code === 'PROTECTED_PATH'),
    git,
  };
}

/** SYMLINK reasons for paths that go through, or overwrite as a regular file, a symlink in `worktree`. */
async function worktreeSymlinkReasons(
  worktree: string,
  parsed: ReturnType<typeof parsePatch>,
): Promise<PatchCheckReason[]> {
  const reasons: PatchCheckReason[] = [];
  for (const file of parsed.files) {
    for (const path of new Set([file.oldPath, file.newPath])) {
      if (path === null || pathReasons(path, file.nameIssues).length > 0) continue;
      const parts = path.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const prefix = parts.slice(0, i).join('/');
        const stat = await lstat(join(worktree, prefix)).catch(() => null);
        if (stat === null) break;
        if (!stat.isSymbolicLink()) continue;
        const isLeaf = i === parts.length;
        if (!isLeaf)
          reasons.push({
            code: 'SYMLINK',
            path,
            message: `${path} is written through ${prefix}, a symlink in the worktree`,
          });
        else if (file.oldMode !== '120000')
          reasons.push({
            code: 'SYMLINK',
            path,
            message: `${path} is a symlink in the worktree but the patch treats it as a regular file`,
          });
        break;
      }
    }
  }
  return reasons;
}
