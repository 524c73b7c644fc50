import { err, ok, type Result } from '@worktrain/contracts';
import { type TaskCandidate, TaskCandidateSchema } from '../candidate.js';
import { evaluateCondition } from '../condition.js';
import type { TriggerDefinition } from '../config/schema.js';
import type { TriggerError } from '../errors.js';
import { compilePath, queryPath } from '../jsonpath.js';
import type { ParsedEvent } from '../provider.js';
import { renderTemplate } from '../template.js';

/** The dry-run verdict on one event (what `worktrain trigger test` prints). */
export interface Evaluation {
  readonly matched: boolean;
  readonly candidate: TaskCandidate | null;
  readonly reason: string | null;
  /** Set when the event matched but the goal could not be rendered (recorded as an error event). */
  readonly error?: TriggerError;
}

/** True when `event` (`issues.labeled`) is selected by a filter entry (`issues.labeled` or `issues`). */
export function eventSelected(filter: readonly string[] | null, event: string): boolean {
  if (filter === null) return true;
  return filter.some((f) => f === event || (!f.includes('.') && event.startsWith(`${f}.`)) || f === '*');
}

/**
 * Decides whether `parsed` makes a task for `trigger`, in order: the `events` filter, the provider's own
 * verdict (no item → its reason), `dispatchCondition`, then the goal (`goalTemplate`, else title, body and
 * link) and `contextMapping` (into `metadata.context`). Pure: no IO.
 */
export function evaluateEvent(trigger: TriggerDefinition, parsed: ParsedEvent): Evaluation {
  if (!eventSelected(trigger.events, parsed.event))
    return no(`event ${parsed.event} is not in events [${(trigger.events ?? []).join(', ')}]`);
  if (parsed.draft === null) return no(parsed.reason ?? `event ${parsed.event} carries no item to work on`);
  if (trigger.dispatchCondition !== null) {
    const c = evaluateCondition(trigger.dispatchCondition, parsed.payload);
    if (!c.matched) return no(c.reason ?? 'dispatchCondition did not hold');
  }
  const draft = parsed.draft;
  const goal =
    trigger.goalTemplate === null
      ? ok(defaultGoal(draft))
      : renderTemplate(trigger.goalTemplate, parsed.payload);
  if (goal.isErr()) return { matched: false, candidate: null, reason: goal.error.message, error: goal.error };
  const context: Record<string, unknown> = {};
  for (const [key, path] of Object.entries(trigger.contextMapping)) {
    const compiled = compilePath(path);
    if (compiled.isOk()) context[key] = queryPath(compiled.value, parsed.payload)[0] ?? null;
  }
  const built = buildCandidate(trigger, parsed, goal.value, context);
  if (built.isErr()) return no(built.error);
  return { matched: true, candidate: built.value, reason: null };
}

function no(reason: string): Evaluation {
  return { matched: false, candidate: null, reason };
}

function defaultGoal(draft: NonNullable<ParsedEvent['draft']>): string {
  const parts = [draft.title.trim()];
  if (draft.url) parts.push(`Source: ${draft.url}`);
  if (draft.body && draft.body.trim().length > 0) parts.push(draft.body.trim());
  const goal = parts.filter((p) => p.length > 0).join('\n\n');
  return goal.length > 0 ? goal : draft.sourceId;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function buildCandidate(
  trigger: TriggerDefinition,
  parsed: ParsedEvent,
  goal: string,
  context: Record<string, unknown>,
): Result<TaskCandidate, string> {
  const d = parsed.draft;
  if (d === null) return err('no item');
  const metadata: Record<string, unknown> = {
    ...(d.metadata ?? {}),
    event: parsed.event,
    provider: trigger.providerName,
  };
  if (Object.keys(context).length > 0) metadata.context = context;
  const candidate = TaskCandidateSchema.safeParse({
    sourceId: d.sourceId,
    title: clip(d.title, 1024),
    body: clip(d.body ?? '', 65_536),
    url: d.url ?? null,
    labels: (d.labels ?? []).slice(0, 100).map((l) => clip(l, 256)),
    author: d.author ?? null,
    goal: clip(goal, 65_536),
    workspace: trigger.workspace,
    metadata: JSON.parse(JSON.stringify(metadata)) as unknown,
    triggerId: trigger.id,
    ...(trigger.pipeline !== null
      ? { pipeline: trigger.pipeline }
      : trigger.workflowId !== null
        ? { workflowId: trigger.workflowId }
        : {}),
  });
  if (!candidate.success)
    return err(
      `candidate is invalid: ${candidate.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return ok(candidate.data);
}
