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
  /** Set when the session is a pipeline's child (its `parentSessionId` is the pipeline). */
  readonly pipeline: PipelineChildMeta | null;
}

/** A pipeline child's facts: which pipeline and key, where it works and whether it is delivered. */
export interface PipelineChildMeta {
  readonly pipelineId: string;
  /** The child's key in its pipeline (`code`, `review-2`, `fix-1`): unique, makes spawning idempotent. */
  readonly key: string;
  /** The change's head branch: the worktree starts from it on origin and delivery pushes to it. */
  readonly branch: string | null;
  /** False for a child whose result is only read (a review): nothing is committed, pushed or opened. */
  readonly deliver: boolean;
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
  readonly pipeline?: PipelineChildMeta | null;
}): JsonObject {
  const child = input.pipeline ?? null;
  return {
    taskId: input.taskId,
    repoPath: input.repoPath,
    ...(input.triggerId === null ? {} : { triggerId: input.triggerId }),
    ...targetToJson(input.target),
    ...(child === null
      ? {}
      : {
          pipeline: {
            pipelineId: child.pipelineId,
            key: child.key,
            deliver: child.deliver,
            ...(child.branch === null ? {} : { branch: child.branch }),
          },
        }),
  };
}

function parsePipelineMeta(value: unknown): PipelineChildMeta | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v: Record<string, unknown> = { ...value };
  if (typeof v.pipelineId !== 'string' || typeof v.key !== 'string') return null;
  return {
    pipelineId: v.pipelineId,
    key: v.key,
    branch: typeof v.branch === 'string' ? v.branch : null,
    deliver: v.deliver !== false,
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
    pipeline: parsePipelineMeta(v.pipeline),
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
