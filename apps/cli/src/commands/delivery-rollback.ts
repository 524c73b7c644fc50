/**
 * `worktrain delivery rollback <session>` and `worktrain delivery apply <patch>`: the operator side of the
 * apply pipeline of `@worktrain/delivery` (`rollbackDelivery`, `applyPatch`).
 */
import { isAbsolute, resolve } from 'node:path';
import {
  err,
  ok,
  type Result,
  resolveWorktrainPaths,
  type SessionEvent,
  type WorktrainPaths,
} from '@worktrain/contracts';
import {
  type ApplyPatchResult,
  applyPatch,
  createGitHubForge,
  createGitLabForge,
  type DeliveryError,
  type DeliveryPlan,
  planDelivery,
  type RollbackResult,
  rollbackDelivery,
} from '@worktrain/delivery';
import { createForges, loadRuntimeConfig } from '@worktrain/runtime';
import { createSqliteSessionStore, type SessionStore } from '@worktrain/session-store';
import { type CliError, cliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import { defaultActor } from './queue.js';

export interface RollbackOptions {
  readonly home?: string;
  readonly sessionId: string;
  /** Clone to revert in; default the daemon's `repoPath` recorded for the session, else its workspace. */
  readonly repoPath?: string;
  readonly reason?: string;
  readonly deliveryId?: string;
}

/** A delivery error as a CLI error (exit 1), keeping the delivery code and details. */
export function fromDeliveryError(e: DeliveryError): CliError {
  return cliError('DELIVERY_ERROR', `${e.code}: ${e.message}`, { deliveryCode: e.code, ...e.details });
}

const record = (v: unknown): Record<string, unknown> | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** The forge a session delivered to (`github:owner/name`, `gitlab:group/app`), from its delivery events. */
export function deliveryTarget(events: readonly SessionEvent[]): { forge: string; project: string } | null {
  const attempted = events.filter((e) => e.kind === 'delivery_attempted').at(-1);
  if (attempted?.kind !== 'delivery_attempted') return null;
  const m = /^(github|gitlab):(.+)$/.exec(attempted.data.target);
  return m?.[1] === undefined || m[2] === undefined ? null : { forge: m[1], project: m[2] };
}

/**
 * Rolls back what a session delivered: closes its PR/MR with a note and pushes a revert commit to its
 * branch, using the forge token of `config.yaml` (`forge.github` / `forge.gitlab`). Idempotent.
 * Errors: SESSION_NOT_FOUND, DELIVERY_ERROR (details.deliveryCode: NOTHING_DELIVERED, PR_MERGED, …),
 * DAEMON_ERROR (config), STORE_ERROR.
 */
export async function executeRollback(
  deps: CliDeps,
  opts: RollbackOptions,
): Promise<Result<RollbackResult, CliError>> {
  return withSessionEvents(deps, opts.home, opts.sessionId, async ({ paths, store, events }) => {
    const target = deliveryTarget(events);
    if (target === null)
      return err(
        cliError('DELIVERY_ERROR', `NOTHING_DELIVERED: session ${opts.sessionId} has no recorded delivery`, {
          deliveryCode: 'NOTHING_DELIVERED',
        }),
      );
    const config = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env: deps.env });
    if (config.isErr())
      return err(cliError('DAEMON_ERROR', config.error.message, { cause: config.error.code }));
    // The daemon's own forge set (config.yaml `forge.*`), so rollback talks to the forge exactly as delivery did.
    const picked = createForges(config.value).forFor(
      target.forge === 'gitlab' ? 'gitlab' : 'github',
      target.project,
      'issue',
    );
    if ('error' in picked)
      return err(cliError('DAEMON_ERROR', `${picked.error.message}; rollback needs its token`));
    const { client: forge, pushToken: token } = picked.ok;
    const created = events.find((e) => e.kind === 'session_created');
    const context = created?.kind === 'session_created' ? created.data.context : {};
    const daemonRepo = record(context.daemon)?.repoPath;
    const repoPath =
      opts.repoPath !== undefined
        ? isAbsolute(opts.repoPath)
          ? opts.repoPath
          : resolve(deps.cwd, opts.repoPath)
        : typeof daemonRepo === 'string'
          ? daemonRepo
          : created?.kind === 'session_created'
            ? created.data.workspacePath
            : undefined;
    if (repoPath === undefined || repoPath === null || !deps.fs.exists(repoPath))
      return err(
        usageError(
          `No repository to revert in${repoPath ? `: ${repoPath} does not exist` : ''}; pass --repo-path`,
        ),
      );
    const result = await rollbackDelivery(
      {
        sessionId: opts.sessionId,
        repoPath,
        actor: defaultActor(deps.env),
        ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        ...(opts.deliveryId === undefined ? {} : { deliveryId: opts.deliveryId }),
      },
      { store, forge, pushToken: token },
    );
    return result.isOk() ? ok(result.value) : err(fromDeliveryError(result.error));
  });
}

