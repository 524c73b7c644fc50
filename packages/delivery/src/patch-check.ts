import { type DeliveryError, deliveryError } from './errors.js';
import type { PatchCheckPolicy, PatchCheckReason } from './patch/policy.js';
import type { ChangedFile } from './patch/rules.js';
import { checkChangedFiles, checkSecrets, reasonCollector } from './patch/rules.js';
import type { AddedLine } from './secrets.js';

/** One changed path of the staged worktree diff (from `git diff --raw`, `--numstat` and `cat-file`). */
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

export interface PatchVerdict {
  /** True when nothing blocks and nothing waits for approval. */
  readonly ok: boolean;
  /** Reasons the change cannot be delivered at all (every code but PROTECTED_PATH). */
  readonly blocking: readonly PatchCheckReason[];
  /** Protected paths touched without approval (PROTECTED_PATH). */
  readonly needsApproval: readonly PatchCheckReason[];
}

/** A row of the staged diff as the shared rules see it (`--no-renames`: one name per row). */
export function changedFileOf(change: FileChange): ChangedFile {
  return {
    oldPath: change.status === 'added' ? null : change.path,
    newPath: change.status === 'deleted' ? null : change.path,
    oldMode: change.oldMode,
    newMode: change.newMode,
    // `git diff --numstat` prints `-` for both counts of a binary file.
    binary: change.insertions === null && change.deletions === null,
    added: change.insertions ?? 0,
    removed: change.deletions ?? 0,
    newSize: change.newSize,
    symlinkTarget: change.symlinkTarget ?? null,
    nameIssues: [],
  };
}

/**
 * Checks the daemon's staged worktree change against `policy` with the same rules, codes and protected
 * paths as the patch-text validator of the CLI (`checkPatchText`, see `patch/rules.ts` and docs/security.md):
 * safe paths, targets, symlinks, gitlinks, modes, binary content, size and count caps, protected paths,
 * secrets in added lines (masked). PROTECTED_PATH reasons wait for approval; every other reason blocks. Pure.
 */
export function checkPatch(
  changes: readonly FileChange[],
  addedLines: readonly AddedLine[],
  policy: PatchCheckPolicy,
): PatchVerdict {
  const { reasons, add } = reasonCollector();
  checkChangedFiles(changes.map(changedFileOf), policy, add);
  checkSecrets(addedLines, policy, add);
  return verdictOf(reasons);
}

/** Splits the validator's reasons: PROTECTED_PATH waits for approval, every other code blocks. */
export function verdictOf(reasons: readonly PatchCheckReason[]): PatchVerdict {
  const blocking = reasons.filter((r) => r.code !== 'PROTECTED_PATH');
  const needsApproval = reasons.filter((r) => r.code === 'PROTECTED_PATH');
  return { ok: reasons.length === 0, blocking, needsApproval };
}

/**
 * The delivery error for a refused verdict, the same wherever a change is validated (the daemon's validate
 * stage, `applyPatch`): PATCH_REJECTED when a reason blocks (details.reasons: the blocking ones,
 * details.needsApproval: the protected paths), else NEEDS_APPROVAL (details.reasons: the protected paths);
 * null when the verdict is ok.
 */
export function patchRefusal(verdict: PatchVerdict): DeliveryError | null {
  const copy = (list: readonly PatchCheckReason[]) => list.map((r) => ({ ...r }));
  if (verdict.blocking.length > 0)
    return deliveryError(
      'PATCH_REJECTED',
      `The change breaks ${verdict.blocking.length} delivery rule(s): ${verdict.blocking.map((r) => r.message).join('; ')}`,
      { reasons: copy(verdict.blocking), needsApproval: copy(verdict.needsApproval) },
    );
  if (verdict.needsApproval.length > 0)
    return deliveryError(
      'NEEDS_APPROVAL',
      `The change touches protected paths and needs approval: ${verdict.needsApproval.map((r) => r.path).join(', ')}`,
      { reasons: copy(verdict.needsApproval) },
    );
  return null;
}
