import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
// Types only: `@worktrain/delivery` is imported where the approval store or policy is opened, so that
// defining the commands (and `sessions list` without a database) does not load it.
import type {
  ApprovalAuditEntry,
  ApprovalError,
  ApprovalRequest,
  ApprovalState,
  ApprovalStore,
  Policy,
} from '@worktrain/delivery';
import { createSqliteSessionStore } from '@worktrain/session-store';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import { formatTable, formatTime, truncate } from '../format/table.js';
import { escapeControl } from '../format/terminal-text.js';
import { parsePositiveInt } from '../options.js';
import type { CommandContext } from '../program.js';
import { defaultActor } from './queue.js';

/**
 * The approval states (`APPROVAL_STATES` of `@worktrain/delivery`, same order), for `--state` help and
 * parsing without loading the delivery package; a test keeps the two lists equal.
 */
export const APPROVAL_STATES = [
  'pending',
  'approved',
  'rejected',
] as const satisfies readonly ApprovalState[];

/** Where the approvals live: `<home>/worktrain.db`. */
export interface ApprovalsTarget {
  readonly home?: string;
}

/**
 * Opens the approval store of the data directory, runs `use`, closes it. When the database does not exist
 * yet, `use` is not called and the result is null (no command creates a data directory). Decisions are also
 * mirrored into the session's log (gate_resolved) through a session store on the same database.
 */