export function renderRollback(r: RollbackResult): string {
  if (r.replayed)
    return `already rolled back: ${r.branch}${r.changeRequest === null ? '' : ` (${r.changeRequest.url})`}`;
  const lines = [
    r.revertSha === null
      ? `branch ${r.branch} no longer exists; nothing to revert`
      : r.reverted
        ? `reverted ${r.branch} with ${r.revertSha.slice(0, 12)}`
        : `${r.branch} was already back at its base`,
  ];
  if (r.changeRequest !== null)
    lines.push(`${r.changeRequest.closedNow ? 'closed' : 'already closed'}: ${r.changeRequest.url}`);
  return lines.join('\n');
}

export interface ApplyOptions {
  readonly file: string;
  readonly worktree?: string;
  readonly threeWay?: boolean;
  readonly check?: boolean;
  /** Protected paths (globs) approved for this patch (`--approve`). */
  readonly approve?: readonly string[];
}

/**
 * Applies a patch file to a worktree and its index (`git apply`, then `--3way` unless `--no-3way`), after
 * the patch validator the daemon's delivery uses (same rules and codes). Errors: FILE_NOT_FOUND,
 * DELIVERY_ERROR (PATCH_REJECTED / NEEDS_APPROVAL with details.reasons `[{code, path, message}]`,
 * APPLY_FAILED with details.failures, APPLY_CONFLICT with details.conflicts:
 * `[{path, hunks: [{startLine, endLine, ours, theirs}]}]`).
 */
export async function executeApply(
  deps: CliDeps,
  opts: ApplyOptions,
): Promise<Result<ApplyPatchResult, CliError>> {
  const path = isAbsolute(opts.file) ? opts.file : resolve(deps.cwd, opts.file);
  const text = await deps.fs.readText(path);
  if (text.isErr()) return err(text.error);
  const worktree = opts.worktree === undefined ? deps.cwd : resolve(deps.cwd, opts.worktree);
  if (!deps.fs.exists(worktree))
    return err(usageError(`option '--worktree': no such directory: ${worktree}`));
  const r = await applyPatch(worktree, text.value, {
    threeWay: opts.threeWay !== false,
    checkOnly: opts.check === true,
    ...(opts.approve === undefined ? {} : { policy: { approvedProtectedPaths: opts.approve } }),
  });
  return r.isOk() ? ok(r.value) : err(fromDeliveryError(r.error));
}

export function renderApply(r: ApplyPatchResult): string {
  const verb = r.checkOnly ? 'would apply' : 'applied';
  return `${verb} (${r.method}): ${r.files.join(', ')}`;
}

export interface PlanOptions {
  readonly home?: string;
  readonly sessionId: string;
  /** Worktree to plan from; default the session's recorded worktree (`worktree_ready`). */
  readonly worktree?: string;
  readonly baseBranch?: string;
  readonly template?: string;
}

/**
 * `worktrain delivery plan <session>`: the dry run of a session's delivery from its worktree (`planDelivery`):
 * branch, commits, diff stat, PR/MR title and body, target; nothing is committed, pushed or opened. The target
 * comes from the session's daemon context (`repo`, `forge`); no forge call is made, so no token is needed.
 * Errors: SESSION_NOT_FOUND, USAGE (no worktree or target known), DELIVERY_ERROR (PATCH_REJECTED,
 * NEEDS_APPROVAL, TEMPLATE_INCOMPLETE, WORKTREE_DIRTY, NOTHING_TO_DELIVER …).
 */
