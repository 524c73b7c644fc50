/**
 * `worktrain spawn` and `worktrain await`: a session started as a child of a session or pipeline, and a wait
 * for sessions' typed outcomes — the coordinator kit's spawn/await from the command line, over the daemon.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerAwait } from './coordination/await.js';
import { registerSpawn } from './coordination/spawn.js';
import { registerTell } from './coordination/tell.js';

export type { AwaitOutcome, AwaitOutput } from './coordination/await.js';
export { executeAwait } from './coordination/await.js';
export type { SpawnOptions, SpawnOutput } from './coordination/spawn.js';
export { DEFAULT_SPAWN_WAIT_MS, executeSpawn } from './coordination/spawn.js';
export type { TellOutput } from './coordination/tell.js';
export { executeTell } from './coordination/tell.js';

/** Registers `spawn`, `await` and `tell`. */
export function registerCoordinationCommands(program: Command, ctx: CommandContext): void {
  registerSpawn(program, ctx);
  registerAwait(program, ctx);
  registerTell(program, ctx);
}
