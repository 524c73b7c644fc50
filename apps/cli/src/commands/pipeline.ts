/**
 * `worktrain pipeline list|run|show|cancel|kinds`: pipelines on the daemon (`/api/v1/pipelines`). Each
 * subcommand lives in `pipeline/`; the pipelines themselves run in the daemon (coordinator-kit, runtime).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerPipelineInspect, registerPipelineList } from './pipeline/inspect.js';
import { registerPipelineRun } from './pipeline/run.js';

export {
  executePipelineCancel,
  executePipelineKinds,
  executePipelineList,
  executePipelineShow,
  PIPELINE_STATUSES,
} from './pipeline/inspect.js';
export type { PipelineRunOptions, PipelineRunOutput } from './pipeline/run.js';
export { executePipelineRun } from './pipeline/run.js';

/** Registers `worktrain pipeline list|run|show|cancel|kinds`. */
export function registerPipelineCommands(program: Command, ctx: CommandContext): void {
  const pipeline = program
    .command('pipeline')
    .description('run and inspect pipelines: classify → code → review → fix → merge, under one budget');
  registerPipelineList(pipeline, ctx);
  registerPipelineRun(pipeline, ctx);
  registerPipelineInspect(pipeline, ctx);
}