export async function executePlan(deps: CliDeps, opts: PlanOptions): Promise<Result<DeliveryPlan, CliError>> {
  return withSessionEvents(deps, opts.home, opts.sessionId, async ({ store, events }) => {
    const ready = events
      .filter((e) => e.kind === 'decision_trace' && e.data.decision === 'worktree_ready')
      .map((e) => (e.kind === 'decision_trace' ? record(e.data.data) : null))
      .at(-1);
    const created = events.find((e) => e.kind === 'session_created');
    const daemon = created?.kind === 'session_created' ? record(created.data.context.daemon) : null;
    const worktree =
      opts.worktree !== undefined
        ? resolve(deps.cwd, opts.worktree)
        : typeof ready?.path === 'string'
          ? ready.path
          : undefined;
    if (worktree === undefined || !deps.fs.exists(worktree))
      return err(
        usageError(
          `No worktree for ${opts.sessionId}${worktree ? ` (${worktree} is gone)` : ''}; pass --worktree`,
        ),
      );
    const baseBranch = opts.baseBranch ?? (typeof ready?.baseBranch === 'string' ? ready.baseBranch : 'main');
    const recorded = deliveryTarget(events);
    const forgeKind = recorded?.forge ?? (daemon?.forge === 'gitlab' ? 'gitlab' : 'github');
    const project =
      recorded?.project ?? (typeof daemon?.repo === 'string' ? daemon.repo : 'local/repository');
    // planDelivery never calls the forge; the client only names the target and its template conventions.
    const forge =
      forgeKind === 'gitlab'
        ? createGitLabForge({ project, token: 'unused-by-a-dry-run' })
        : createGitHubForge({
            owner: project.split('/')[0] ?? '',
            repo: project.split('/')[1] ?? '',
            token: 'unused-by-a-dry-run',
          });
    const issueNumber = typeof daemon?.issueNumber === 'number' ? daemon.issueNumber : undefined;
    const template = opts.template ?? (typeof daemon?.template === 'string' ? daemon.template : undefined);
    const plan = await planDelivery(
      {
        sessionId: opts.sessionId,
        worktreePath: worktree,
        baseBranch,
        ...(issueNumber === undefined ? {} : { issueNumber }),
        ...(template === undefined ? {} : { template }),
      },
      { store, forge },
    );
    return plan.isOk() ? ok(plan.value) : err(fromDeliveryError(plan.error));
  });
}

export function renderPlan(p: DeliveryPlan): string {
  return [
    `dry run: nothing was committed, pushed or opened`,
    `target:   ${p.target}`,
    `push:     ${p.remote} refs/heads/${p.branch} (base ${p.baseBranch} at ${p.baseSha.slice(0, 12)})`,
    ...p.commits.map((c) => `commit:   ${c.sha.slice(0, 12)} ${c.subject}`),
    ...(p.newCommit === null ? [] : [`new commit: ${p.newCommit.message.split('\n')[0] ?? ''}`]),
    p.diffStat.text,
    `title:    ${p.changeRequest.title}${p.changeRequest.template === null ? '' : ` (template ${p.changeRequest.template})`}`,
    '',
    p.changeRequest.body.trimEnd(),
  ].join('\n');
}

/**
 * Opens the session store of `home`, reads the session's events and runs `fn` with them; the store is closed
 * afterwards. Errors: SESSION_NOT_FOUND (no database yet, or no such session), STORE_ERROR.
 */
async function withSessionEvents<T>(
  deps: CliDeps,
  home: string | undefined,
  sessionId: string,
  fn: (opened: {
    readonly paths: WorktrainPaths;
    readonly store: SessionStore;
    readonly events: readonly SessionEvent[];
  }) => Promise<Result<T, CliError>>,
): Promise<Result<T, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(home === undefined ? {} : { home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  if (!deps.fs.exists(paths.database))
    return err(cliError('SESSION_NOT_FOUND', `No sessions yet: ${paths.database} does not exist`));
  const store = createSqliteSessionStore({ path: paths.database, clock: deps.clock });
  if (store.isErr()) return err(cliError('STORE_ERROR', store.error.message));
  try {
    const events = await store.value.readEvents(sessionId);
    if (events.isErr())
      return err(
        events.error.code === 'SESSION_NOT_FOUND'
          ? cliError('SESSION_NOT_FOUND', `Session not found: ${sessionId}`)
          : cliError('STORE_ERROR', events.error.message),
      );
    return await fn({ paths, store: store.value, events: events.value });
  } finally {
    store.value.close();
  }
}
