/**
 * Operator commands over the daemon and the runtime: `worktrain run` (one session in this process, no
 * daemon), `sessions kill|resume` (the kill switch and resume, through the daemon's API; `sessions continue`
 * is in sessions-continue.ts), `status`, `logs`.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerLogs } from './ops/logs.js';
import { registerRun } from './ops/run.js';
import { registerSessionsKill, registerSessionsResume } from './ops/session-control.js';
import { registerStatus } from './ops/status.js';
import { registerSessionsContinue } from './sessions-continue.js';

export { executeLogs, type LogLine } from './ops/logs.js';
export { executeRun, type RunOutput } from './ops/run.js';
export { executeSessionsKill, executeSessionsResume, renderKills } from './ops/session-control.js';
export { executeStatus, type StatusOutput } from './ops/status.js';

/** Registers `run`, `sessions kill|resume|continue`, `status` and `logs`. */
export function registerOpsCommands(program: Command, ctx: CommandContext): void {
  registerRun(program, ctx);
  const sessions = program.commands.find((c) => c.name() === 'sessions') ?? program.command('sessions');
  registerSessionsKill(sessions, ctx);
  registerSessionsResume(sessions, ctx);
  registerSessionsContinue(sessions, ctx);
  registerStatus(program, ctx);
  registerLogs(program, ctx);
}
