/**
 * Operations on the queue and triggers: dispatch a task, list and fire triggers, list, requeue and count
 * tasks, and the webhook counters the metrics endpoint reports.
 */
import { err, ok } from '@worktrain/contracts';
import type { TriggerScheduler } from '@worktrain/triggers';
import { runtimeError } from '../errors.js';
import type { Operations, WebhookCounters } from '../operations.js';
import type { RuntimeParts } from '../runtime.js';
import { internal } from './shared.js';

/** The queue and trigger operations of {@link Operations}. */
export type QueueOperations = Pick<
  Operations,
  'webhooks' | 'dispatch' | 'listTriggers' | 'fireTrigger' | 'listTasks' | 'requeue' | 'queueStats'
>;

/** Webhook answers counted by trigger id and HTTP status, in memory (since the daemon started). */
export function createWebhookCounters(): WebhookCounters {
  const counters = new Map<string, number>();
  return {
    count: (triggerId, status) => {
      const key = `${triggerId}\u0000${status}`;
      counters.set(key, (counters.get(key) ?? 0) + 1);
    },
    snapshot: () =>
      [...counters.entries()].map(([key, count]) => {
        const [triggerId = '', status = '0'] = key.split('\u0000');
        return { triggerId, status: Number(status), count };
      }),
  };
}

/** Builds the queue and trigger operations over the runtime's parts and the trigger scheduler. */
export function createQueueOperations(
  parts: Pick<RuntimeParts, 'queue' | 'router' | 'config' | 'events'>,
  scheduler: TriggerScheduler,
): QueueOperations {
  const { queue, config, events } = parts;
  return {
    webhooks: createWebhookCounters(),
    async dispatch(payload, actor) {
      const enq = await queue.enqueue({ queue: config.queue.name, payload, actor });
      if (enq.isErr()) return err(internal(enq.error));
      events.emit({
        type: 'task_enqueued',
        taskId: enq.value.task.id,
        data: { workflowId: payload.workflowId },
      });
      return ok(enq.value);
    },
    listTriggers() {
      return parts.router.config.triggers.map((t) => ({
        id: t.id,
        provider: t.providerName,
        workflowId: t.workflowId,
        pipeline: t.pipeline,
        workspace: t.workspace,
        enabled: t.enabled,
        events: t.events,
        webhook: t.provider.webhook !== undefined,
        queue: t.queue,
      }));
    },
    async fireTrigger(triggerId) {
      const found = parts.router.trigger(triggerId);
      if (found.isErr()) return err(runtimeError('TASK_NOT_FOUND', found.error.message, { triggerId }));
      const report = await scheduler.fire(triggerId);
      if (report.error)
        return err(runtimeError('INVALID_STATE', report.error.message, { cause: report.error.code }));
      return ok({
        triggerId,
        outcomes: report.outcomes.map((o) => ({ status: o.status, taskId: o.taskId, reason: o.reason })),
      });
    },
    async listTasks(filter) {
      const listed = await queue.list({
        queue: config.queue.name,
        ...(filter.state !== undefined ? { state: filter.state } : {}),
        limit: filter.limit ?? 100,
      });
      return listed.isOk() ? ok(listed.value) : err(internal(listed.error));
    },
    async requeue(taskId, reason, actor) {
      const r = await queue.requeue({ taskId, reason, actor });
      if (r.isOk()) return ok(r.value);
      if (r.error.code === 'TASK_NOT_FOUND') return err(runtimeError('TASK_NOT_FOUND', r.error.message));
      if (r.error.code === 'INVALID_STATE') return err(runtimeError('INVALID_STATE', r.error.message));
      return err(internal(r.error));
    },
    async queueStats() {
      const s = await queue.stats();
      return s.isOk() ? ok(s.value) : err(internal(s.error));
    },
  };
}
