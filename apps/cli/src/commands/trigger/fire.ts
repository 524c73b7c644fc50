/** `worktrain trigger fire <id>`: a schedule fires now, a poller polls now, into the local queue. */
import { mkdirSync } from 'node:fs';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, cliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import {
  CONFIG_OPTION,
  configOptions,
  findTrigger,
  fromTriggerError,
  loadConfig,
  REPO_OPTION,
  type TriggerConfigOptions,
} from './config.js';

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
  const trigger = findTrigger(config.value, opts.triggerId);
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

/** Registers `trigger fire <id>`. */
export function registerTriggerFire(trigger: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  trigger
    .command('fire <id>')
    .description('fire a schedule now, or poll a poller now; tasks go to $WORKTRAIN_HOME/worktrain.db')
    .option(...CONFIG_OPTION)
    .option(...REPO_OPTION)
    .action(async (id: string, raw: { config?: string; repo?: string[] }, command: Command) => {
      await ctx.run(command, (g) => executeTriggerFire(deps, { ...configOptions(g, raw), triggerId: id }), {
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
}
