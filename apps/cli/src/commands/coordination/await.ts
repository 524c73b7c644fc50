/**
 * `worktrain await <session-id>... [--timeout <duration>]`: waits until every session has ended (completed,
 * failed, aborted) on the daemon and prints each one's typed outcome — its status, the `wr.*` artifact kinds
 * its steps produced and its delivery URL — read from the daemon's API (`/api/v1/sessions/:id` and its
 * events), never from the agent's notes.
 */
import { computeBackoff, err, ok, parseDuration, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, usageError } from '../../cli-error.js';
import { type DaemonEndpoint, daemonApi, daemonEndpoint, daemonEventStream } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import { formatMs } from '../../format/pipelines.js';
import { escapeControl } from '../../format/terminal-text.js';
import type { CommandContext } from '../../program.js';
import { homeOpt } from '../ops/home.js';
import { readAnswer, type SessionApiView, SessionViewSchema } from '../pipeline/api.js';

/** The statuses a session does not leave. */
const ENDED: readonly string[] = ['completed', 'failed', 'aborted'];

/** One session's outcome, or where it stood when the wait ended. */
export interface AwaitOutcome {
  readonly sessionId: string;
  readonly workflowId: string;
  readonly status: string;
  readonly ended: boolean;
  /** The `kind` of each artifact its steps produced (`wr.coding_handoff`, `wr.review_verdict`…), in order. */
  readonly artifacts: readonly string[];
  /** The PR/MR URL its delivery recorded, or null. */
  readonly deliveryUrl: string | null;
  /** Why a failed session failed (the daemon's reading of its log), or null. */
  readonly reason: string | null;
}

export interface AwaitOutput {
  readonly outcomes: readonly AwaitOutcome[];
  /** True when every session ended `completed`. */
  readonly ok: boolean;
  /** True when the wait ended (timeout or interrupt) with sessions still running. */
  readonly timedOut: boolean;
  /** The sessions still running at that point. */
  readonly pending: readonly string[];
}

/** The artifact kinds and delivery URL of a session, from its event log (SSE `?follow=false`). */
async function readOutcome(
  endpoint: DaemonEndpoint,
  s: SessionApiView,
): Promise<Result<AwaitOutcome, CliError>> {
  const events = await daemonEventStream(
    endpoint,
    `/sessions/${encodeURIComponent(s.sessionId)}/events?follow=false`,
  );
  if (events.isErr()) return err(events.error);
  const artifacts: string[] = [];
  let deliveryUrl: string | null = null;
  for (const text of events.value) {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof event !== 'object' || event === null || !('kind' in event) || !('data' in event)) continue;
    const data = event.data;
    if (typeof data !== 'object' || data === null) continue;
    if (event.kind === 'output_appended' && 'artifacts' in data && Array.isArray(data.artifacts))
      for (const a of data.artifacts as unknown[])
        if (typeof a === 'object' && a !== null && 'kind' in a && typeof a.kind === 'string')
          artifacts.push(a.kind);
    if (event.kind === 'delivery_recorded' && 'url' in data && typeof data.url === 'string')
      deliveryUrl = data.url;
  }
  return ok({
    sessionId: s.sessionId,
    workflowId: s.workflowId,
    status: s.status,
    ended: true,
    artifacts,
    deliveryUrl,
    reason: s.failure?.reason ?? null,
  });
}

/**
 * Polls each session (`GET /api/v1/sessions/:id`, backoff 250 ms doubling to 5 s) until all have ended, the
 * timeout passes or the user interrupts; reads each ended one's outcome once. Errors: SESSION_NOT_FOUND (an
 * unknown id), DAEMON_UNREACHABLE, DAEMON_ERROR. A timeout is an ok result with `timedOut` (exit 1).
 */
