/**
 * `worktrain sessions list|show|events|verify`: the group's composition over the session store. Each
 * subcommand lives in `sessions/`; `kill`, `resume` (daemon API, ops/) and `continue` are added by their own
 * modules.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerSessionsEvents } from './sessions/events.js';
import { registerSessionsList } from './sessions/list.js';
import { registerSessionsShow } from './sessions/show.js';
import { registerSessionsVerify } from './sessions/verify.js';

export type {
  SessionsEventsOptions,
  SessionsEventsOutput,
  SessionsFollowOptions,
} from './sessions/events.js';
export { executeSessionsEvents, executeSessionsFollow } from './sessions/events.js';
export type {
  DeliverySignal,
  SessionListItem,
  SessionsListOptions,
  SessionsListOutput,
} from './sessions/list.js';
export { deliverySignal, executeSessionsList } from './sessions/list.js';
export { SESSION_STATUSES } from './sessions/options.js';
export type { SessionShowOutput, SessionsShowOptions } from './sessions/show.js';
export { executeSessionsShow } from './sessions/show.js';
export type { SessionsTreeOutput, SessionTreeNode } from './sessions/tree.js';
export { executeSessionsTree } from './sessions/tree.js';
export type { SessionsVerifyOptions } from './sessions/verify.js';
export { executeSessionsVerify } from './sessions/verify.js';

/** Registers `worktrain sessions list|show|events|verify`. */
export function registerSessionsCommands(program: Command, ctx: CommandContext): void {
  const sessions = program.command('sessions').description('inspect recorded sessions and their event logs');
  registerSessionsList(sessions, ctx);
  registerSessionsShow(sessions, ctx);
  registerSessionsEvents(sessions, ctx);
  registerSessionsVerify(sessions, ctx);
}
