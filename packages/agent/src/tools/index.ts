import { type BashToolOptions, createBashTool } from './bash.js';
import { createEditFileTool, createReadFileTool, createWriteFileTool } from './files.js';
import { createGlobTool, createGrepTool } from './search.js';
import type { AgentTool, ToolLimits } from './types.js';
import {
  createCompleteStepTool,
  createReportIssueTool,
  createSignalCoordinatorTool,
} from './workflow-tools.js';

export interface DefaultToolsOptions {
  readonly limits?: Partial<ToolLimits>;
  readonly bash?: Omit<BashToolOptions, 'limits'>;
}

/** The standard tool set of DESIGN §7, in the order the model sees them. */
export function createDefaultTools(options: DefaultToolsOptions = {}): AgentTool[] {
  const limits = options.limits === undefined ? {} : { limits: options.limits };
  return [
    createBashTool({ ...options.bash, ...limits }),
    createReadFileTool(limits),
    createWriteFileTool(limits),
    createEditFileTool(limits),
    createGlobTool(limits),
    createGrepTool(limits),
    createCompleteStepTool(),
    createReportIssueTool(),
    createSignalCoordinatorTool(),
  ];
}
