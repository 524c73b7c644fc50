/** `worktrain trigger next-runs`: the next run instants of a cron expression or of a schedule trigger. */
import { err, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { parsePositiveInt } from '../../options.js';
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
    const t = findTrigger(config.value, opts.triggerId);
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

/** Registers `trigger next-runs [id]`. */
export function registerTriggerNextRuns(trigger: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  trigger
    .command('next-runs [id]')
    .description('the next run instants (ISO-8601 UTC) of a cron expression or of a schedule trigger')
    .option('--cron <expr>', '5-field cron expression')
    .option('--tz <zone>', "IANA time zone (default UTC, or the trigger's)")
    .option('--from <iso>', 'start instant (default now)')
    .option('--count <n>', 'how many runs (default 5, max 1000)')
    .option(...CONFIG_OPTION)
    .option(...REPO_OPTION)
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
              ...configOptions(g, raw),
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
