/**
 * How a pipeline child ended, read from its session log only (the runtime's own records, never the agent's
 * claim): its status, its typed artifacts, what it spent, and — for a delivered child — the PR/MR, the
 * pushed head, the checks delivery ran in the sandbox and the patch validator's verdict.
 */
import { createHash } from 'node:crypto';
import type { JsonObject, SessionEvent } from '@worktrain/contracts';
import type { ChildDelivery, ChildOutcome, ChildUsage } from '@worktrain/coordinator-kit';

type Recorded = Extract<SessionEvent, { kind: 'delivery_recorded' }>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Turns, tokens and USD of a session's model turns. */
export function usageOf(events: readonly SessionEvent[]): ChildUsage {
  let turns = 0;
  let tokens = 0;
  let costUsd = 0;
  for (const e of events) {
    if (e.kind !== 'llm_turn_completed') continue;
    turns += 1;
    tokens +=
      e.data.inputTokens +
      e.data.outputTokens +
      (e.data.cacheReadTokens ?? 0) +
      (e.data.cacheWriteTokens ?? 0);
    costUsd += e.data.costUsd ?? 0;
  }
  return { turns, tokens, costUsd };
}

/** The `wr.*` artifacts the session's steps produced, in order. */
function artifactsOf(events: readonly SessionEvent[]): JsonObject[] {
  const out: JsonObject[] = [];
  for (const e of events) {
    if (e.kind !== 'output_appended') continue;
    const data: Record<string, unknown> = { ...e.data };
    const artifacts = data.artifacts;
    if (!Array.isArray(artifacts)) continue;
    for (const a of artifacts) if (isObject(a) && typeof a.kind === 'string') out.push(a as JsonObject);
  }
  return out;
}

/** The last record of a delivery stage. */
function lastRecord(events: readonly SessionEvent[], stage: string): Recorded | undefined {
  let found: Recorded | undefined;
  for (const e of events) if (e.kind === 'delivery_recorded' && e.data.stage === stage) found = e;
  return found;
}

/** The delivery evidence of a delivered child, or null when its delivery did not succeed. */
export function deliveryOf(events: readonly SessionEvent[]): ChildDelivery | null {
  const done = lastRecord(events, 'delivery');
  if (done === undefined || done.data.outcome !== 'succeeded') return null;
  const details: Record<string, unknown> = { ...done.data.details };
  const number = Number(details.pullRequestNumber);
  const url = done.data.url;
  const headSha = done.data.commitSha;
  if (url === undefined || headSha === undefined || !Number.isInteger(number)) return null;
  const validate = lastRecord(events, 'validate');
  const validated: Record<string, unknown> = { ...(validate?.data.details ?? {}) };
  const paths = Array.isArray(validated.paths) ? validated.paths.filter((p) => typeof p === 'string') : [];
  const checks = lastRecord(events, 'checks');
  const checkDetails: Record<string, unknown> = { ...(checks?.data.details ?? {}) };
  const results = Array.isArray(checkDetails.checks) ? checkDetails.checks.filter(isObject) : null;
  return {
    url,
    number,
    branch: typeof details.branch === 'string' ? details.branch : '',
    headSha,
    changedFiles: paths,
    checks:
      results === null
        ? null
        : {
            passed: checks?.data.outcome === 'succeeded' && results.every((r) => r.passed === true),
            results: results.map((r) => ({
              name: String(r.name ?? ''),
              exitCode: typeof r.exitCode === 'number' ? r.exitCode : null,
              timedOut: r.timedOut === true,
              outputSha256: createHash('sha256')
                .update(`${String(r.stdout ?? '')}\u0000${String(r.stderr ?? '')}`)
                .digest('hex'),
            })),
          },
    // Delivery only pushes what the patch validator accepted: a succeeded `validate` is its pass.
    patch: { passed: validate?.data.outcome === 'succeeded', problems: [] },
  };
}

/** Why the session's task was dead-lettered (the last such trace after any continuation), or null. */
function deadLetter(events: readonly SessionEvent[]): string | null {
  let reason: string | null = null;
  for (const e of events) {
    if (e.kind === 'session_continued') reason = null;
    if (e.kind === 'decision_trace' && e.data.decision === 'task_dead_lettered') reason = e.data.reason;
  }
  return reason;
}

/**
 * The outcome of child `key` from its events, or null while it still runs. A delivered child has ended
 * once its delivery is recorded (succeeded, skipped or failed); a review once its session completed.
 */
export function childOutcome(
  key: string,
  sessionId: string,
  deliver: boolean,
  events: readonly SessionEvent[],
): ChildOutcome | null {
  const usage = usageOf(events);
  const base = { key, sessionId, usage };
  const aborted = events.find((e) => e.kind === 'session_aborted');
  if (aborted?.kind === 'session_aborted')
    return { ...base, status: 'killed', reason: `${aborted.data.actor}: ${aborted.data.reason}` };
  let completed: Extract<SessionEvent, { kind: 'session_completed' }> | undefined;
  let budget: Extract<SessionEvent, { kind: 'budget_exceeded' }> | undefined;
  for (const e of events) {
    if (e.kind === 'session_completed') completed = e;
    if (e.kind === 'budget_exceeded') budget = e;
    if (e.kind === 'session_continued') {
      completed = undefined;
      budget = undefined;
    }
  }
  const dead = deadLetter(events);
  if (completed?.data.outcome === 'failure' || (dead !== null && completed === undefined)) {
    if (budget?.data.budget === 'pipeline')
      return { ...base, status: 'budget_stop', reason: "the pipeline's budget is spent" };
    return { ...base, status: 'failed', reason: completed?.data.summary ?? dead ?? 'failed' };
  }
  if (completed === undefined) return null;
  if (!deliver) return { ...base, status: 'completed', artifacts: artifactsOf(events), delivery: null };
  const done = lastRecord(events, 'delivery');
  if (done === undefined) return dead === null ? null : { ...base, status: 'failed', reason: dead };
  if (done.data.outcome === 'awaiting_approval') return null;
  if (done.data.outcome === 'failed')
    return { ...base, status: 'failed', reason: `delivery failed: ${JSON.stringify(done.data.details)}` };
  return { ...base, status: 'completed', artifacts: artifactsOf(events), delivery: deliveryOf(events) };
}
