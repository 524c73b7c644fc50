/** `worktrain queue purge`: retention of finished tasks, optionally archived first, or a dry run. */
import { resolve } from 'node:path';
import { err, type Result } from '@worktrain/contracts';
import type { PurgeResult } from '@worktrain/queue';
import { type Command, Option } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderPurge } from '../../format/queue.js';
import { parsePositiveInt, parseSince } from '../../options.js';
import type { CommandContext } from '../../program.js';
import { fromQueueError, type QueueTarget, withQueue } from '../../queue-access.js';
import { parseOlderThan, type TargetFlags, targetOf, withTargetOptions } from './options.js';

export interface QueuePurgeOptions extends QueueTarget {
  /** Purge succeeded tasks and dead letters that finished more than this many ms ago. */
  readonly olderThanMs: number;
  /** Only these finished states (default both). */
  readonly states?: ReadonlyArray<'succeeded' | 'dead'>;
  /** Only tasks of this queue (default every queue). */
  readonly queue?: string;
  /** Only tasks that finished at or after this time (ms since epoch); default no lower bound. */
  readonly since?: number;
  /** Purge at most this many tasks, the oldest finished first (default all that match). */
  readonly limit?: number;
  /** Absolute path of a JSON Lines file the purged tasks and their audit trails are appended to first. */
  readonly archivePath?: string;
  /** Only report what would be purged (count and up to 1 000 tasks); delete and archive nothing. */
  readonly dryRun?: boolean;
}

export interface QueuePurgeOutput extends PurgeResult {
  /** Tasks that finished before this time (ms since epoch) were purged (or would be, on a dry run). */
  readonly cutoffMs: number;
  /** The `since` bound (ms since epoch), or null. */
  readonly sinceMs: number | null;
  /** The `limit` bound, or null. */
  readonly limit: number | null;
  readonly dryRun: boolean;
  /** The archive a real run would append to (dry run only; null without --archive). */
  readonly wouldArchiveTo: string | null;
}

/**
 * `worktrain queue purge --older-than <duration> [--state] [--queue] [--since] [--limit] [--archive <file.jsonl>]
 * [--dry-run]`: retention purge of tasks that finished before now − older-than (and, with `since`, at or after
 * it; with `limit`, at most that many, oldest finished first). With an archive, each task and its audit trail
 * are appended and flushed to the file before the rows are deleted.
 */
export async function executeQueuePurge(
  deps: CliDeps,
  opts: QueuePurgeOptions,
): Promise<Result<QueuePurgeOutput, CliError>> {
  const cutoffMs = deps.clock.now() - opts.olderThanMs;
  const dryRun = opts.dryRun === true;
  return withQueue(deps, opts, (q, lib) =>
    lib
      .executeQueuePurge(q, {
        olderThanMs: opts.olderThanMs,
        ...(opts.states !== undefined ? { states: [...opts.states] } : {}),
        ...(opts.queue !== undefined ? { queue: opts.queue } : {}),
        ...(opts.since !== undefined ? { since: opts.since } : {}),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.archivePath !== undefined ? { archivePath: opts.archivePath } : {}),
        ...(dryRun ? { dryRun } : {}),
      })
      .mapErr((e) => fromQueueError(e)),
  ).map((r) => ({
    ...(r ?? { purged: 0, archivePath: null, ...(dryRun ? { wouldPurge: [] } : {}) }),
    cutoffMs,
    sinceMs: opts.since ?? null,
    limit: opts.limit ?? null,
    dryRun,
    wouldArchiveTo: dryRun ? (opts.archivePath ?? null) : null,
  }));
}

/** Registers `queue purge`. */
export function registerQueuePurge(queue: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  withTargetOptions(
    queue
      .command('purge')
      .description(
        'delete succeeded tasks and dead letters that finished longer ago than --older-than (bounded by --since, --limit)',
      )
      .requiredOption('--older-than <duration>', 'age of finished tasks to purge (30m, 12h, 7d, 2w)')
      .addOption(
        new Option('--state <state>', 'only purge tasks in this finished state (default both)').choices([
          'succeeded',
          'dead',
        ]),
      )
      .option('--queue <name>', 'only purge tasks of this queue (default every queue)')
      .option(
        '--since <when>',
        'only purge tasks that finished since a duration ago (30d, 12h) or an ISO date (default no lower bound)',
      )
      .option('--limit <n>', 'purge at most n tasks, the oldest finished first (default all that match)')
      .option(
        '--archive <file.jsonl>',
        'first append each purged task and its audit trail to this JSON Lines file',
      )
      .option('--dry-run', 'only show what would be purged (count and up to 1000 tasks); change nothing'),
  ).action(
    async (
      raw: TargetFlags & {
        olderThan: string;
        state?: 'succeeded' | 'dead';
        queue?: string;
        since?: string;
        limit?: string;
        archive?: string;
        dryRun?: boolean;
      },
      command: Command,
    ) => {
      await ctx.run(
        command,
        async (globals) => {
          const olderThanMs = parseOlderThan(raw.olderThan);
          if (olderThanMs.isErr()) return err(olderThanMs.error);
          const since = parseSince(raw.since, deps.clock.now());
          if (since.isErr()) return err(since.error);
          const limit = parsePositiveInt('--limit', raw.limit);
          if (limit.isErr()) return err(limit.error);
          return executeQueuePurge(deps, {
            ...targetOf(globals, raw),
            olderThanMs: olderThanMs.value,
            ...(since.value !== undefined ? { since: since.value } : {}),
            ...(limit.value !== undefined ? { limit: limit.value } : {}),
            ...(raw.state !== undefined ? { states: [raw.state] } : {}),
            ...(raw.queue !== undefined ? { queue: raw.queue } : {}),
            ...(raw.archive !== undefined ? { archivePath: resolve(deps.cwd, raw.archive) } : {}),
            ...(raw.dryRun === true ? { dryRun: true } : {}),
          });
        },
        {
          text: (out) => renderPurge(out, out.cutoffMs, out),
          json: (out) =>
            out.dryRun
              ? {
                  dryRun: true,
                  wouldPurge: out.purged,
                  cutoffMs: out.cutoffMs,
                  sinceMs: out.sinceMs,
                  limit: out.limit,
                  archivePath: out.wouldArchiveTo,
                  tasks: out.wouldPurge ?? [],
                }
              : { purged: out.purged, archivePath: out.archivePath },
        },
      );
    },
  );
}
