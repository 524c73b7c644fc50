/**
 * `worktrain queue …`: the group's composition. Each subcommand (its `execute…` function, option parsing
 * and rendering) lives in `queue/`; the queue operations themselves are `@worktrain/queue`'s.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerQueueChanges } from './queue/change.js';
import { registerQueueInspect } from './queue/inspect.js';
import { registerQueueDeadLetters, registerQueueList } from './queue/list.js';
import { registerQueuePurge } from './queue/purge.js';
import { registerQueueStats } from './queue/stats.js';

export type { QueueTarget } from '../queue-access.js';
export type { QueueChangeOptions } from './queue/change.js';
export { executeQueueCancel, executeQueueRequeue } from './queue/change.js';
export type { QueueInspectOptions, QueueInspectOutput } from './queue/inspect.js';
export { executeQueueInspect } from './queue/inspect.js';
export type { QueueListOptions, QueueTasksOutput } from './queue/list.js';
export { executeQueueDeadLetters, executeQueueList } from './queue/list.js';
export { defaultActor, parseOlderThan, TASK_STATES } from './queue/options.js';
export type { QueuePurgeOptions, QueuePurgeOutput } from './queue/purge.js';
export { executeQueuePurge } from './queue/purge.js';
export type { QueueStatsOptions, QueueStatsOutput } from './queue/stats.js';
export { executeQueueStats } from './queue/stats.js';

/** Registers `worktrain queue list|inspect|dead-letters|requeue|cancel|stats|purge`. */
export function registerQueueCommands(program: Command, ctx: CommandContext): void {
  const queue = program
    .command('queue')
    .description('operate the task queue: list and inspect tasks, handle dead letters, retention');
  registerQueueList(queue, ctx);
  registerQueueInspect(queue, ctx);
  registerQueueDeadLetters(queue, ctx);
  registerQueueChanges(queue, ctx);
  registerQueueStats(queue, ctx);
  registerQueuePurge(queue, ctx);
}
