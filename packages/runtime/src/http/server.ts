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

/** Serves `app` on `host:port` (0 = a free port). Errors: LISTEN_FAILED (port in use, bad address). */
export function listen(app: Hono, host: string, port: number): Promise<Result<HttpServer, RuntimeError>> {
  return new Promise((resolvePromise) => {
    let settled = false;
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
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
    server.on('error', (e: Error) => {
      if (settled) return;
      settled = true;
      resolvePromise(
        err(runtimeError('LISTEN_FAILED', `Cannot listen on ${host}:${port}: ${e.message}`, { host, port })),
      );
    });
  });
}
