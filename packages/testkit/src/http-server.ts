import type { AddressInfo } from 'node:net';
import { type HttpBindings, type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** A started loopback HTTP server. */
export interface StartedServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  /** Stops accepting connections and destroys open ones (including hanging streams). */
  close(): Promise<void>;
}

export type NodeEnv = { Bindings: HttpBindings };

/**
 * Serves a hono app on `host` (default 127.0.0.1) and `port` (default 0 = any free port) and resolves once
 * it listens, with the URL it actually bound.
 */
export function listen(
  app: Hono<NodeEnv>,
  options: { host?: string; port?: number } = {},
): Promise<StartedServer> {
  const hostname = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined;
    const onError = (error: Error): void => reject(error);
    server = serve({ fetch: app.fetch, hostname, port: options.port ?? 0 }, (info: AddressInfo) => {
      server?.off('error', onError);
      const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      const started = server;
      resolve({
        url: `http://${host}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if (started === undefined) return done();
            if ('closeAllConnections' in started) started.closeAllConnections();
            started.close(() => done());
          }),
      });
    });
    server.once('error', onError);
  });
}
