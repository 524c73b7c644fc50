/**
 * The worktree inventory behind `worktrain worktree list|clean`: every WorkTrain worktree with its session's
 * status, age and the work it would lose, and a cleanup plan that is a dry run unless applied. Session facts
 * come through a lookup function (the session store lives above this package), so the rules here are pure.
 */
import { existsSync, realpathSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import { okAsync, ResultAsync } from '@worktrain/contracts';
import { type WorkspaceError, workspaceError } from './errors.js';
import { runGit } from './git.js';
import { type RemoveWorktreeResult, validateSessionId, type WorkspaceManager } from './manager.js';

/** What the session store knows about a worktree's session. */
export interface WorktreeSessionFacts {
  /** The session status (`running`, `blocked`, `awaiting_approval`, `completed`, `failed`, `aborted`). */
  readonly status: string;
  /** True when the session recorded a successful delivery (`delivery_recorded` with outcome `succeeded`). */
  readonly delivered: boolean;
}

/** Looks a session up by id; null when the store has no such session (the worktree is an orphan). */
export type WorktreeSessionLookup = (
  sessionId: string,
) => Promise<WorktreeSessionFacts | null> | WorktreeSessionFacts | null;

/** Statuses after which a session never touches its worktree again. */
export const FINISHED_SESSION_STATUSES: readonly string[] = ['completed', 'failed', 'aborted'];

export interface InspectWorktreesInput {
  readonly lookupSession: WorktreeSessionLookup;
  /**
   * Repositories to ask (`git worktree list --porcelain`) for worktrees registered under the worktrees
   * folder whose directory is gone. Repositories of the worktrees found on disk are always asked.
   */
  readonly repoPaths?: readonly string[];
  /** "Now" for ages, in ms since the epoch (default `Date.now()`). */
  readonly now?: number;
}

/** One WorkTrain worktree as `worktree list` shows it. */
export interface WorktreeReport {
  readonly sessionId: string;
  readonly path: string;
  /** The repository (main working tree), or null when the worktree's `.git` link is broken. */
  readonly repoPath: string | null;
  /** `worktrain/<session-id>` (or whatever is checked out), null when detached or unknown. */
  readonly branch: string | null;
  /** Creation time (ms since epoch), null when unknown (directory gone). */
  readonly createdAt: number | null;
  /** ms since creation, null when unknown. */
  readonly ageMs: number | null;
  /**
   * `ok`: directory and git registration present; `broken`: the directory's `.git` link or git's
   * registration is gone; `missing`: git still registers the worktree but its directory is gone.
   */
  readonly state: 'ok' | 'broken' | 'missing';
  /** The session's facts, or null when the store has no such session. */
  readonly session: WorktreeSessionFacts | null;
  /** Uncommitted (modified, staged or untracked) files; null when it cannot be read. */
  readonly dirtyFiles: number | null;
  /** Commits on the branch that no remote-tracking ref contains (`git rev-list --count B --not --remotes`). */
  readonly unpushedCommits: number | null;
  /** Whether the branch exists in the repository; null when unknown. */
  readonly branchExists: boolean | null;
}

/**
 * Lists every WorkTrain worktree: the directories under `manager.worktreesDir` plus registrations whose
 * directory is gone, each with its session's facts, age, uncommitted files and unpushed commits. Never
 * changes anything. Errors of single git commands are folded into null fields; the result is always ok.
 */
export function inspectWorktrees(
  manager: WorkspaceManager,
  input: InspectWorktreesInput,
): ResultAsync<WorktreeReport[], WorkspaceError> {
  const now = input.now ?? Date.now();
  return manager.listWorktrees().andThen((entries) =>
    ResultAsync.fromSafePromise(
      (async () => {
        const reports: WorktreeReport[] = [];
        for (const e of entries) {
          const branch = e.branch;
          const dirty =
            e.status === 'ok'
              ? (await manager.repoState(e.path)).map((s) => s.dirty.length).unwrapOr(null)
              : null;
          const git = e.repoPath !== null && branch !== null ? await branchFacts(e.repoPath, branch) : null;
          reports.push({
            sessionId: e.sessionId,
            path: e.path,
            repoPath: e.repoPath,
            branch,
            createdAt: e.createdAt,
            ageMs: Math.max(0, now - e.createdAt),
            state: e.status,
            session: await input.lookupSession(e.sessionId),
            dirtyFiles: dirty,
            unpushedCommits: git?.unpushed ?? null,
            branchExists: git?.exists ?? null,
          });
        }
        const seen = new Set(reports.map((r) => r.path));
        const repos = new Set([
          ...(input.repoPaths ?? []),
          ...entries.flatMap((e) => (e.repoPath === null ? [] : [e.repoPath])),
        ]);
        for (const repo of repos) {
          for (const gone of await registeredButMissing(repo, manager.worktreesDir)) {
            if (seen.has(gone.path)) continue;
            seen.add(gone.path);
            const git = gone.branch !== null ? await branchFacts(repo, gone.branch) : null;
            reports.push({
              sessionId: basename(gone.path),
              path: gone.path,
              repoPath: repo,
              branch: gone.branch,
              createdAt: null,
              ageMs: null,
              state: 'missing',
              session: await input.lookupSession(basename(gone.path)),
              dirtyFiles: null,
              unpushedCommits: git?.unpushed ?? null,
              branchExists: git?.exists ?? null,
            });
          }
        }
        return reports.sort((a, b) => a.sessionId.localeCompare(b.sessionId));
      })(),
    ),
  );
}

async function branchFacts(repo: string, branch: string): Promise<{ exists: boolean; unpushed: number }> {
  const ref = `refs/heads/${branch}`;
  const exists = await runGit(repo, ['rev-parse', '--verify', '--quiet', ref], { okExitCodes: [1] });
  if (exists.isErr() || exists.value.exitCode !== 0) return { exists: false, unpushed: 0 };
  const count = await runGit(repo, ['rev-list', '--count', ref, '--not', '--remotes']);
  return { exists: true, unpushed: count.map((o) => Number(o.stdout.trim()) || 0).unwrapOr(0) };
}

/** Worktrees git registers in `repo` under `worktreesDir` whose directory no longer exists. */
async function registeredButMissing(
  repo: string,
  worktreesDir: string,
): Promise<Array<{ path: string; branch: string | null }>> {
  const listed = await runGit(repo, ['worktree', 'list', '--porcelain']);
  if (listed.isErr()) return [];
  const roots = new Set([resolve(worktreesDir), realOr(worktreesDir)]);
  const out: Array<{ path: string; branch: string | null }> = [];
  // Porcelain format (git-worktree(1)): blocks separated by blank lines; `worktree <path>`, `branch
  // refs/heads/<name>`, `prunable <reason>` when the directory is gone.
  for (const block of listed.value.stdout.split(/\n\n+/)) {
    const path = /^worktree (.+)$/m.exec(block)?.[1];
    // `prunable` needs git ≥ 2.31; older git only tells by the directory being gone.
    if (path === undefined || (!/^prunable\b/m.test(block) && existsSync(path))) continue;
    const inside = [...roots].some((root) => path.startsWith(`${root}${sep}`));
    if (!inside) continue;
    const branch = /^branch refs\/heads\/(.+)$/m.exec(block)?.[1] ?? null;
    out.push({ path, branch });
  }
  return out;
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

// ------------------------------------------------------------------------------------------- cleanup plan

/** Why a worktree is (or is not) cleaned up. */
export type WorktreeCleanupReason =
  /** The session completed or failed: it never touches the worktree again. */
  | 'session_finished'
  /** The session was aborted (kill switch). */
  | 'session_aborted'
  /** No session in the store owns the directory. */
  | 'orphan'
  /** Git registers the worktree but its directory is gone (`git worktree prune` territory). */
  | 'missing_directory'
  /** The directory's `.git` link is broken. */
  | 'broken'
  /** The session is unfinished (running, blocked, awaiting approval): kept. */
  | 'session_active'
  /** Younger than `olderThanMs`: kept. */
  | 'too_recent'
  /** Not among the sessions asked for: kept. */
  | 'not_selected';

export interface WorktreeCleanupItem {
  readonly worktree: WorktreeReport;
  /** `remove`: would be (or was) removed; `keep`: not a candidate; `refuse`: a candidate holding work that
   *  would be lost (uncommitted files), removed only with `force`. */
  readonly action: 'remove' | 'keep' | 'refuse';
  readonly reason: WorktreeCleanupReason;
  /** Also delete the branch: only when it exists and has no unpushed commits (delivered or empty), or `force`. */
  readonly deleteBranch: boolean;
  /** One sentence for people: why, and what is kept. */
  readonly note: string;
}

export interface PlanWorktreeCleanupInput {
  /** Also remove worktrees with uncommitted files and delete branches with unpushed commits. */
  readonly force?: boolean;
  /** Only worktrees at least this old (ms); worktrees of unknown age count as old. */
  readonly olderThanMs?: number;
  /** Only these sessions (empty or absent: all). */
  readonly sessionIds?: readonly string[];
}

/**
 * Decides, for each worktree, whether cleanup removes it (pure; the rules of `worktree clean`):
 * candidates are worktrees of finished or aborted sessions, orphans (no session), broken ones and
 * registrations whose directory is gone; unfinished sessions are always kept. A candidate with
 * uncommitted files, or a broken one (its files cannot be checked), is refused unless `force`. The branch is deleted only when it has no commits missing
 * from the remotes (it was delivered, or it is empty); otherwise it is kept so no unpushed work is lost,
 * unless `force`.
 */
export function planWorktreeCleanup(
  worktrees: readonly WorktreeReport[],
  input: PlanWorktreeCleanupInput = {},
): WorktreeCleanupItem[] {
  const force = input.force === true;
  const only =
    input.sessionIds !== undefined && input.sessionIds.length > 0 ? new Set(input.sessionIds) : null;
  return worktrees.map((w): WorktreeCleanupItem => {
    const keep = (reason: WorktreeCleanupReason, note: string): WorktreeCleanupItem => ({
      worktree: w,
      action: 'keep',
      reason,
      deleteBranch: false,
      note,
    });
    if (only !== null && !only.has(w.sessionId)) return keep('not_selected', 'not among the sessions given');
    const reason = candidateReason(w);
    if (reason === null)
      return keep('session_active', `session is ${w.session?.status ?? 'unfinished'}; kept`);
    if (input.olderThanMs !== undefined && w.ageMs !== null && w.ageMs < input.olderThanMs)
      return keep('too_recent', 'younger than --older-than; kept');
    const unpushed = w.unpushedCommits ?? 0;
    const deleteBranch = w.branchExists === true && (unpushed === 0 || force);
    const branchNote =
      w.branchExists !== true
        ? 'no branch to delete'
        : deleteBranch
          ? unpushed === 0
            ? `branch ${w.branch} deleted (${w.session?.delivered === true ? 'delivered' : 'nothing unpushed'})`
            : `branch ${w.branch} deleted with ${unpushed} unpushed commit(s) (--force)`
          : `branch ${w.branch} kept: ${unpushed} unpushed commit(s)`;
    if (w.state === 'broken' && !force)
      return {
        worktree: w,
        action: 'refuse',
        reason,
        deleteBranch: false,
        note: 'not a working git worktree, so its files cannot be checked for unsaved work; use --force to remove',
      };
    const dirty = w.dirtyFiles ?? 0;
    if (dirty > 0 && !force)
      return {
        worktree: w,
        action: 'refuse',
        reason,
        deleteBranch: false,
        note: `${dirty} uncommitted file(s) would be lost; use --force to remove anyway`,
      };
    return {
      worktree: w,
      action: 'remove',
      reason,
      deleteBranch,
      note: `${REASON_TEXT[reason]}; ${branchNote}${dirty > 0 ? `; ${dirty} uncommitted file(s) discarded (--force)` : ''}`,
    };
  });
}

const REASON_TEXT: Record<WorktreeCleanupReason, string> = {
  session_finished: 'session finished',
  session_aborted: 'session aborted',
  orphan: 'no session owns it',
  missing_directory: 'directory is gone',
  broken: 'git link is broken',
  session_active: 'session unfinished',
  too_recent: 'too recent',
  not_selected: 'not selected',
};

function candidateReason(w: WorktreeReport): WorktreeCleanupReason | null {
  if (w.state === 'missing') return 'missing_directory';
  if (w.state === 'broken') return 'broken';
  if (w.session === null) return 'orphan';
  if (w.session.status === 'aborted') return 'session_aborted';
  if (FINISHED_SESSION_STATUSES.includes(w.session.status)) return 'session_finished';
  return null;
}

export interface ApplyWorktreeCleanupResult {
  readonly removed: readonly RemoveWorktreeResult[];
  readonly failed: readonly { readonly sessionId: string; readonly error: WorkspaceError }[];
}

/**
 * Carries out the `remove` items of a plan: `git worktree remove` (or deleting a broken directory),
 * `git worktree prune`, and `git branch -D` where the plan says so. `refuse` and `keep` items are left
 * alone. Failures are collected per worktree; the result is always ok.
 */
export function applyWorktreeCleanup(
  manager: WorkspaceManager,
  plan: readonly WorktreeCleanupItem[],
): ResultAsync<ApplyWorktreeCleanupResult, WorkspaceError> {
  const todo = plan.filter((p) => p.action === 'remove');
  if (todo.length === 0) return okAsync({ removed: [], failed: [] });
  return ResultAsync.fromSafePromise(
    (async () => {
      const removed: RemoveWorktreeResult[] = [];
      const failed: { sessionId: string; error: WorkspaceError }[] = [];
      for (const item of todo) {
        const w = item.worktree;
        // A worktree whose directory name is not a usable session id (or not at the managed path) is
        // removed through git directly rather than through the session-keyed manager.
        const managed =
          validateSessionId(w.sessionId).isOk() && resolve(manager.pathFor(w.sessionId)) === resolve(w.path);
        const r = managed
          ? await manager.removeWorktree({
              sessionId: w.sessionId,
              deleteBranch: item.deleteBranch,
              ...(w.repoPath !== null ? { repoPath: w.repoPath } : {}),
            })
          : await removeUnmanaged(w, item.deleteBranch);
        if (r.isOk()) removed.push(r.value);
        else failed.push({ sessionId: w.sessionId, error: r.error });
      }
      return { removed, failed };
    })(),
  );
}

function removeUnmanaged(w: WorktreeReport, deleteBranch: boolean) {
  const repo = w.repoPath;
  if (repo === null)
    return ResultAsync.fromPromise(rm(w.path, { recursive: true, force: true }), (e) =>
      workspaceError('IO_FAILED', `Cannot remove ${w.path}`, { path: w.path, cause: String(e) }),
    ).map(
      (): RemoveWorktreeResult => ({
        sessionId: w.sessionId,
        path: w.path,
        removed: true,
        branchDeleted: false,
      }),
    );
  const branch = w.branch;
  return runGit(repo, ['worktree', 'remove', '--force', '--force', w.path], { okExitCodes: [128] })
    .andThen(() => runGit(repo, ['worktree', 'prune']))
    .andThen(() =>
      deleteBranch && branch !== null
        ? runGit(repo, ['branch', '-D', branch], { okExitCodes: [1] }).map((o) => o.exitCode === 0)
        : okAsync(false),
    )
    .map(
      (branchDeleted): RemoveWorktreeResult => ({
        sessionId: w.sessionId,
        path: w.path,
        removed: true,
        branchDeleted,
      }),
    );
}
