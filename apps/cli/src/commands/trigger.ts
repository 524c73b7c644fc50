/**
 * `worktrain trigger list|validate|test|fire|next-runs`: the group's composition. Each subcommand lives in
 * `trigger/`; loading, checking, dry runs and firing are `@worktrain/triggers`' (loaded when a command runs).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerTriggerFire } from './trigger/fire.js';
import { registerTriggerList } from './trigger/list.js';
import { registerTriggerNextRuns } from './trigger/next-runs.js';
import { registerTriggerTest } from './trigger/test-event.js';
import { registerTriggerValidate } from './trigger/validate.js';

export type { MissingFile, TriggerConfigOptions } from './trigger/config.js';
export { fromTriggerError, loadConfig } from './trigger/config.js';
export { executeTriggerFire, type TriggerFireOutput } from './trigger/fire.js';
export {
  executeTriggerList,
  type TriggerListOutput,
  type TriggerSummary,
} from './trigger/list.js';
export { executeTriggerNextRuns, type TriggerNextRunsOptions } from './trigger/next-runs.js';
export { executeTriggerTest, type TriggerTestOptions } from './trigger/test-event.js';
export { executeTriggerValidate, type TriggerValidateOutput } from './trigger/validate.js';

/** Registers `worktrain trigger list|validate|test|fire|next-runs`. */
export function registerTriggerCommands(program: Command, ctx: CommandContext): void {
  const trigger = program
    .command('trigger')
    .description('inspect, validate, dry-run and fire triggers (triggers.yaml)');
  registerTriggerList(trigger, ctx);
  registerTriggerValidate(trigger, ctx);
  registerTriggerTest(trigger, ctx);
  registerTriggerFire(trigger, ctx);
  registerTriggerNextRuns(trigger, ctx);
}
