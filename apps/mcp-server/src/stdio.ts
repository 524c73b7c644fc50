import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import { describeThrown, silentLogger } from './light.js';
import { createWorktrainMcpServer } from './server.js';

/** Options of {@link startStdioServer}. */
export interface StdioServerOptions {
  readonly engine: Engine;
  readonly logger?: Logger;
  readonly version?: string;
  /** Default `process.stdin` / `process.stdout`. stdout carries the protocol only: log to stderr. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /**
   * Largest single message accepted, in bytes (default 67 108 864 = 64 MiB). The SDK transport closes when
   * its buffer overflows, so this is set well above what the engine accepts (it refuses large notes with
   * OUTPUT_TOO_LARGE as a normal error result instead).
   */
  readonly maxMessageBytes?: number;
  /** Called once the client has completed the MCP handshake (`notifications/initialized`). */
  readonly onInitialized?: () => void;
  /** Called once when the client closes the connection (stdin ends). */
  readonly onClose?: () => void;
}

/** A running stdio server. */
export interface RunningStdioServer {
  close(): Promise<void>;
}

/**
 * Serves MCP over stdio (newline-delimited JSON-RPC on stdin/stdout). Resolves once connected.
 */
export async function startStdioServer(options: StdioServerOptions): Promise<RunningStdioServer> {
  const logger = options.logger ?? silentLogger;
  const server = createWorktrainMcpServer({
    engine: options.engine,
    logger,
    ...(options.version ? { version: options.version } : {}),
  });
  const transport = new StdioServerTransport(options.stdin, options.stdout, {
    maxBufferSize: options.maxMessageBytes ?? 64 * 1024 * 1024,
  });
  transport.onerror = (error) => logger.warn({ err: describeThrown(error) }, 'stdio transport error');
  const stdin = options.stdin ?? process.stdin;
  let closed = false;
  const onEnd = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  if (options.onInitialized) server.server.oninitialized = options.onInitialized;
  await server.connect(transport);
  return {
    close: async () => {
      closed = true;
      await server.close();
    },
  };
}
