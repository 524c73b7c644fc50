import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '@worktrain/contracts';
import type { Engine } from '@worktrain/engine';
import { describeThrown, silentLogger } from './light.js';
import { createWorktrainMcpServer } from './server.js';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  readonly engine: Engine;
  readonly logger?: Logger;
  readonly version?: string;
  /** TCP port; 0 picks a free one (see the returned `url`). Default 3100. */
  readonly port?: number;
  /** Bind address. Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Largest accepted request body in bytes (default 33 554 432 = 32 MiB); larger bodies get HTTP 413. */
  readonly maxRequestBodyBytes?: number;
  /**
   * An MCP session with no request for this long (ms) is closed, so clients that vanish without DELETE do
   * not leak memory (default 1 800 000 = 30 min). Workflow sessions are unaffected: they live in the store.
   */
  readonly sessionIdleMs?: number;
}

/** A running Streamable HTTP server. */
export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3100/mcp`. */
  readonly url: string;
  /** Number of open MCP sessions. */
  sessionCount(): number;
  /** Closes every MCP session and the listening socket. */
  close(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
  /** ms since epoch of the last request (an open GET stream counts as activity while it lasts). */
  lastSeen: number;
  openStreams: number;
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

type BodyRead = { kind: 'ok'; body: unknown } | { kind: 'too_large' } | { kind: 'invalid_json' };

async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return { kind: 'too_large' };
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    received += buffer.length;
    if (received > maxBytes) return { kind: 'too_large' };
    chunks.push(buffer);
  }
  try {
    return { kind: 'ok', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { kind: 'invalid_json' };
  }
}

function hostnameOf(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined;
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0];
}

/**
 * Serves MCP over Streamable HTTP at `/mcp` (POST for requests, GET for the server-to-client SSE stream,
 * DELETE to end a session) plus `GET /health`. Each MCP session (`mcp-session-id` header) gets its own
 * transport and McpServer; all share `options.engine` (and so one session store). A session is dropped when
 * the client sends DELETE or its transport closes.
 *
 * When bound to a loopback address, requests whose Host header is not a loopback name are refused with 403
 * (DNS-rebinding protection). Resolves once the socket listens; rejects if it cannot bind.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  const maxBody = options.maxRequestBodyBytes ?? DEFAULT_MAX_BODY;
  const checkHost = LOOPBACK_HOSTS.has(host);
  const sessions = new Map<string, Session>();

  async function openSession(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = createWorktrainMcpServer({
      engine: options.engine,
      logger,
      ...(options.version ? { version: options.version } : {}),
    });
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: maxBody,
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, { transport, server, lastSeen: Date.now(), openStreams: 0 });
        logger.info({ mcpSessionId: sessionId, sessions: sessions.size }, 'mcp session opened');
      },
      onsessionclosed: (sessionId) => {
        sessions.delete(sessionId);
        logger.info({ mcpSessionId: sessionId, sessions: sessions.size }, 'mcp session closed');
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (checkHost && !LOOPBACK_HOSTS.has(hostnameOf(req.headers.host) ?? '')) {
      sendJsonRpcError(res, 403, -32000, `Host ${req.headers.host ?? '(none)'} not allowed`);
      return;
    }
    if (url.pathname === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', sessions: sessions.size }));
      return;
    }
    if (url.pathname !== '/mcp') {
      sendJsonRpcError(res, 404, -32601, 'Not found: the MCP endpoint is /mcp');
      return;
    }
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    const session = sessionId !== undefined ? sessions.get(sessionId) : undefined;
    if (session) {
      session.lastSeen = Date.now();
      session.openStreams++;
      res.once('close', () => {
        session.openStreams--;
        session.lastSeen = Date.now();
      });
    }
    if (req.method === 'POST') {
      const read = await readJsonBody(req, maxBody);
      if (read.kind === 'too_large')
        return sendJsonRpcError(res, 413, -32000, `Request body exceeds ${maxBody} bytes`);
      if (read.kind === 'invalid_json')
        return sendJsonRpcError(res, 400, -32700, 'Parse error: invalid JSON');
      if (session) return session.transport.handleRequest(req, res, read.body);
      if (sessionId === undefined && isInitializeRequest(read.body)) return openSession(req, res, read.body);
      if (sessionId !== undefined) return sendJsonRpcError(res, 404, -32001, 'Session not found');
      return sendJsonRpcError(
        res,
        400,
        -32000,
        'Bad request: send initialize first (no mcp-session-id header)',
      );
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!session)
        return sendJsonRpcError(res, sessionId === undefined ? 400 : 404, -32001, 'Session not found');
      return session.transport.handleRequest(req, res);
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    sendJsonRpcError(res, 405, -32000, 'Method not allowed');
  }

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((thrown: unknown) => {
      logger.error({ err: describeThrown(thrown) }, 'http request failed');
      sendJsonRpcError(res, 500, -32603, 'Internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port ?? 3100, host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const sweeper = setInterval(
    () => {
      const now = Date.now();
      for (const [id, session] of sessions) {
        if (session.openStreams > 0 || now - session.lastSeen < idleMs) continue;
        sessions.delete(id);
        logger.info({ mcpSessionId: id, idleMs }, 'mcp session closed after idling');
        session.server.close().catch(() => undefined);
      }
    },
    Math.max(50, Math.min(60_000, Math.floor(idleMs / 2))),
  );
  sweeper.unref();
  const address = httpServer.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}/mcp`,
    sessionCount: () => sessions.size,
    close: async () => {
      clearInterval(sweeper);
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map((s) => s.server.close()));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
