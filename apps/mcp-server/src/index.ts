/**
 * @worktrain/mcp-server: the WorkTrain MCP server, for embedding and tests. The `worktrain-mcp` bin
 * (src/main.ts) wires these to a SQLite store, file keys and the workflow directories.
 */

export type { Invocation, UsageError } from './args.js';
export { parseInvocation, USAGE } from './args.js';
export type { HttpServerOptions, RunningHttpServer } from './http.js';
export { startHttpServer } from './http.js';
export type { WorktrainMcpServerDeps } from './server.js';
export { createWorktrainMcpServer } from './server.js';
export type { RunningStdioServer, StdioServerOptions } from './stdio.js';
export { startStdioServer } from './stdio.js';
export type { McpLayerErrorCode, ToolName, ToolSpec } from './tools.js';
export { callTool, errorResult, TOOLS } from './tools.js';
