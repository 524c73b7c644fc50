/**
 * The daemon's {@link SessionLauncher} (issue #15): a pipeline's children are ordinary daemon sessions with
 * the pipeline as `parentSessionId`, run by the same workers as any task — worktree, sandbox, agent,
 * delivery. `spawn` starts the child's session (engine, autonomous mode) and enqueues a `resume` task for it
 * with the idempotency key `pipeline:<pipelineId>:<key>`; a spawn repeated after a crash finds the child by
 * its parent and key first, so no child starts twice. `await` reads each child's outcome from its session
 * log (woken by the daemon's events, polling as a fallback). The pipeline's budget gate is handed to each
 * child's agent run (`sharedBudgetFor`), which checks it before every model request.
 */
import type { SharedBudget } from '@worktrain/agent';
import { type Clock, err, type JsonObject, type Logger, ok, type Result, sleep } from '@worktrain/contracts';
import {
  type BudgetGate,
  type ChildHandle,
  type ChildOutcome,
  type CoordinatorError,
  coordinatorError,
  type SessionLauncher,
} from '@worktrain/coordinator-kit';
import type { Engine } from '@worktrain/engine';
import type { TaskQueue } from '@worktrain/queue';
import type { SessionStore } from '@worktrain/session-store';
import type { DaemonEventBus } from '../daemon-events.js';
import type { DeliveryTemplates } from '../delivery-template.js';
import { META_KEY, metaToJson, type PipelineChildMeta, readMeta } from '../lifecycle/session-meta.js';
import type { DeliveryTarget } from '../payload.js';
import { readAll } from '../session-log.js';
import type { TaskSessions } from '../task-sessions.js';
import { childOutcome } from './child-outcome.js';

/** Default ms between two reads of a child's log while nothing wakes the await. */
export const CHILD_POLL_INTERVAL_MS = 1_000;

/** What the launcher needs from the daemon. */
export interface SessionLauncherDeps {
  readonly engine: Engine;
  readonly store: SessionStore;
  readonly queue: TaskQueue;
  /** The queue the daemon's session workers claim from. */
  readonly queueName: string;
  readonly taskSessions: TaskSessions;
  readonly templates: DeliveryTemplates;
  readonly events: DaemonEventBus;
  /** Where a pipeline's changes are delivered (from its input); null: nowhere (work stays on the branch). */
  readonly targetOf: (pipelineId: string) => DeliveryTarget | null;
  /** The kill switch (`ops.kill`): stops a running child or aborts a parked one. */
  readonly kill: (sessionId: string, actor: string, reason: string) => Promise<unknown>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
}

/** The launcher plus the hook the task lifecycle asks for a child's shared budget. */
export interface RuntimeSessionLauncher extends SessionLauncher {
  /** The shared budget of a pipeline child's agent run; undefined outside a pipeline. */
  sharedBudgetFor(sessionId: string): Promise<SharedBudget | undefined>;
}

const NO_TARGET: DeliveryTarget = {
  forge: 'github',
  repo: null,
  issueNumber: null,
  noteOn: 'issue',
  jiraIssueKey: null,
};

