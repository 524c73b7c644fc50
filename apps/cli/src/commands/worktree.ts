/**
 * `worktrain worktree list|clean`: the session worktrees under `$WORKTRAIN_HOME/worktrees/`. The rules live
 * in `@worktrain/workspace` (`inspectWorktrees`, `planWorktreeCleanup`, `applyWorktreeCleanup`); this file
 * wires the session store in as the source of session facts and renders the result. `clean` is a dry run
 * unless `--yes`; `--force` also discards uncommitted files and unpushed branches.
 */
import { err, ok, parseDuration, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
// Types only: `@worktrain/workspace` is imported when a worktree command runs (see withInventory).
import type * as WorkspacePackage from '@worktrain/workspace';
import type {
  WorkspaceManager,
  WorktreeCleanupItem,
  WorktreeReport,
  WorktreeSessionFacts,
} from '@worktrain/workspace';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import type { CommandContext } from '../program.js';
import { openExistingSessionStore } from '../session-access.js';

export interface WorktreeListOutput {
  readonly worktreesDir: string;
  readonly worktrees: readonly WorktreeReport[];
}

export interface WorktreeCleanItemOutput {
  readonly sessionId: string;
  readonly path: string;
  readonly branch: string | null;
  readonly action: WorktreeCleanupItem['action'];
  readonly reason: WorktreeCleanupItem['reason'];
  readonly deleteBranch: boolean;
  readonly note: string;
}

export interface WorktreeCleanOutput {
  readonly worktreesDir: string;
  /** True unless `--yes`: nothing was changed. */
  readonly dryRun: boolean;
  readonly items: readonly WorktreeCleanItemOutput[];
  /** Session ids whose worktree was removed (empty in a dry run). */
  readonly removed: readonly string[];
  /** Session ids whose branch was deleted (empty in a dry run). */
  readonly branchesDeleted: readonly string[];
  readonly failed: readonly { readonly sessionId: string; readonly code: string; readonly message: string }[];
}

/**
 * Runs `use` with the worktree manager of the data directory and a session lookup over the session store
 * (read-only; a missing database means every worktree is an orphan), plus the repositories the store
 * knows, so registrations whose directory is gone are found too. `use` also gets the workspace package,
 * imported here rather than at CLI start-up.
 */
async function withInventory<T>(
  deps: CliDeps,
  home: string | undefined,
  use: (inv: {
    worktreesDir: string;
    reports: WorktreeReport[];
    manager: WorkspaceManager;
    lib: typeof WorkspacePackage;
  }) => Promise<Result<T, CliError>>,
): Promise<Result<T, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(home !== undefined ? { home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const lib = await import('@worktrain/workspace');
  const manager = lib.createWorkspaceManager({ worktreesDir: paths.worktrees, clock: deps.clock });
  const opened = openExistingSessionStore(deps, paths.database);
  if (opened.isErr()) return err(opened.error);
  const store: SessionStore | null = opened.value;
  try {
    const repoPaths = store === null ? [] : await knownRepos(store);
    const open = store;
    const lookupSession = async (sessionId: string): Promise<WorktreeSessionFacts | null> =>
      open === null ? null : sessionFacts(open, sessionId);
    const inspected = await lib.inspectWorktrees(manager, {
      lookupSession,
      repoPaths,
      now: deps.clock.now(),
    });
    if (inspected.isErr())
      return err(
        cliError('WORKSPACE_ERROR', inspected.error.message, { workspaceCode: inspected.error.code }),
      );
    return await use({ worktreesDir: manager.worktreesDir, reports: inspected.value, manager, lib });
  } finally {
    store?.close();
  }
}

async function sessionFacts(store: SessionStore, sessionId: string): Promise<WorktreeSessionFacts | null> {
  const summary = await store.getSummary(sessionId);
  if (summary.isErr()) return null;
  let delivered = false;
  let after = 0;
  for (;;) {
    const page = await store.readEvents(sessionId, { afterSeq: after, limit: 500 });
    if (page.isErr() || page.value.length === 0) break;
    for (const e of page.value)
      if (e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded') delivered = true;
    after = page.value[page.value.length - 1]?.seq ?? after;
    if (page.value.length < 500) break;
  }
  return { status: summary.value.status, delivered };
}

async function knownRepos(store: SessionStore): Promise<string[]> {
  const listed = await store.listSessions({ limit: 1000 });
  if (listed.isErr()) return [];
  return [...new Set(listed.value.flatMap((s) => (s.workspacePath === null ? [] : [s.workspacePath])))];
}

/** `worktrain worktree list`: every WorkTrain worktree with session status, age, dirty files, unpushed commits. */
export async function executeWorktreeList(
  deps: CliDeps,
  opts: { home?: string },
): Promise<Result<WorktreeListOutput, CliError>> {
  return withInventory(deps, opts.home, async ({ worktreesDir, reports }) =>
    ok({ worktreesDir, worktrees: reports }),
  );
}

/**
 * `worktrain worktree clean`: plans the cleanup (see `planWorktreeCleanup`) and, only with `yes`, carries
 * it out. Fails (exit 1) when a removal failed.
 */
export async function executeWorktreeClean(
  deps: CliDeps,
  opts: { home?: string; yes: boolean; force: boolean; olderThanMs?: number; sessionIds: readonly string[] },
): Promise<Result<WorktreeCleanOutput, CliError>> {
  return withInventory(deps, opts.home, async ({ worktreesDir, reports, manager, lib }) => {
    const plan = lib.planWorktreeCleanup(reports, {
      force: opts.force,
      sessionIds: opts.sessionIds,
      ...(opts.olderThanMs !== undefined ? { olderThanMs: opts.olderThanMs } : {}),
    });
    const items = plan.map(
      (p): WorktreeCleanItemOutput => ({
        sessionId: p.worktree.sessionId,
        path: p.worktree.path,
        branch: p.worktree.branch,
        action: p.action,
        reason: p.reason,
        deleteBranch: p.deleteBranch,
        note: p.note,
      }),
    );
    if (!opts.yes)
      return ok({ worktreesDir, dryRun: true, items, removed: [], branchesDeleted: [], failed: [] });
    const applied = await lib.applyWorktreeCleanup(manager, plan);
    if (applied.isErr())
      return err(cliError('WORKSPACE_ERROR', applied.error.message, { workspaceCode: applied.error.code }));
    return ok({
      worktreesDir,
      dryRun: false,
      items,
      removed: applied.value.removed.map((r) => r.sessionId),
      branchesDeleted: applied.value.removed.filter((r) => r.branchDeleted).map((r) => r.sessionId),
      failed: applied.value.failed.map((f) => ({
        sessionId: f.sessionId,
        code: f.error.code,
        message: f.error.message,
      })),
    });
  });
}

// ------------------------------------------------------------------------------------------------ render

/** `3d`, `5h`, `12m`, `40s`: a compact age. */
export function formatAge(ms: number | null): string {
  if (ms === null) return '?';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

function renderList(o: WorktreeListOutput): string {
  if (o.worktrees.length === 0) return `no worktrees under ${o.worktreesDir}`;
  const rows = o.worktrees.map((w) => [
    w.sessionId,
    w.state !== 'ok' ? w.state : (w.session?.status ?? 'orphan'),
    formatAge(w.ageMs),
    w.dirtyFiles === null ? '?' : String(w.dirtyFiles),
    w.unpushedCommits === null ? '?' : String(w.unpushedCommits),
    w.branch ?? '-',
    w.repoPath ?? '-',
  ]);
  const header = ['SESSION', 'STATUS', 'AGE', 'DIRTY', 'UNPUSHED', 'BRANCH', 'REPO'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function renderClean(o: WorktreeCleanOutput): string {
  if (o.items.length === 0) return `no worktrees under ${o.worktreesDir}`;
  const verb = (a: WorktreeCleanItemOutput['action']) =>
    a === 'remove' ? (o.dryRun ? 'would remove' : 'removed') : a === 'refuse' ? 'refused' : 'kept';
  const failed = new Map(o.failed.map((f) => [f.sessionId, f]));
  const lines = o.items.map((i) => {
    const f = failed.get(i.sessionId);
    return f !== undefined
      ? `failed       ${i.sessionId}: ${f.message}`
      : `${verb(i.action).padEnd(12)} ${i.sessionId}: ${i.note}`;
  });
  const toRemove = o.items.filter((i) => i.action === 'remove').length;
  if (o.dryRun)
    lines.push(
      toRemove === 0
        ? 'dry run: nothing to remove'
        : `dry run: nothing was removed; run again with --yes to remove ${toRemove} worktree(s)`,
    );
  else lines.push(`removed ${o.removed.length} worktree(s), deleted ${o.branchesDeleted.length} branch(es)`);
  return lines.join('\n');
}

// -------------------------------------------------------------------------------------------- register

/** `--older-than`: a duration (contracts' `parseDuration`: 30m, 12h, 7d, 2w) → ms; a usage error otherwise. */
function parseDurationOption(option: string, raw: string | undefined): Result<number | undefined, CliError> {
  if (raw === undefined) return ok(undefined);
  const ms = parseDuration(raw);
  return ms !== undefined
    ? ok(ms)
    : err(usageError(`option '${option}' expects a duration such as 30m, 12h, 7d, got '${raw}'`));
}

export function registerWorktreeCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const worktree = program
    .command('worktree')
    .description('list and clean the session worktrees under $WORKTRAIN_HOME/worktrees');

  worktree
    .command('list')
    .description(
      'list WorkTrain worktrees: session, status, age, uncommitted files, unpushed commits, branch, repo',
    )
    .action(async (_raw: unknown, command: Command) => {
      await ctx.run(
        command,
        async (g) => executeWorktreeList(deps, g.home !== undefined ? { home: g.home } : {}),
        { text: renderList },
      );
    });

  worktree
    .command('clean')
    .description(
      'remove worktrees of finished, aborted or missing sessions (dry run unless --yes; unpushed work is kept unless --force)',
    )
    .argument('[session-id...]', 'only these sessions')
    .option('-y, --yes', 'remove for real (without it, only print what would be removed and why)')
    .option(
      '--force',
      'also remove worktrees with uncommitted files and delete branches with unpushed commits (loses that work)',
    )
    .option('--older-than <duration>', 'only worktrees at least this old (30m, 12h, 7d, 2w)')
    .action(
      async (
        sessionIds: string[],
        raw: { yes?: boolean; force?: boolean; olderThan?: string },
        command: Command,
      ) => {
        await ctx.run(
          command,
          async (g) => {
            const older = parseDurationOption('--older-than', raw.olderThan);
            if (older.isErr()) return err(older.error);
            return executeWorktreeClean(deps, {
              ...(g.home !== undefined ? { home: g.home } : {}),
              yes: raw.yes === true,
              force: raw.force === true,
              sessionIds,
              ...(older.value !== undefined ? { olderThanMs: older.value } : {}),
            });
          },
          { text: renderClean, failed: (o) => o.failed.length > 0 },
        );
      },
    );
}
