import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Logger } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import { silentLogger } from './light.js';
import { callTool, TOOLS } from './tools.js';

/** Dependencies of {@link createWorktrainMcpServer}. */
export interface WorktrainMcpServerDeps {
  /** The engine every tool call goes to. One engine may serve many MCP servers (one per HTTP session). */
  readonly engine: Engine;
  /** Structured logger (stderr in the bin). Default: silent. */
  readonly logger?: Logger;
  /** Version reported in `serverInfo` (default '0.0.0'). */
  readonly version?: string;
}

const INSTRUCTIONS = [
  'WorkTrain runs step-by-step workflows. Find one with list_workflows, run it with start_workflow, and after',
  'each step call continue_workflow with the token from the latest response and your output. The engine checks',
  'your output and records every step durably; resume_session finds earlier runs.',
].join(' ');

/**
 * The SDK's JSON Schema validator (Ajv), built on first use. The SDK only needs it to check elicitation
 * answers, which WorkTrain never requests; building Ajv eagerly costs ~5 ms of every cold start.
 */
function lazyAjvValidator(): jsonSchemaValidator {
  let inner: AjvJsonSchemaValidator | undefined;
  return {
    getValidator(schema) {
      inner ??= new AjvJsonSchemaValidator();
      return inner.getValidator(schema);
    },
  };
}

/**
 * Builds an MCP server exposing the six WorkRail-compatible tools over `deps.engine`. Not yet connected:
 * call `server.connect(transport)`.
 *
 * tools/list comes from the SDK (JSON Schema generated from our zod schemas). tools/call is ours: the
 * SDK's default handler turns validation failures and unknown tools into bare text, while our clients get a
 * typed body `{code, message, details}` (`isError: true`) for every failure: unknown tool (UNKNOWN_TOOL),
 * bad arguments (INPUT_INVALID), engine errors (the engine's code), thrown bugs (INTERNAL_ERROR).
 */
export function createWorktrainMcpServer(deps: WorktrainMcpServerDeps): McpServer {
  const logger = deps.logger ?? silentLogger;
  const server = new McpServer(
    { name: 'worktrain', title: 'WorkTrain', version: deps.version ?? '0.0.0' },
    {
      capabilities: { tools: { listChanged: false } },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: lazyAjvValidator(),
    },
  );
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema,
        annotations: tool.annotations,
      },
      // Never reached: tools/call is routed to callTool below. Kept so the SDK's registry stays complete.
      (): CallToolResult => ({ isError: true, content: [{ type: 'text', text: 'unreachable' }] }),
    );
  }
  server.server.removeRequestHandler(CallToolRequestSchema.shape.method.value);
  server.server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(deps.engine, request.params.name, request.params.arguments, logger),
  );
  return server;
}
