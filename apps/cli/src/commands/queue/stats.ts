/** `worktrain queue stats`: counts per queue and state, and the age of the oldest ready task. */
import type { Result } from '@worktrain/contracts';
import type { QueueStats } from '@worktrain/queue';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderQueueStats } from '../../format/queue.js';
import type { CommandContext } from '../../program.js';
import { fromQueueError, type QueueTarget, withQueue } from '../../queue-access.js';
import { type TargetFlags, targetOf, withTargetOptions } from './options.js';

export interface QueueStatsOutput {
  readonly stats: QueueStats;
  readonly databaseExists: boolean;
}

const ZERO_COUNTS = { pending: 0, leased: 0, succeeded: 0, failed: 0, dead: 0 } as const;

export interface QueueStatsOptions extends QueueTarget {
  /** Only this queue; a queue without tasks gives zero counts (not an error). */
  readonly queue?: string;
}

/**
 * `worktrain queue stats [--queue <name>]`: counts per queue and state and the age of the oldest ready task
 * (ms); with `queue`, of that queue only.
 */
export async function executeQueueStats(
  deps: CliDeps,
  opts: QueueStatsOptions,
): Promise<Result<QueueStatsOutput, CliError>> {
  return withQueue(
    deps,
    opts,
    (q, lib) =>
      lib
        .executeQueueStats(q, opts.queue !== undefined ? { queue: opts.queue } : {})
        .mapErr((e) => fromQueueError(e)),
    'read-only',
  ).map((stats) => ({
    stats: stats ?? { queues: {}, total: { ...ZERO_COUNTS }, oldestReadyAgeMs: null },
    databaseExists: stats !== null,
  }));
}

/** Registers `queue stats`. */
export function registerQueueStats(queue: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  withTargetOptions(
    queue
      .command('stats')
      .description('task counts per queue and state; age of the oldest ready task')
      .option('--queue <name>', 'only this queue (a queue without tasks shows zero counts)'),
  ).action(async (raw: TargetFlags & { queue?: string }, command: Command) => {
    await ctx.run(
      command,
      (globals) =>
        executeQueueStats(deps, {
          ...targetOf(globals, raw),
          ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
        }),
      {
        text: (out) => renderQueueStats(out.stats, out.databaseExists, raw.queue),
        json: (out) => out.stats,
      },
    );
  });
}
