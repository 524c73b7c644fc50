/** `worktrain queue inspect <id>`: one task with its audit trail. */
import { err, ok, type Result } from '@worktrain/contracts';
import type { AuditEntry, Task } from '@worktrain/queue';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { renderTaskInspect } from '../../format/queue.js';
import type { CommandContext } from '../../program.js';
import { fromQueueError, type QueueTarget, taskNotFoundNoDatabase, withQueue } from '../../queue-access.js';
import { type TargetFlags, targetOf, withTargetOptions } from './options.js';

export interface QueueInspectOptions extends QueueTarget {
  readonly taskId: string;
}

export interface QueueInspectOutput {
  readonly task: Task;
  /** The audit trail, oldest first: every transition with actor, from, to, at and reason. */
  readonly history: readonly AuditEntry[];
}

/** `worktrain queue inspect <id>`: the task (payload, last error, lease) and its audit trail. */
export async function executeQueueInspect(
  deps: CliDeps,
  opts: QueueInspectOptions,
): Promise<Result<QueueInspectOutput, CliError>> {
  return withQueue(
    deps,
    opts,
    (q, lib) => lib.executeQueueInspect(q, { id: opts.taskId }).mapErr((e) => fromQueueError(e)),
    'read-only',
  ).andThen((r) => (r === null ? err(taskNotFoundNoDatabase(opts.taskId)) : ok(r)));
}

/** Registers `queue inspect <task-id>`. */
export function registerQueueInspect(queue: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  withTargetOptions(
    queue
      .command('inspect')
      .description('show a task: payload, attempts, lease, last error and its audit trail')
      .argument('<task-id>', 'the task id'),
  ).action(async (taskId: string, raw: TargetFlags, command: Command) => {
    await ctx.run(command, (globals) => executeQueueInspect(deps, { ...targetOf(globals, raw), taskId }), {
      text: (out) => renderTaskInspect(out.task, out.history),
    });
  });
}
