/**
 * `worktrain queue requeue <id>` and `queue cancel <id>`: the operator's two state changes, each with a
 * reason and an actor recorded in the task's audit trail.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { Task } from '@worktrain/queue';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderTaskChange } from '../../format/queue.js';
import type { CommandContext } from '../../program.js';
import { fromQueueError, type QueueTarget, taskNotFoundNoDatabase, withQueue } from '../../queue-access.js';
import { defaultActor, parseReason, type TargetFlags, targetOf, withTargetOptions } from './options.js';

export interface QueueChangeOptions extends QueueTarget {
  readonly taskId: string;
  /** Why; recorded in the task's audit trail. */
  readonly reason: string;
  /** Who; recorded in the audit trail (the CLI defaults to `cli:$USER`). */
  readonly actor: string;
}

/**
 * `worktrain queue requeue <id> --reason …`: a dead letter back to `pending` with a fresh attempt budget.
 * Errors: TASK_NOT_FOUND; QUEUE_ERROR with `queueCode` INVALID_STATE when the task is not a dead letter.
 */
export async function executeQueueRequeue(
  deps: CliDeps,
  opts: QueueChangeOptions,
): Promise<Result<{ readonly task: Task }, CliError>> {
  return withQueue(deps, opts, (q, lib) =>
    lib
      .executeQueueRequeue(q, { id: opts.taskId, reason: opts.reason, actor: opts.actor })
      .mapErr((e) => fromQueueError(e)),
  ).andThen((r) => (r === null ? err(taskNotFoundNoDatabase(opts.taskId)) : ok(r)));
}

/**
 * `worktrain queue cancel <id> --reason …`: dead-letters an unfinished task with class `cancelled`.
 * Errors: TASK_NOT_FOUND; QUEUE_ERROR with `queueCode` INVALID_STATE when the task is already finished.
 */
export async function executeQueueCancel(
  deps: CliDeps,
  opts: QueueChangeOptions,
): Promise<Result<{ readonly task: Task }, CliError>> {
  return withQueue(deps, opts, (q, lib) =>
    lib
      .executeQueueCancel(q, { id: opts.taskId, reason: opts.reason, actor: opts.actor })
      .mapErr((e) => fromQueueError(e)),
  ).andThen((r) => (r === null ? err(taskNotFoundNoDatabase(opts.taskId)) : ok(r)));
}

/** Registers `queue requeue <task-id>` and `queue cancel <task-id>`. */
export function registerQueueChanges(queue: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  for (const [name, description, verb, execute] of [
    [
      'requeue',
      'put a dead letter back in its queue with a fresh attempt budget; the reason is recorded',
      'requeued',
      executeQueueRequeue,
    ],
    [
      'cancel',
      'cancel an unfinished task (it becomes a dead letter of class cancelled); the reason is recorded',
      'cancelled',
      executeQueueCancel,
    ],
  ] as const) {
    withTargetOptions(
      queue
        .command(name)
        .description(description)
        .argument('<task-id>', 'the task id')
        .requiredOption('--reason <text>', 'why (recorded in the audit trail)')
        .option('--actor <name>', 'who (recorded in the audit trail; default cli:$USER)'),
    ).action(
      async (taskId: string, raw: TargetFlags & { reason: string; actor?: string }, command: Command) => {
        await ctx.run(
          command,
          async (globals) => {
            const reason = parseReason(raw.reason);
            if (reason.isErr()) return err(reason.error);
            const actor = raw.actor?.trim() || defaultActor(deps.env);
            return execute(deps, { ...targetOf(globals, raw), taskId, reason: reason.value, actor });
          },
          { text: (out) => renderTaskChange(verb, out.task) },
        );
      },
    );
  }
}
