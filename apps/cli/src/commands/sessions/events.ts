/**
 * `worktrain sessions events <id> [--follow]`: a session's raw event log, or a page of it; with `--follow`,
 * streamed until the session ends (`followSessionEvents` of @worktrain/session-store).
 */
import type { SessionEvent } from '@worktrain/contracts';
import { err, ok, type Result, ResultAsync } from '@worktrain/contracts';
import { followSessionEvents } from '@worktrain/session-store';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderSessionEventLine } from '../../format/sessions.js';
import { parseNonNegativeInt, parsePositiveInt } from '../../options.js';
import type { CommandContext } from '../../program.js';
import { renderStreamItem } from '../../render.js';
import { fromStoreError, sessionNotFound, withExistingSessionStore } from '../../session-access.js';
import { homeOf } from './options.js';

export interface SessionsEventsOptions {
  readonly home?: string;
  readonly sessionId: string;
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface SessionsEventsOutput {
  readonly sessionId: string;
  readonly events: readonly SessionEvent[];
}

/** `worktrain sessions events <id>`: the raw event log (or a page of it). */
export async function executeSessionsEvents(
  deps: CliDeps,
  opts: SessionsEventsOptions,
): Promise<Result<SessionsEventsOutput, CliError>> {
  return withExistingSessionStore(deps, opts.home, (store) =>
    store
      .getSummary(opts.sessionId)
      .andThen(() =>
        store.readEvents(opts.sessionId, {
          ...(opts.afterSeq !== undefined ? { afterSeq: opts.afterSeq } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        }),
      )
      .mapErr(fromStoreError),
  ).andThen((events) =>
    events === null ? err(sessionNotFound(opts.sessionId)) : ok({ sessionId: opts.sessionId, events }),
  );
}

export interface SessionsFollowOptions extends SessionsEventsOptions {
  /** Poll interval in ms (default 500). */
  readonly pollMs?: number;
}

/**
 * `worktrain sessions events <id> --follow`: emits the existing events (after `afterSeq`), then polls the
 * database every `pollMs` for new ones until the session ends (completed, failed, aborted) or
 * `deps.signal` is aborted. Another process (the daemon, an MCP server) is the writer, so this polls the
 * file instead of subscribing in-process. Returns the number of events emitted.
 */
export async function executeSessionsFollow(
  deps: CliDeps,
  opts: SessionsFollowOptions,
  emit: (events: readonly SessionEvent[]) => void,
): Promise<Result<{ readonly emitted: number }, CliError>> {
  return withExistingSessionStore(deps, opts.home, (store) =>
    new ResultAsync(
      followSessionEvents(
        store,
        {
          sessionId: opts.sessionId,
          ...(opts.afterSeq !== undefined ? { afterSeq: opts.afterSeq } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
          ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
          sleep: deps.sleep,
          ...(deps.signal !== undefined ? { signal: deps.signal } : {}),
        },
        emit,
      ),
    ).mapErr(fromStoreError),
  ).andThen((r) => (r === null ? err(sessionNotFound(opts.sessionId)) : ok(r)));
}

/** Registers `sessions events <session-id>`. */
export function registerSessionsEvents(sessions: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  sessions
    .command('events')
    .description("print a session's event log in order")
    .argument('<session-id>', 'the session id (sess_…)')
    .option('--after <seq>', 'only events after this sequence number')
    .option('--limit <n>', 'at most n events')
    .option('--follow', 'keep printing new events until the session ends (json: one event per line)')
    .action(
      async (
        sessionId: string,
        raw: { after?: string; limit?: string; follow?: boolean },
        command: Command,
      ) => {
        const parsed = parseNonNegativeInt('--after', raw.after).andThen((afterSeq) =>
          parsePositiveInt('--limit', raw.limit).map((limit) => ({
            sessionId,
            ...(afterSeq !== undefined ? { afterSeq } : {}),
            ...(limit !== undefined ? { limit } : {}),
          })),
        );
        if (raw.follow === true) {
          await ctx.run(
            command,
            async (globals) =>
              parsed.isErr()
                ? err(parsed.error)
                : executeSessionsFollow(deps, { ...homeOf(globals), ...parsed.value }, (events) => {
                    for (const event of events)
                      renderStreamItem(deps, globals.format, event, renderSessionEventLine);
                  }),
            // Events were streamed as they came; nothing more to print at the end.
            { text: () => '', json: () => undefined },
          );
          return;
        }
        await ctx.run(
          command,
          async (globals) =>
            parsed.isErr()
              ? err(parsed.error)
              : executeSessionsEvents(deps, { ...homeOf(globals), ...parsed.value }),
          {
            text: (out) =>
              out.events.length === 0 ? '(no events)' : out.events.map(renderSessionEventLine).join('\n'),
          },
        );
      },
    );
}
