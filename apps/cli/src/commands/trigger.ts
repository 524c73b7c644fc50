import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { err, formatConfigIssue, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
// Types only: `@worktrain/triggers` and `@worktrain/queue` are imported by the commands that use them, so
// that the CLI starts without loading them.
import type {
  ConfigIssue,
  Evaluation,
  TriggerConfig,
  TriggerDefinition,
  TriggerError,
} from '@worktrain/triggers';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import { parsePositiveInt } from '../options.js';
import type { CommandContext } from '../program.js';

/** Options shared by every `trigger` command. */
export interface TriggerConfigOptions {
  readonly home?: string;
  /** `--config <file>`; default `$WORKTRAIN_HOME/triggers.yaml`. */
  readonly config?: string;
  /** `--repo <dir>` (repeatable): also load `<dir>/.worktrain/triggers.yaml` (per-repo triggers). */
  readonly repos?: readonly string[];
}

/** Maps a triggers package error onto the CLI's codes, keeping the original in `details.triggerCode`. */
export function fromTriggerError(error: TriggerError): CliError {
  const details = { ...error.details, triggerCode: error.code };
  if (error.code === 'CONFIG_INVALID' || error.code === 'CONFIG_YAML')
    return cliError('TRIGGER_CONFIG_INVALID', error.message, details);
  if (error.code === 'TRIGGER_NOT_FOUND') return cliError('TRIGGER_NOT_FOUND', error.message, details);
  if (error.code === 'CONFIG_NOT_FOUND') return cliError('FILE_NOT_FOUND', error.message, details);
  return cliError('TRIGGER_ERROR', error.message, details);
}

function configPath(deps: CliDeps, opts: TriggerConfigOptions): string {
  if (opts.config !== undefined)
    return isAbsolute(opts.config) ? opts.config : resolve(deps.cwd, opts.config);
  return resolveWorktrainPaths({ ...(opts.home ? { home: opts.home } : {}), env: deps.env, cwd: deps.cwd })
    .triggers;
}

/**
 * Reads and validates the triggers through the daemon's own loader (`loadTriggerFiles` of
 * @worktrain/triggers): the global file, the `.worktrain/triggers.yaml` of each workspace it names and of
 * each `--repo`, `$NAME`s from the environment over `$WORKTRAIN_HOME/.env`. The default global file missing
 * means no triggers (`missing` says so, as the daemon does); a `--config` file must exist.
 * Errors: FILE_NOT_FOUND / TRIGGER_CONFIG_INVALID.
 */
export async function loadConfig(
  deps: CliDeps,
  opts: TriggerConfigOptions,
): Promise<Result<TriggerConfig, CliError>> {
  const { createBuiltinRegistry, loadTriggerFiles } = await import('@worktrain/triggers');
  const paths = resolveWorktrainPaths({
    ...(opts.home ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const loaded = await loadTriggerFiles({
    globalPath: configPath(deps, opts),
    // A file named on the command line must exist (a typo must not read as "no triggers").
    globalRequired: opts.config !== undefined,
    repoRoots: (opts.repos ?? []).map((repo) => (isAbsolute(repo) ? repo : resolve(deps.cwd, repo))),
    env: deps.env,
    envFile: paths.envFile,
    registry: createBuiltinRegistry(),
  });
  return loaded.mapErr(fromTriggerError);
}

/** The daemon's trigger check over `config` (see {@link executeTriggerValidate}), as config issues. */
async function runnableIssues(
  deps: CliDeps,
  opts: TriggerConfigOptions,
  config: TriggerConfig,
): Promise<ConfigIssue[]> {
  const paths = resolveWorktrainPaths({
    ...(opts.home ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const { checkTriggersRunnable, triggerCheckFor } = await import('@worktrain/runtime');
  const check = triggerCheckFor(paths, deps.env);
  if (check.isErr())
    // The workflow sources come from config.yaml: without it nothing can say whether the workflows exist.
    return [
      {
        file: paths.config,
        path: '',
        line: null,
        col: null,
        message: `cannot check the triggers' workflows: ${check.error.message}`,
      },
    ];
  return checkTriggersRunnable(config.triggers, check.value);
}

function find(config: TriggerConfig, id: string): Result<TriggerDefinition, CliError> {
  const t = config.triggers.find((x) => x.id === id);
  return t
    ? ok(t)
    : err(
        cliError('TRIGGER_NOT_FOUND', `no trigger with id "${id}"`, {
          known: config.triggers.map((x) => x.id),
        }),
      );
}

// ---------------------------------------------------------------------------------------------- list

export interface TriggerSummary {
  readonly id: string;
  readonly provider: string;
  readonly workflowId: string;
  readonly workspace: string;
  /** Which parts the provider has: webhook, poll, schedule. */
  readonly parts: readonly string[];
  readonly events: readonly string[] | null;
  readonly enabled: boolean;
}

/** A triggers file that does not exist and what that means (`missingTriggersFileMessage`). */
export interface MissingFile {
  readonly file: string;
  readonly message: string;
}

/** The missing files of a load, each with the daemon's words for it. */
async function missingFiles(config: TriggerConfig): Promise<MissingFile[]> {
  const { missingTriggersFileMessage } = await import('@worktrain/triggers');
  return (config.missing ?? []).map((file) => ({ file, message: missingTriggersFileMessage(file) }));
}

export interface TriggerListOutput {
  readonly file: string;
  /** Every file read: the global one, then per-repo files. */
  readonly files: readonly string[];
  /** Files looked for that do not exist (the global file: no triggers), in the words the daemon logs. */
  readonly missing: readonly MissingFile[];
  readonly triggers: readonly TriggerSummary[];
}

function summarize(t: TriggerDefinition, pollsEnabled: (t: TriggerDefinition) => boolean): TriggerSummary {
  const p = t.provider;
  return {
    id: t.id,
    provider: t.providerName,
    workflowId: t.workflowId,
    workspace: t.workspace,
    parts: [
      p.webhook ? 'webhook' : null,
      pollsEnabled(t) ? 'poll' : null,
      p.schedule ? 'schedule' : null,
    ].filter((x): x is string => x !== null),
    events: t.events,
    enabled: t.enabled,
  };
}

/** `worktrain trigger list`: the triggers of the file (no secrets: only ids, providers and targets). */
export async function executeTriggerList(
  deps: CliDeps,
  opts: TriggerConfigOptions,
): Promise<Result<TriggerListOutput, CliError>> {
  const config = await loadConfig(deps, opts);
  const { pollsEnabled } = await import('@worktrain/triggers');
  if (config.isErr()) return err(config.error);
  return ok({
    file: configPath(deps, opts),
    files: config.value.files,
    missing: await missingFiles(config.value),
    triggers: config.value.triggers.map((t) => summarize(t, pollsEnabled)),
  });
}

// ---------------------------------------------------------------------------------------------- validate

export interface TriggerValidateOutput {
  readonly valid: boolean;
  readonly file: string;
  /** Every file read: the global one, then per-repo files (empty when the file is invalid). */
  readonly files: readonly string[];
  /** Files looked for that do not exist (the global file: no triggers, which is valid). */
  readonly missing: readonly MissingFile[];
  readonly triggers: readonly string[];
  readonly issues: readonly ConfigIssue[];
}

/**
 * `worktrain trigger validate`: the verdict on the file; an invalid file is output (exit 1), not an error.
 * Valid means it will run: a file that parses is also put through the daemon's own trigger check
 * (`checkTriggersRunnable` of @worktrain/runtime: each trigger's workflow loads from the daemon's workflow
 * sources, its workspace is a git repository whose origin has a default branch), whose problems are issues.
 */
export async function executeTriggerValidate(
  deps: CliDeps,
  opts: TriggerConfigOptions,
): Promise<Result<TriggerValidateOutput, CliError>> {
  const file = configPath(deps, opts);
  const config = await loadConfig(deps, opts);
  if (config.isOk()) {
    const triggers = config.value.triggers.map((t) => t.id);
    const issues = await runnableIssues(deps, opts, config.value);
    return ok({
      valid: issues.length === 0,
      file,
      files: config.value.files,
      missing: await missingFiles(config.value),
      triggers,
      issues,
    });
  }
  if (config.error.code !== 'TRIGGER_CONFIG_INVALID') return err(config.error);
  const issues = Array.isArray(config.error.details?.issues)
    ? (config.error.details.issues as ConfigIssue[])
    : [];
  return ok({ valid: false, file, files: [], missing: [], triggers: [], issues });
}

// ---------------------------------------------------------------------------------------------- test

export interface TriggerTestOptions extends TriggerConfigOptions {
  readonly triggerId: string;
  readonly event: string;
  readonly payloadFile: string;
}

/** `worktrain trigger test <id> --event <name> --payload <file>`: dry run, `{matched, candidate, reason}`. */
export async function executeTriggerTest(
  deps: CliDeps,
  opts: TriggerTestOptions,
): Promise<Result<Evaluation, CliError>> {
  const config = await loadConfig(deps, opts);
  if (config.isErr()) return err(config.error);
  const trigger = find(config.value, opts.triggerId);
  if (trigger.isErr()) return err(trigger.error);
  const path = isAbsolute(opts.payloadFile) ? opts.payloadFile : resolve(deps.cwd, opts.payloadFile);
  const payload = await deps.fs.readText(path);
  if (payload.isErr()) return err(payload.error);
  const { dryRunEvent } = await import('@worktrain/triggers');
  return dryRunEvent(trigger.value, opts.event, payload.value, deps.clock.now())
    .map((e) => ({ matched: e.matched, candidate: e.candidate, reason: e.reason }))
    .mapErr(fromTriggerError);
}

// ---------------------------------------------------------------------------------------------- fire

export interface TriggerFireOutput {
  readonly triggerId: string;
  readonly outcomes: readonly {
    status: string;
    taskId: string | null;
    sourceId: string | null;
    reason: string | null;
  }[];
  readonly skipped: readonly string[];
}

/**
 * `worktrain trigger fire <id>`: a schedule fires now, a poller polls now; tasks go into the queue of
 * `$WORKTRAIN_HOME/worktrain.db` (created if missing). No daemon needed.
 */
export async function executeTriggerFire(
  deps: CliDeps,
  opts: TriggerConfigOptions & { triggerId: string },
): Promise<Result<TriggerFireOutput, CliError>> {
  const config = await loadConfig(deps, opts);
  if (config.isErr()) return err(config.error);
  const trigger = find(config.value, opts.triggerId);
  if (trigger.isErr()) return err(trigger.error);
  const paths = resolveWorktrainPaths({
    ...(opts.home ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const [
    { openTriggerStore, pollsEnabled, triggerError, TriggerRouter, TriggerScheduler },
    { openSqliteQueue },
  ] = await Promise.all([import('@worktrain/triggers'), import('@worktrain/queue')]);
  // Refused before anything is created: a webhook-only trigger has nothing to fire.
  if (!trigger.value.provider.schedule && !pollsEnabled(trigger.value))
    return err(
      fromTriggerError(
        triggerError(
          'NOT_SUPPORTED',
          `trigger "${trigger.value.id}" is fired by webhooks only; use trigger test`,
          { triggerId: trigger.value.id },
        ),
      ),
    );
  mkdirSync(paths.home, { recursive: true });
  const store = openTriggerStore({ path: paths.database }, { clock: deps.clock });
  if (store.isErr()) return err(fromTriggerError(store.error));
  const queue = openSqliteQueue({ db: store.value.db, clock: deps.clock });
  try {
    if (queue.isErr())
      return err(cliError('TRIGGER_ERROR', queue.error.message, { queueCode: queue.error.code }));
    const router = new TriggerRouter({ config: config.value, store: store.value, clock: deps.clock });
    const scheduler = new TriggerScheduler({
      router,
      store: store.value,
      queue: queue.value,
      clock: deps.clock,
    });
    const report = await scheduler.fire(trigger.value.id);
    if (report.error) return err(fromTriggerError(report.error));
    return ok({
      triggerId: report.triggerId,
      outcomes: report.outcomes.map((o) => ({
        status: o.status,
        taskId: o.taskId,
        sourceId: o.candidate?.sourceId ?? null,
        reason: o.reason,
      })),
      skipped: report.skipped,
    });
  } finally {
    if (queue.isOk()) await queue.value.close();
    store.value.close();
  }
}

// ---------------------------------------------------------------------------------------------- next-runs

export interface TriggerNextRunsOptions extends TriggerConfigOptions {
  readonly triggerId?: string;
  readonly cron?: string;
  readonly timezone?: string;
  readonly fromMs?: number;
  readonly count: number;
}

/** `worktrain trigger next-runs --cron <expr> --tz <zone> --from <ISO> --count <n>` (or `<id>`): ISO-8601 UTC instants. */
export async function executeTriggerNextRuns(
  deps: CliDeps,
  opts: TriggerNextRunsOptions,
): Promise<Result<string[], CliError>> {
  let cron = opts.cron;
  let timezone = opts.timezone ?? 'UTC';
  if (opts.triggerId !== undefined) {
    const config = await loadConfig(deps, opts);
    if (config.isErr()) return err(config.error);
    const t = find(config.value, opts.triggerId);
    if (t.isErr()) return err(t.error);
    const spec = t.value.provider.schedule?.spec(t.value.config);
    if (!spec) return err(cliError('TRIGGER_ERROR', `trigger "${opts.triggerId}" has no schedule`));
    cron = spec.cron;
    timezone = opts.timezone ?? spec.timezone;
  }
  if (cron === undefined) return err(usageError("give a trigger id or --cron '<expr>'"));
  const { nextRuns } = await import('@worktrain/triggers');
  return nextRuns(cron, timezone, opts.fromMs ?? deps.clock.now(), opts.count)
    .map((runs) => runs.map((ms) => new Date(ms).toISOString()))
    .mapErr(fromTriggerError);
}

// ---------------------------------------------------------------------------------------------- wiring

function renderIssues(v: TriggerValidateOutput): string {
  if (v.valid)
    return [
      `valid: ${v.files.join(', ') || v.file} (${v.triggers.length} trigger${v.triggers.length === 1 ? '' : 's'}${v.triggers.length > 0 ? `: ${v.triggers.join(', ')}` : ''})`,
      ...v.missing.map((m) => `note: ${m.message}`),
    ].join('\n');
  // `file:line:col path: message`, as doctor and the daemon's log print it.
  return [`invalid: ${v.file}`, ...v.issues.map((i) => `  ${formatConfigIssue(i)}`)].join('\n');
}

export function registerTriggerCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const trigger = program
    .command('trigger')
    .description('inspect, validate, dry-run and fire triggers (triggers.yaml)');
  const base = (g: { home?: string }, raw: { config?: string; repo?: string[] }): TriggerConfigOptions => ({
    ...(g.home !== undefined ? { home: g.home } : {}),
    ...(raw.config !== undefined ? { config: raw.config } : {}),
    ...(raw.repo !== undefined ? { repos: raw.repo } : {}),
  });
  const REPO = [
    '--repo <dir>',
    'also load <dir>/.worktrain/triggers.yaml (repeatable)',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  ] as const;
  const CONFIG = ['--config <file>', 'triggers file (default: $WORKTRAIN_HOME/triggers.yaml)'] as const;

  trigger
    .command('list')
    .description('list the triggers of the file')
    .option(...CONFIG)
    .option(...REPO)
    .action(async (raw: { config?: string; repo?: string[] }, command: Command) => {
      await ctx.run(command, (g) => executeTriggerList(deps, base(g, raw)), {
        text: (o) =>
          o.triggers.length === 0
            ? [`no triggers in ${o.file}`, ...o.missing.map((m) => `note: ${m.message}`)].join('\n')
            : o.triggers
                .map((t) =>
                  `${t.id}\t${t.provider}\t${t.parts.join('+')}\t${t.workflowId}\t${t.enabled ? '' : '(disabled)'}`.trimEnd(),
                )
                .join('\n'),
      });
    });

  trigger
    .command('validate')
    .description(
      "validate the file and that each trigger can run (the daemon's check: workflow installed, workspace a repository whose origin has a default branch): exit 0 when valid, 1 with every issue (path, line) otherwise",
    )
    .option(...CONFIG)
    .option(...REPO)
    .action(async (raw: { config?: string; repo?: string[] }, command: Command) => {
      await ctx.run(command, (g) => executeTriggerValidate(deps, base(g, raw)), {
        text: renderIssues,
        failed: (o) => !o.valid,
      });
    });

  trigger
    .command('test <id>')
    .description('dry run: the candidate the payload would enqueue, or the reason it would not')
    .requiredOption(
      '--event <name>',
      'event name: GitHub issues.labeled, GitLab "Issue Hook", Jira jira:issue_updated, a generic webhook event; ' +
        'issues.polled / merge_request.polled / jira:issue_polled for one API item as a poll would see it',
    )
    .requiredOption('--payload <file>', 'JSON file: the webhook body, or the API item for a polled event')
    .option(...CONFIG)
    .option(...REPO)
    .action(
      async (
        id: string,
        raw: { config?: string; repo?: string[]; event: string; payload: string },
        command: Command,
      ) => {
        await ctx.run(
          command,
          (g) =>
            executeTriggerTest(deps, {
              ...base(g, raw),
              triggerId: id,
              event: raw.event,
              payloadFile: raw.payload,
            }),
          {
            text: (o) =>
              o.matched
                ? `matched: would enqueue ${o.candidate?.sourceId ?? ''}\ngoal: ${o.candidate?.goal ?? ''}`
                : `not matched: ${o.reason ?? ''}`,
          },
        );
      },
    );

  trigger
    .command('fire <id>')
    .description('fire a schedule now, or poll a poller now; tasks go to $WORKTRAIN_HOME/worktrain.db')
    .option(...CONFIG)
    .option(...REPO)
    .action(async (id: string, raw: { config?: string; repo?: string[] }, command: Command) => {
      await ctx.run(command, (g) => executeTriggerFire(deps, { ...base(g, raw), triggerId: id }), {
        text: (o) =>
          [
            ...o.outcomes.map(
              (x) =>
                `${x.status}${x.taskId ? ` ${x.taskId}` : ''}${x.sourceId ? ` ${x.sourceId}` : ''}${x.reason ? ` (${x.reason})` : ''}`,
            ),
            ...o.skipped,
          ].join('\n') || 'nothing to enqueue',
      });
    });

  trigger
    .command('next-runs [id]')
    .description('the next run instants (ISO-8601 UTC) of a cron expression or of a schedule trigger')
    .option('--cron <expr>', '5-field cron expression')
    .option('--tz <zone>', "IANA time zone (default UTC, or the trigger's)")
    .option('--from <iso>', 'start instant (default now)')
    .option('--count <n>', 'how many runs (default 5, max 1000)')
    .option(...CONFIG)
    .option(...REPO)
    .action(
      async (
        id: string | undefined,
        raw: { config?: string; repo?: string[]; cron?: string; tz?: string; from?: string; count?: string },
        command: Command,
      ) => {
        await ctx.run(
          command,
          async (g) => {
            const count = parsePositiveInt('--count', raw.count);
            if (count.isErr()) return err(count.error);
            let fromMs: number | undefined;
            if (raw.from !== undefined) {
              fromMs = Date.parse(raw.from);
              if (!/^\d{4}-\d{2}-\d{2}/.test(raw.from) || Number.isNaN(fromMs))
                return err(usageError(`option '--from' expects an ISO-8601 instant, got '${raw.from}'`));
            }
            return executeTriggerNextRuns(deps, {
              ...base(g, raw),
              ...(id !== undefined ? { triggerId: id } : {}),
              ...(raw.cron !== undefined ? { cron: raw.cron } : {}),
              ...(raw.tz !== undefined ? { timezone: raw.tz } : {}),
              ...(fromMs !== undefined ? { fromMs } : {}),
              count: Math.min(count.value ?? 5, 1000),
            });
          },
          { text: (runs) => runs.join('\n') },
        );
      },
    );
}