async function withApprovals<T>(
  deps: CliDeps,
  target: ApprovalsTarget,
  use: (store: ApprovalStore) => Promise<Result<T, CliError>>,
): Promise<Result<T | null, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(target.home === undefined ? {} : { home: target.home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  if (!deps.fs.exists(paths.database)) return ok(null);
  const { openApprovalStore } = await import('@worktrain/delivery');
  const sessions = createSqliteSessionStore({ path: paths.database, clock: deps.clock });
  const opened = openApprovalStore({
    path: paths.database,
    clock: deps.clock,
    ...(sessions.isOk() ? { sessionStore: sessions.value } : {}),
  });
  if (opened.isErr()) {
    if (sessions.isOk()) sessions.value.close();
    return err(fromApprovalError(opened.error));
  }
  try {
    return await use(opened.value);
  } finally {
    opened.value.close();
    if (sessions.isOk()) sessions.value.close();
  }
}

/**
 * Opens the approval store of the data directory read-only (read commands never write: no table is created
 * and no due medium-tier timeout is applied; the daemon or a decision applies them), runs `use`, closes it.
 * When there is nothing yet (no database, or no approval tables), `use` is not called and the result is null.
 */
async function withApprovalsReadOnly<T>(
  deps: CliDeps,
  target: ApprovalsTarget,
  use: (store: ApprovalStore) => Promise<Result<T, CliError>>,
): Promise<Result<T | null, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(target.home === undefined ? {} : { home: target.home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  if (!deps.fs.exists(paths.database)) return ok(null);
  const { openApprovalStoreReadOnly } = await import('@worktrain/delivery');
  const opened = openApprovalStoreReadOnly({ path: paths.database, clock: deps.clock });
  if (opened.isErr()) return err(fromApprovalError(opened.error));
  if (opened.value === null) return ok(null);
  try {
    return await use(opened.value);
  } finally {
    opened.value.close();
  }
}

/**
 * The pending approval requests of the data directory's sessions, by session id, read-only (a medium
 * request past its timeout still shows as pending until the daemon or a decision settles it); empty when
 * there is nothing yet. For `sessions list|show`, which show a completed session whose delivery waits as
 * `delivery: awaiting_approval`. Errors: APPROVAL_ERROR.
 */
export async function pendingApprovalsBySession(
  deps: CliDeps,
  target: ApprovalsTarget,
  sessionId?: string,
): Promise<Result<Map<string, ApprovalRequest[]>, CliError>> {
  const listed = await withApprovalsReadOnly(deps, target, async (store) => {
    const r = store.list({
      state: 'pending',
      limit: 1000,
      ...(sessionId === undefined ? {} : { sessionId }),
    });
    return r.isErr() ? err(fromApprovalError(r.error)) : ok(r.value);
  });
  if (listed.isErr()) return err(listed.error);
  const bySession = new Map<string, ApprovalRequest[]>();
  for (const request of listed.value ?? []) {
    if (request.sessionId === null) continue;
    bySession.set(request.sessionId, [...(bySession.get(request.sessionId) ?? []), request]);
  }
  return ok(bySession);
}

/** APPROVAL_NOT_FOUND stays itself; every other approval error is APPROVAL_ERROR with `details.approvalCode`. */
function fromApprovalError(error: ApprovalError): CliError {
  if (error.code === 'APPROVAL_NOT_FOUND')
    return cliError('APPROVAL_NOT_FOUND', error.message, { ...error.details });
  return cliError('APPROVAL_ERROR', error.message, { approvalCode: error.code, ...error.details });
}

const notFound = (id: string) =>
  cliError('APPROVAL_NOT_FOUND', `No approval request '${id}' (no database yet).`, { approvalId: id });

export interface ApprovalsListOptions extends ApprovalsTarget {
  readonly state?: ApprovalState;
  readonly sessionId?: string;
  readonly limit?: number;
}

/**
 * `worktrain approvals list`: requests newest first, read-only (nothing created; due medium-tier timeouts
 * are not applied here — the daemon and decisions apply them); empty when there is nothing yet.
 */
export async function executeApprovalsList(
  deps: CliDeps,
  opts: ApprovalsListOptions,
): Promise<Result<{ readonly approvals: readonly ApprovalRequest[] }, CliError>> {
  const listed = await withApprovalsReadOnly(deps, opts, async (store) =>
    store
      .list({
        ...(opts.state === undefined ? {} : { state: opts.state }),
        ...(opts.sessionId === undefined ? {} : { sessionId: opts.sessionId }),
        ...(opts.limit === undefined ? {} : { limit: opts.limit }),
      })
      .mapErr(fromApprovalError),
  );
  return listed.map((approvals) => ({ approvals: approvals ?? [] }));
}

export interface ApprovalShowOutput {
  readonly approval: ApprovalRequest;
  readonly audit: readonly ApprovalAuditEntry[];
}

/** `worktrain approvals show <id>`: the request and its audit trail, read-only like `approvals list`. */
export async function executeApprovalsShow(
  deps: CliDeps,
  opts: ApprovalsTarget & { readonly id: string },
): Promise<Result<ApprovalShowOutput, CliError>> {
  const shown = await withApprovalsReadOnly(deps, opts, async (store) =>
    store
      .get(opts.id)
      .andThen((approval) => store.audit(opts.id).map((audit) => ({ approval, audit })))
      .mapErr(fromApprovalError),
  );
  return shown.andThen((r) => (r === null ? err(notFound(opts.id)) : ok(r)));
}

export interface ApprovalDecideOptions extends ApprovalsTarget {
  readonly id: string;
  readonly verdict: 'approved' | 'rejected';
  readonly actor: string;
  readonly reason?: string;
}

/**
 * `worktrain approvals approve|reject <id>`: decides a pending request exactly once. Errors:
 * APPROVAL_NOT_FOUND; APPROVAL_ERROR with approvalCode ALREADY_DECIDED when it was decided before.
 */
export async function executeApprovalsDecide(
  deps: CliDeps,
  opts: ApprovalDecideOptions,
): Promise<Result<ApprovalShowOutput, CliError>> {
  const decided = await withApprovals(deps, opts, async (store) => {
    const result = await store.decide({
      id: opts.id,
      verdict: opts.verdict,
      actor: opts.actor,
      ...(opts.reason === undefined ? {} : { reason: opts.reason }),
    });
    return result
      .andThen((approval) => store.audit(opts.id).map((audit) => ({ approval, audit })))
      .mapErr(fromApprovalError);
  });
  return decided.andThen((r) => (r === null ? err(notFound(opts.id)) : ok(r)));
}

/**
 * `worktrain approvals policy`: loads `<home>/policy.yaml` (or the built-in policy when absent) and prints it.
 * Errors: APPROVAL_ERROR with approvalCode POLICY_INVALID (details.issues with paths such as `rules[2].tier`)
 * or POLICY_UNREADABLE.
 */
export async function executeApprovalsPolicy(
  deps: CliDeps,
  opts: ApprovalsTarget,
): Promise<Result<{ readonly policy: Policy }, CliError>> {
  const paths = resolveWorktrainPaths({
    ...(opts.home === undefined ? {} : { home: opts.home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  const { loadPolicy } = await import('@worktrain/delivery');
  const loaded = await loadPolicy(paths.policy);
  return loaded
    .map((policy) => ({ policy }))
    .mapErr((e) => cliError('APPROVAL_ERROR', e.message, { approvalCode: e.code, ...e.details }));
}

function renderPolicy(policy: Policy): string {
  const rules = policy.rules.map((r, i) => `  rules[${i}]  ${r.tier.padEnd(6)}  ${JSON.stringify(r)}`);
  return [
    `policy: ${policy.source}`,
    `medium tier auto-approves after ${Math.round(policy.autoApproveAfterMs / 1000)} s`,
    'unknown actions and actions no rule matches: high (default-deny)',
    ...rules,
  ].join('\n');
}

function renderList(approvals: readonly ApprovalRequest[]): string {
  if (approvals.length === 0) return 'No approval requests.';
  return formatTable(
    ['ID', 'STATE', 'TIER', 'ACTION', 'SESSION', 'REQUESTED', 'DECIDED BY', 'SUMMARY'],
    approvals.map((a) => [
      a.id,
      a.state,
      a.tier,
      a.action.kind,
      a.sessionId ?? '-',
      formatTime(a.requestedAt),
      a.decidedBy ?? (a.autoApproveAt === null ? '-' : `(auto ${formatTime(a.autoApproveAt)})`),
      truncate(a.summary, 60),
    ]),
  );
}

function renderShow(out: ApprovalShowOutput): string {
  const a = out.approval;
  const lines = [
    `${a.id}  ${a.state}  tier ${a.tier}`,
    `action:    ${JSON.stringify(a.action)}`,
    `summary:   ${escapeControl(a.summary)}`,
    `session:   ${a.sessionId ?? '-'}`,
    `requested: ${formatTime(a.requestedAt)} by ${escapeControl(a.requestedBy)}`,
    ...(a.classification ? [`policy:    ${a.classification}`] : []),
    ...(a.autoApproveAt !== null && a.state === 'pending'
      ? [`auto-approves at ${formatTime(a.autoApproveAt)}`]
      : []),
    ...(a.decidedBy
      ? [
          `decided:   ${a.state} by ${escapeControl(a.decidedBy)} at ${formatTime(a.decidedAt ?? 0)}${a.decisionReason ? ` (${escapeControl(a.decisionReason)})` : ''}`,
        ]
      : []),
    'audit:',
    ...out.audit.map(
      (e) =>
        `  ${formatTime(e.at)}  ${e.event}  ${escapeControl(e.actor)}${e.reason ? `  ${escapeControl(e.reason)}` : ''}`,
    ),
  ];
  return lines.join('\n');
}

function parseState(value: string | undefined): Result<ApprovalState | undefined, CliError> {
  if (value === undefined) return ok(undefined);
  const state = APPROVAL_STATES.find((s) => s === value.trim());
  return state === undefined
    ? err(usageError(`option '--state' expects one of ${APPROVAL_STATES.join(', ')}; got '${value}'`))
    : ok(state);
}

/** Registers `worktrain approvals list|show|approve|reject`. */
export function registerApprovalsCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const approvals = program
    .command('approvals')
    .description('blast-radius approvals: list pending side effects, approve or reject them');

  approvals
    .command('list')
    .description('list approval requests, newest first')
    .option('--state <state>', `only requests in this state (${APPROVAL_STATES.join(', ')})`)
    .option('--session <id>', 'only requests of this session')
    .option('--limit <n>', 'at most n requests (default 100, max 1000)')
    .action(async (raw: { state?: string; session?: string; limit?: string }, command: Command) => {
      await ctx.run(
        command,
        async (globals) => {
          const state = parseState(raw.state);
          if (state.isErr()) return err(state.error);
          const limit = parsePositiveInt('--limit', raw.limit);
          if (limit.isErr()) return err(limit.error);
          return executeApprovalsList(deps, {
            ...(globals.home === undefined ? {} : { home: globals.home }),
            ...(state.value === undefined ? {} : { state: state.value }),
            ...(raw.session === undefined ? {} : { sessionId: raw.session }),
            ...(limit.value === undefined ? {} : { limit: Math.min(limit.value, 1000) }),
          });
        },
        { text: (out) => renderList(out.approvals) },
      );
    });

  approvals
    .command('show')
    .description('show one approval request and its audit trail')
    .argument('<id>', 'the approval id (appr_…)')
    .action(async (id: string, _raw: unknown, command: Command) => {
      await ctx.run(
        command,
        (globals) =>
          executeApprovalsShow(deps, { ...(globals.home === undefined ? {} : { home: globals.home }), id }),
        { text: renderShow },
      );
    });

  approvals
    .command('policy')
    .description('validate and print the effective policy (policy.yaml, else the built-in default)')
    .action(async (_raw: unknown, command: Command) => {
      await ctx.run(
        command,
        (globals) => executeApprovalsPolicy(deps, globals.home === undefined ? {} : { home: globals.home }),
        { text: (out) => renderPolicy(out.policy) },
      );
    });

  for (const [name, verdict, description] of [
    ['approve', 'approved', 'approve a pending request: the waiting action proceeds'],
    ['reject', 'rejected', 'reject a pending request: the waiting action stops'],
  ] as const) {
    approvals
      .command(name)
      .description(description)
      .argument('<id>', 'the approval id (appr_…)')
      .option('--reason <text>', 'why (recorded in the audit trail)')
      .option('--actor <name>', 'who (recorded in the audit trail; default cli:$USER)')
      .action(async (id: string, raw: { reason?: string; actor?: string }, command: Command) => {
        await ctx.run(
          command,
          async (globals) => {
            if (raw.reason !== undefined && raw.reason.trim() === '') {
              return err(usageError("option '--reason' must not be empty"));
            }
            return executeApprovalsDecide(deps, {
              ...(globals.home === undefined ? {} : { home: globals.home }),
              id,
              verdict,
              actor: raw.actor?.trim() || defaultActor(deps.env),
              ...(raw.reason === undefined ? {} : { reason: raw.reason.trim() }),
            });
          },
          { text: (out) => `${out.approval.id} ${verdict} by ${out.approval.decidedBy ?? '?'}` },
        );
      });
  }
}
