/**
 * The daemon's facts about a session, kept in its initial context under `daemon` (task, repository,
 * delivery target, trigger), so recovery after a crash needs no other state.
 */
import type { JsonObject } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import { type DeliveryTarget, targetFromJson, targetToJson } from '../payload.js';

/** Daemon facts kept in a session's initial context under `daemon`, so recovery needs no other state. */
export interface DaemonMeta {
  readonly taskId: string;
  readonly repoPath: string;
  readonly target: DeliveryTarget;
  /** The trigger that made the task (absent for dispatches through the API or CLI). */
  readonly triggerId: string | null;
}

/** The context key the meta is stored under. */
export const META_KEY = 'daemon';

/**
 * The meta of a new session as JSON: the task, the repository, the trigger (whose `callbackUrl`, read from
 * triggers.yaml and never stored, also gets notifications) and the delivery target.
 */
export function metaToJson(input: {
  readonly taskId: string;
  readonly repoPath: string;
  readonly triggerId: string | null;
  readonly target: DeliveryTarget;
}): JsonObject {
  return {
    taskId: input.taskId,
    repoPath: input.repoPath,
    ...(input.triggerId === null ? {} : { triggerId: input.triggerId }),
    ...targetToJson(input.target),
  };
}

/** The meta in a `session_created` context value; null when it is not one the daemon wrote. */
export function parseMeta(value: unknown): DaemonMeta | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v: Record<string, unknown> = { ...value };
  if (typeof v.taskId !== 'string' || typeof v.repoPath !== 'string') return null;
  return {
    taskId: v.taskId,
    repoPath: v.repoPath,
    target: targetFromJson(v),
    triggerId: typeof v.triggerId === 'string' ? v.triggerId : null,
  };
}

/** The meta of a session, from its first event; null for an unreadable log or a session the daemon did not start. */
export async function readMeta(store: SessionStore, sessionId: string): Promise<DaemonMeta | null> {
  const first = await store.readEvents(sessionId, { limit: 1 });
  if (first.isErr()) return null;
  const created = first.value[0];
  if (created?.kind !== 'session_created') return null;
  return parseMeta(created.data.context[META_KEY]);
}