export async function executeAwait(
  deps: CliDeps,
  opts: { home?: string; sessionIds: readonly string[]; timeoutMs?: number },
): Promise<Result<AwaitOutput, CliError>> {
  const endpoint = await daemonEndpoint(deps, homeOpt(opts.home));
  const deadline =
    opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : deps.clock.now() + opts.timeoutMs;
  const ids = [...new Set(opts.sessionIds)];
  const done = new Map<string, AwaitOutcome>();
  const last = new Map<string, SessionApiView>();
  for (let round = 0; ; round++) {
    for (const id of ids) {
      if (done.has(id)) continue;
      const got = await daemonApi(endpoint, 'GET', `/sessions/${encodeURIComponent(id)}`);
      const s = got.andThen((v) => readAnswer(SessionViewSchema, v, 'GET /sessions/:id'));
      if (s.isErr()) return err(s.error);
      last.set(id, s.value);
      if (!ENDED.includes(s.value.status)) continue;
      const outcome = await readOutcome(endpoint, s.value);
      if (outcome.isErr()) return err(outcome.error);
      done.set(id, outcome.value);
    }
    const left = deadline - deps.clock.now();
    if (done.size === ids.length || left <= 0 || deps.signal?.aborted === true) break;
    await deps.sleep(Math.min(left, computeBackoff(round, { baseMs: 250, capMs: 5000, jitter: 'none' })));
  }
  const outcomes = ids.map((id): AwaitOutcome => {
    const ended = done.get(id);
    if (ended !== undefined) return ended;
    const s = last.get(id);
    return {
      sessionId: id,
      workflowId: s?.workflowId ?? '',
      status: s?.status ?? 'unknown',
      ended: false,
      artifacts: [],
      deliveryUrl: null,
      reason: null,
    };
  });
  const pending = outcomes.filter((o) => !o.ended).map((o) => o.sessionId);
  return ok({
    outcomes,
    ok: outcomes.every((o) => o.status === 'completed'),
    timedOut: pending.length > 0,
    pending,
  });
}

function renderAwait(o: AwaitOutput, timeoutMs: number | undefined): string {
  const lines = o.outcomes.map((x) => {
    if (!x.ended) return `${x.sessionId}  ${x.status} (still running)`;
    const parts = [`${x.sessionId}  ${x.status}`];
    parts.push(
      `artifacts: ${x.artifacts.length === 0 ? '(none)' : x.artifacts.map(escapeControl).join(', ')}`,
    );
    if (x.deliveryUrl !== null) parts.push(`delivery: ${escapeControl(x.deliveryUrl)}`);
    if (x.reason !== null) parts.push(`reason: ${escapeControl(x.reason)}`);
    return parts.join('  ');
  });
  if (o.timedOut)
    lines.push(
      `${timeoutMs !== undefined ? `timed out after ${formatMs(timeoutMs)}` : 'stopped waiting'}: still running: ${o.pending.join(', ')}`,
    );
  return lines.join('\n');
}

/** Registers `await <session-id...>`. */
export function registerAwait(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  program
    .command('await')
    .description(
      'wait until sessions end and print their typed outcomes; exit 1 unless all completed (or on timeout)',
    )
    .argument('<session-id...>', 'the session ids (sess_…)')
    .option('--timeout <duration>', 'stop waiting after this long (30s, 10m, 2h); default: no limit')
    .action(async (sessionIds: string[], raw: { timeout?: string }, command: Command) => {
      const timeoutMs = raw.timeout === undefined ? undefined : parseDuration(raw.timeout);
      await ctx.run(
        command,
        async (g) => {
          if (raw.timeout !== undefined && timeoutMs === undefined)
            return err(
              usageError(`option '--timeout' expects a duration (30s, 10m, 2h), got '${raw.timeout}'`),
            );
          return executeAwait(deps, {
            ...homeOpt(g.home),
            sessionIds,
            ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          });
        },
        { text: (o) => renderAwait(o, timeoutMs), failed: (o) => !o.ok },
      );
    });
}
