import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { err, ok, type Result } from '@worktrain/contracts';
import type { Hono } from 'hono';
import { type RuntimeError, runtimeError } from '../errors.js';

export interface HttpServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * How long a client may take to send a request, ms. Node's defaults (60 s for the headers, 300 s for the
 * whole request, checked every 30 s) let a client that sends headers and then stalls hold a connection for
 * minutes; the daemon's requests are small or come from fast senders (GitHub's 25 MiB webhooks included).
 * Responses are not limited: SSE streams stay open.
 */
export interface RequestTimeouts {
  /** Until the request headers are complete (Node `headersTimeout`); default 10 000. */
  readonly headersMs: number;
  /** Until the whole request, body included, is received (Node `requestTimeout`); default 30 000. */
  readonly requestMs: number;
  /** How often open requests are checked against both (Node `connectionsCheckingInterval`); default 1 000. */
  readonly checkIntervalMs: number;
}

export const DEFAULT_REQUEST_TIMEOUTS: RequestTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  checkIntervalMs: 1_000,
};

/**
 * Serves `app` on `host:port` (0 = a free port); a request not received within `timeouts` gets 408 and its
 * connection is closed. Errors: LISTEN_FAILED (port in use: `details.cause` `EADDRINUSE`; bad address).
 */
export function listen(
  app: Hono,
  host: string,
  port: number,
  timeouts: RequestTimeouts = DEFAULT_REQUEST_TIMEOUTS,
): Promise<Result<HttpServer, RuntimeError>> {
  return new Promise((resolvePromise) => {
    let settled = false;
    const serverOptions = {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    };
    const server = serve({ fetch: app.fetch, hostname: host, port, serverOptions }, (info) => {
      settled = true;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`;
      resolvePromise(
        ok({
          url,
          port: info.port,
          close: () =>
            new Promise<void>((r) => {
              const s = server as Server;
              s.close(() => r());
              s.closeAllConnections?.();
            }),
        }),
      );
    });
    server.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      resolvePromise(
        err(
          runtimeError('LISTEN_FAILED', `Cannot listen on ${host}:${port}: ${e.message}`, {
            host,
            port,
            ...(e.code !== undefined ? { cause: e.code } : {}),
          }),
        ),
      );
    });
  });
}
