import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import { describeThrown, silentLogger } from './light.js';
import { LineLimiter } from './line-limit.js';
import { createWorktrainMcpServer } from './server.js';
import { JsonRpcStdioTransport } from './stdio-transport.js';

/** Options of {@link startStdioServer}. */
export interface StdioServerOptions {
  readonly engine: Engine;
  readonly logger?: Logger;
  readonly version?: string;
  /** Default `process.stdin` / `process.stdout`. stdout carries the protocol only: log to stderr. */
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /**
   * Largest single message accepted, in bytes (default 67 108 864 = 64 MiB). A longer one is dropped and
   * answered with a JSON-RPC error (-32600); the connection stays up. (Output the engine finds too large,
   * e.g. 10 MB of notes, is well below this and comes back as a blocked attempt with OUTPUT_TOO_LARGE.)
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
 * Serves MCP over stdio (newline-delimited JSON-RPC on stdin/stdout). Resolves once connected. A line that
 * is not JSON is answered with -32700, one that is not a JSON-RPC message with -32600 (both `id: null`).
 */
export async function startStdioServer(options: StdioServerOptions): Promise<RunningStdioServer> {
  const logger = options.logger ?? silentLogger;
  const server = createWorktrainMcpServer({
    engine: options.engine,
    logger,
    ...(options.version ? { version: options.version } : {}),
  });
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  // Long lines are cut first, so the transport never buffers more than one message.
  const limited = new LineLimiter(maxMessageBytes, (id) => {
    logger.warn({ maxMessageBytes, requestId: id }, 'dropped an oversized message');
    const error = { code: -32600, message: `Message exceeds ${maxMessageBytes} bytes and was dropped.` };
    stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id, error })}\n`);
  });
  stdin.pipe(limited);
  // Malformed JSON-RPC is answered (-32700 / -32600 with id null), not dropped in silence.
  const transport = new JsonRpcStdioTransport(limited, stdout);
  transport.onerror = (error) => logger.warn({ err: describeThrown(error) }, 'stdio transport error');
  let closed = false;
  const onEnd = () => {
    if (closed) return;
    closed = true;
    options.onClose?.();
  };
  // 'end' of the limiter comes after every line it passed on (stdin's own 'end' may come earlier).
  limited.once('end', onEnd);
  stdin.once('close', () => setImmediate(onEnd));
  if (options.onInitialized) server.server.oninitialized = options.onInitialized;
  await server.connect(transport);
  return {
    close: async () => {
      closed = true;
      await server.close();
    },
  };
}