export function createSessionLauncher(deps: SessionLauncherDeps): RuntimeSessionLauncher {
  const log = deps.logger.child({ component: 'pipelines' });
  /** The budget gate of each pipeline this daemon runs (set by spawn and await). */
  const gates = new Map<string, BudgetGate>();
  /** Children this process knows: session → pipeline, key, delivered or not. */
  const children = new Map<string, PipelineChildMeta>();

  async function childMeta(sessionId: string): Promise<PipelineChildMeta | null> {
    const known = children.get(sessionId);
    if (known !== undefined) return known;
    const meta = await readMeta(deps.store, sessionId);
    if (meta?.pipeline == null) return null;
    children.set(sessionId, meta.pipeline);
    return meta.pipeline;
  }

  /** A child started before a crash: the session under `pipelineId` whose meta names `key`. */
  async function findChild(pipelineId: string, key: string): Promise<string | null> {
    const listed = await deps.store.listSessions({ parentSessionId: pipelineId, limit: 1000 });
    if (listed.isErr()) return null;
    for (const s of listed.value) {
      const meta = await childMeta(s.sessionId);
      if (meta?.key === key) return s.sessionId;
    }
    return null;
  }

  const spawnError = (key: string, workflowId: string, message: string, cause?: string) =>
    err(
      coordinatorError('SPAWN_FAILED', `${key} (${workflowId}) did not start: ${message}`, {
        key,
        workflowId,
        ...(cause === undefined ? {} : { cause }),
      }),
    );

  const launcher: RuntimeSessionLauncher = {
    async spawn(pipelineId, request, budget) {
      gates.set(pipelineId, budget);
      const child: PipelineChildMeta = {
        pipelineId,
        key: request.key,
        branch: request.branch ?? null,
        deliver: request.deliver,
      };
      let sessionId = await findChild(pipelineId, request.key);
      if (sessionId === null) {
        const target = (request.deliver ? deps.targetOf(pipelineId) : null) ?? NO_TARGET;
        const idempotencyKey = `pipeline:${pipelineId}:${request.key}`;
        let template: JsonObject = {};
        if (request.deliver && target.repo !== null)
          template = await deps.templates.context(request.workspace, target, undefined);
        const started = await deps.engine.startWorkflow({
          workflowId: request.workflowId,
          goal: request.goal,
          workspacePath: request.workspace,
          parentSessionId: pipelineId,
          context: {
            ...request.context,
            ...template,
            // A child has no task of its own when it starts: its meta names the task's idempotency key.
            [META_KEY]: metaToJson({
              taskId: idempotencyKey,
              repoPath: request.workspace,
              triggerId: null,
              target,
              pipeline: child,
            }),
          },
          mode: 'autonomous',
          source: 'coordinator',
        });
        if (started.isErr())
          return spawnError(request.key, request.workflowId, started.error.message, started.error.code);
        sessionId = started.value.sessionId;
      }
      children.set(sessionId, child);
      const enqueued = await deps.queue.enqueue({
        queue: deps.queueName,
        payload: { kind: 'resume', sessionId },
        dedupeKey: `pipeline:${pipelineId}:${request.key}`,
        actor: `pipeline:${pipelineId}`,
      });
      if (enqueued.isErr())
        return spawnError(request.key, request.workflowId, enqueued.error.message, enqueued.error.code);
      deps.taskSessions.set(enqueued.value.task.id, sessionId);
      deps.events.emit({ type: 'task_enqueued', taskId: enqueued.value.task.id, data: { pipelineId } });
      log.info({ pipelineId, key: request.key, sessionId, workflowId: request.workflowId }, 'child spawned');
      return ok({ key: request.key, sessionId });
    },

    async await(handles, options) {
      const deadline = deps.clock.now() + options.timeoutMs;
      for (const h of handles) {
        const meta = await childMeta(h.sessionId);
        if (meta !== null && options.budget !== undefined) gates.set(meta.pipelineId, options.budget);
      }
      const outcomes = new Map<string, ChildOutcome>();
      // One wake-up per daemon event of a child (a session ending, a delivery recorded), else a poll.
      let wake: (() => void) | null = null;
      const ids = new Set(handles.map((h) => h.sessionId));
      const unsubscribe = deps.events.subscribe((e) => {
        if (e.sessionId !== undefined && ids.has(e.sessionId)) wake?.();
      });
      try {
        for (;;) {
          for (const h of handles) {
            if (outcomes.has(h.key)) continue;
            const outcome = await readOutcome(h);
            if (outcome.isErr()) return err(outcome.error);
            if (outcome.value !== null) outcomes.set(h.key, outcome.value);
          }
          if (outcomes.size === handles.length)
            return ok(handles.map((h) => outcomes.get(h.key) as ChildOutcome));
          if (options.signal?.aborted === true)
            return err(coordinatorError('AWAIT_CANCELLED', 'The await was cancelled.'));
          const left = deadline - deps.clock.now();
          if (left <= 0)
            return err(
              coordinatorError('AWAIT_TIMEOUT', `Children still ran after ${options.timeoutMs} ms.`, {
                pending: handles.filter((h) => !outcomes.has(h.key)).map((h) => h.key),
                timeoutMs: options.timeoutMs,
              }),
            );
          const stop = new AbortController();
          wake = () => stop.abort();
          const onAbort = () => stop.abort();
          options.signal?.addEventListener('abort', onAbort, { once: true });
          await sleep(Math.min(left, deps.pollIntervalMs ?? CHILD_POLL_INTERVAL_MS), stop.signal);
          options.signal?.removeEventListener('abort', onAbort);
          wake = null;
        }
      } finally {
        unsubscribe();
      }
    },

    async stop(handles, reason) {
      for (const h of handles) {
        try {
          await deps.kill(h.sessionId, 'coordinator', reason);
        } catch (thrown) {
          log.warn({ sessionId: h.sessionId, error: String(thrown) }, 'child not stopped');
        }
      }
    },

    async sharedBudgetFor(sessionId) {
      const meta = await childMeta(sessionId);
      if (meta === null) return undefined;
      const { pipelineId, key } = meta;
      return {
        // The gate is looked up on each call: a restarted pipeline registers a new one.
        charge: (delta) => gates.get(pipelineId)?.charge(key, delta),
        exhausted: () => gates.get(pipelineId)?.exhausted() ?? null,
      };
    },
  };

  async function readOutcome(handle: ChildHandle): Promise<Result<ChildOutcome | null, CoordinatorError>> {
    const meta = await childMeta(handle.sessionId);
    const events = await readAll(deps.store, handle.sessionId);
    if (events.isErr())
      return err(
        coordinatorError('SPAWN_FAILED', `The log of ${handle.key} (${handle.sessionId}) cannot be read.`, {
          key: handle.key,
          cause: events.error.code,
        }),
      );
    return ok(childOutcome(handle.key, handle.sessionId, meta?.deliver ?? true, events.value));
  }

  return launcher;
}
