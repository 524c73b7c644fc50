import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ErrorBody, Logger, WorkTrainError } from '@worktrain/contracts';
import type { Engine, EngineError } from '@worktrain/engine';
import type { ResultAsync } from 'neverthrow';
import type * as z from 'zod';
import { isJsonArray, isJsonObject } from './json-guard.js';
import { describeThrown, toErrorBody } from './light.js';
import { renderStepResponse } from './render.js';
import { TOOL_DESCRIPTIONS, TOOL_TITLES } from './tool-descriptions.js';
import {
  CheckpointWorkflowInput,
  ContinueWorkflowInput,
  InspectWorkflowInput,
  ListWorkflowsInput,
  normalizeContinueInput,
  ResumeSessionInput,
  StartWorkflowInput,
} from './tool-schemas.js';

/**
 * Codes of errors raised by the MCP layer itself (engine errors pass through with the engine's codes):
 * - UNKNOWN_TOOL: no tool with that name.
 * - INPUT_INVALID: arguments failed the tool's schema (details.issues: [{path, message}]).
 * - INTERNAL_ERROR: a handler threw (a bug); the server keeps running.
 */
export type McpLayerErrorCode = 'UNKNOWN_TOOL' | 'INPUT_INVALID' | 'INTERNAL_ERROR';

export type ToolName = keyof typeof TOOL_DESCRIPTIONS;

