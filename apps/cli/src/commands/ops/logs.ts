/** `worktrain logs`: the daemon's JSON-lines log (`<home>/logs/daemon.log`), filtered and rendered. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, parseDuration, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, usageError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { escapeControl } from '../../format/terminal-text.js';
import type { CommandContext } from '../../program.js';
import { homeOpt } from './home.js';

export interface LogLine {
  readonly level: string;
  readonly time: number;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const LEVEL_VALUES: Record<string, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** `worktrain logs`: the daemon's JSON-lines log (`<home>/logs/daemon.log`), filtered. */
export function executeLogs(
  deps: CliDeps,
  opts: { home?: string; session?: string; level?: string; sinceMs?: number; limit?: number },
): Result<{ lines: LogLine[] }, CliError> {
  if (opts.level !== undefined && LEVEL_VALUES[opts.level] === undefined)
    return err(usageError(`--level must be one of ${Object.keys(LEVEL_VALUES).join(', ')}`));
  const paths = resolveWorktrainPaths({ ...homeOpt(opts.home), env: deps.env, cwd: deps.cwd });
  const file = join(paths.logs, 'daemon.log');
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return ok({ lines: [] });
  }
  const min = opts.level !== undefined ? (LEVEL_VALUES[opts.level] ?? 0) : 0;
  const lines: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    const { level, time, msg, ...fields } = parsed as Record<string, unknown>;
    const lvl = typeof level === 'number' ? level : 30;
    const t = typeof time === 'number' ? time : 0;
    if (lvl < min) continue;
    if (opts.sinceMs !== undefined && t < opts.sinceMs) continue;
    if (opts.session !== undefined && fields.sessionId !== opts.session) continue;
    lines.push({
      level: LEVEL_NAMES[lvl] ?? String(lvl),
      time: t,
      msg: typeof msg === 'string' ? msg : '',
      fields,
    });
  }
  return ok({ lines: opts.limit !== undefined ? lines.slice(-opts.limit) : lines });
}

function parseSinceOption(raw: string | undefined, now: number): Result<number | undefined, CliError> {
  if (raw === undefined) return ok(undefined);
  const duration = parseDuration(raw);
  if (duration !== undefined) return ok(now - duration);
  const t = Date.parse(raw);
  return Number.isNaN(t)
    ? err(usageError(`--since expects 30m, 12h, 7d or an ISO date, got '${raw}'`))
    : ok(t);
}

/** Registers `logs`. */
export function registerLogs(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  program
    .command('logs')
    .description("the daemon's log (<home>/logs/daemon.log)")
    .option('--session <id>', 'only lines about this session')
    .option('--level <level>', 'minimum level: debug, info, warn, error')
    .option('--since <when>', '30m, 12h, 7d or an ISO date')
    .option('--limit <n>', 'only the last n lines')
    .action(
      async (raw: { session?: string; level?: string; since?: string; limit?: string }, command: Command) => {
        await ctx.run(
          command,
          async (g) => {
            const since = parseSinceOption(raw.since, deps.clock.now());
            if (since.isErr()) return err(since.error);
            if (raw.limit !== undefined && !/^\d+$/.test(raw.limit))
              return err(usageError(`--limit expects a number, got '${raw.limit}'`));
            return executeLogs(deps, {
              ...homeOpt(g.home),
              ...(raw.session !== undefined ? { session: raw.session } : {}),
              ...(raw.level !== undefined ? { level: raw.level } : {}),
              ...(since.value !== undefined ? { sinceMs: since.value } : {}),
              ...(raw.limit !== undefined ? { limit: Number(raw.limit) } : {}),
            });
          },
          {
            text: (o) =>
              o.lines
                .map((l) =>
                  `${new Date(l.time).toISOString()} ${l.level.padEnd(5)} ${escapeControl(l.msg)} ${Object.keys(l.fields).length > 0 ? JSON.stringify(l.fields) : ''}`.trimEnd(),
                )
                .join('\n'),
            json: (o) => ({ lines: o.lines }),
          },
        );
      },
    );
}