interface ToolAnnotations {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

/** One tool as written: its wire schema (also shown in tools/list) and its handler over validated arguments. */
interface ToolDefinition<S extends z.ZodType> {
  readonly name: ToolName;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: S;
  readonly annotations: ToolAnnotations;
  run(engine: Engine, args: z.output<S>): Promise<CallToolResult>;
}

/** One tool as served: validation and handler joined, so the dispatcher needs no schema generics. */
export interface ToolSpec {
  readonly name: ToolName;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: z.ZodType;
  readonly annotations: ToolAnnotations;
  /** Validates `rawArgs` and runs the handler; an input error comes back as an error result. */
  invoke(engine: Engine, rawArgs: unknown): Promise<CallToolResult>;
}

function defineTool<S extends z.ZodType>(definition: ToolDefinition<S>): ToolSpec {
  const { run, ...rest } = definition;
  return {
    ...rest,
    invoke: (engine, rawArgs) => {
      const parsed = definition.inputSchema.safeParse(rawArgs ?? {});
      if (parsed.success) return run(engine, parsed.data);
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(root)',
        message: i.message,
      }));
      return Promise.resolve(
        errorResult({
          code: 'INPUT_INVALID',
          message: `Invalid arguments for ${definition.name}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          details: { tool: definition.name, issues },
        }),
      );
    },
  };
}

/** MCP error result: `isError: true`, body `{code, message, details}` as JSON text and structuredContent. */
export function errorResult(error: WorkTrainError): CallToolResult {
  const body: ErrorBody = toErrorBody(error);
  return {
    isError: true,
    content: [{ type: 'text', text: JSON.stringify(body) }],
    structuredContent: { ...body },
  };
}

function success(structured: object, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: { ...structured } };
}

async function fromEngine<T extends object>(
  result: ResultAsync<T, EngineError>,
  render: (value: T) => string,
): Promise<CallToolResult> {
  const outcome = await result;
  return outcome.isOk() ? success(outcome.value, render(outcome.value)) : errorResult(outcome.error);
}

function notJson(path: string): CallToolResult {
  return errorResult({
    code: 'INPUT_INVALID',
    message: `${path} must contain only JSON values (strings, finite numbers, booleans, null, arrays, objects).`,
    details: { issues: [{ path, message: 'not JSON' }] },
  });
}

/**
 * Text of the non-step tools (list, inspect, checkpoint, resume): the response as pretty JSON, as WorkRail
 * renders them, so clients that parse that text keep working. Step responses get a prose rendering.
 */
function asJson(value: object): string {
  return JSON.stringify(value, null, 2);
}

const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
const WRITES: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};

/** The six tools, WorkRail v2 names. */
export const TOOLS: readonly ToolSpec[] = [
  defineTool({
    name: 'list_workflows',
    title: TOOL_TITLES.list_workflows,
    description: TOOL_DESCRIPTIONS.list_workflows,
    inputSchema: ListWorkflowsInput,
    annotations: READ_ONLY,
    run: (engine, args) =>
      fromEngine(
        engine.listWorkflows(args.workspacePath ? { workspacePath: args.workspacePath } : {}),
        asJson,
      ),
  }),
  defineTool({
    name: 'inspect_workflow',
    title: TOOL_TITLES.inspect_workflow,
    description: TOOL_DESCRIPTIONS.inspect_workflow,
    inputSchema: InspectWorkflowInput,
    annotations: READ_ONLY,
    run: (engine, args) =>
      fromEngine(
        engine.inspectWorkflow({
          workflowId: args.workflowId,
          mode: args.mode,
          ...(args.workspacePath ? { workspacePath: args.workspacePath } : {}),
        }),
        asJson,
      ),
  }),
  defineTool({
    name: 'start_workflow',
    title: TOOL_TITLES.start_workflow,
    description: TOOL_DESCRIPTIONS.start_workflow,
    inputSchema: StartWorkflowInput,
    annotations: WRITES,
    run: (engine, args) => {
      if (args.context !== undefined && !isJsonObject(args.context))
        return Promise.resolve(notJson('context'));
      return fromEngine(
        engine.startWorkflow({
          workflowId: args.workflowId,
          source: 'mcp',
          ...(args.workspacePath ? { workspacePath: args.workspacePath } : {}),
          ...(args.goal ? { goal: args.goal } : {}),
          ...(args.context ? { context: args.context } : {}),
        }),
        (v) => renderStepResponse({ ...v, kind: 'ok' }, 'start'),
      );
    },
  }),
  defineTool({
    name: 'continue_workflow',
    title: TOOL_TITLES.continue_workflow,
    description: TOOL_DESCRIPTIONS.continue_workflow,
    inputSchema: ContinueWorkflowInput,
    annotations: { ...WRITES, idempotentHint: true },
    run: (engine, args) => {
      const normalized = normalizeContinueInput(args);
      if (!normalized.ok) {
        return Promise.resolve(
          errorResult({
            code: 'INPUT_INVALID',
            message: normalized.issues.map((i) => `${i.path}: ${i.message}`).join(' '),
            details: { issues: normalized.issues },
          }),
        );
      }
      const input = normalized.value;
      if (input.context !== undefined && !isJsonObject(input.context))
        return Promise.resolve(notJson('context'));
      const artifacts = input.output?.artifacts;
      if (artifacts !== undefined && !isJsonArray(artifacts))
        return Promise.resolve(notJson('output.artifacts'));
      return fromEngine(
        engine.continueWorkflow({
          continueToken: input.continueToken,
          intent: input.intent,
          ...(input.output
            ? {
                output: {
                  ...(input.output.notesMarkdown !== undefined
                    ? { notesMarkdown: input.output.notesMarkdown }
                    : {}),
                  ...(artifacts !== undefined ? { artifacts } : {}),
                },
              }
            : {}),
          ...(input.context ? { context: input.context } : {}),
          ...(input.workspacePath ? { workspacePath: input.workspacePath } : {}),
        }),
        (v) => renderStepResponse(v, input.intent),
      );
    },
  }),
  defineTool({
    name: 'checkpoint_workflow',
    title: TOOL_TITLES.checkpoint_workflow,
    description: TOOL_DESCRIPTIONS.checkpoint_workflow,
    inputSchema: CheckpointWorkflowInput,
    annotations: { ...WRITES, idempotentHint: true },
    run: (engine, args) =>
      fromEngine(engine.checkpointWorkflow({ checkpointToken: args.checkpointToken }), asJson),
  }),
  defineTool({
    name: 'resume_session',
    title: TOOL_TITLES.resume_session,
    description: TOOL_DESCRIPTIONS.resume_session,
    inputSchema: ResumeSessionInput,
    annotations: READ_ONLY,
    run: (engine, args) =>
      fromEngine(
        engine.resumeSession({
          ...(args.query ? { query: args.query } : {}),
          ...(args.sessionId ? { sessionId: args.sessionId } : {}),
          ...(args.workspacePath ? { workspacePath: args.workspacePath } : {}),
          ...(args.sameWorkspaceOnly !== undefined ? { sameWorkspaceOnly: args.sameWorkspaceOnly } : {}),
        }),
        asJson,
      ),
  }),
];

const TOOLS_BY_NAME: ReadonlyMap<string, ToolSpec> = new Map(TOOLS.map((t) => [t.name, t]));

/**
 * Runs one tool call end to end: look up, validate arguments with the tool's zod schema, call the engine,
 * render. Never throws and never rejects: every failure is an error result (`isError: true`).
 */
export async function callTool(
  engine: Engine,
  name: string,
  rawArgs: unknown,
  logger: Logger,
): Promise<CallToolResult> {
  const started = performance.now();
  const tool = TOOLS_BY_NAME.get(name);
  let result: CallToolResult;
  if (tool === undefined) {
    result = errorResult({
      code: 'UNKNOWN_TOOL',
      message: `No tool named "${name}". Available: ${[...TOOLS_BY_NAME.keys()].join(', ')}.`,
      details: { tool: name },
    });
  } else {
    try {
      result = await tool.invoke(engine, rawArgs);
    } catch (thrown) {
      logger.error({ tool: name, err: describeThrown(thrown) }, 'tool handler threw');
      result = errorResult({
        code: 'INTERNAL_ERROR',
        message: `Internal error in ${name}: ${describeThrown(thrown)}`,
      });
    }
  }
  const code = result.isError ? result.structuredContent?.code : undefined;
  logger.debug(
    { tool: name, ms: Math.round(performance.now() - started), ...(code ? { code } : {}) },
    'tool call',
  );
  return result;
}
