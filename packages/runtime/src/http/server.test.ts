import { connect } from 'node:net';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_TIMEOUTS, type HttpServer, listen } from './server.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Opens a raw TCP connection, writes `head`, then sends nothing more; resolves with what came back at close. */
function stallAfter(url: string, head: string): Promise<{ text: string; ms: number }> {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  return new Promise((resolveClose, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(head));
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      text += d;
    });
    socket.on('error', reject);
    socket.on('close', () => resolveClose({ text, ms: Date.now() - started }));
  });
}

describe('listen', () => {
  it('answers 408 and closes a request whose body stalls after the headers', async () => {
    const app = new Hono();
    app.post('/webhooks/x', async (c) => c.text(await c.req.text()));
    app.onError((_thrown, c) => c.text('aborted', 500)); // the body read fails when the server gives up
    const timeouts = { headersMs: 300, requestMs: 600, checkIntervalMs: 50 };
    server = (await listen(app, '127.0.0.1', 0, timeouts))._unsafeUnwrap();
    const head = `POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"partial":`;
    const closed = await stallAfter(server.url, head);
    expect(closed.text).toMatch(/^HTTP\/1\.1 408/);
    expect(closed.ms).toBeLessThan(5_000);
  });

  it('closes a connection whose headers never complete', async () => {
    server = (
      await listen(new Hono(), '127.0.0.1', 0, { headersMs: 300, requestMs: 600, checkIntervalMs: 50 })
    )._unsafeUnwrap();
    const closed = await stallAfter(server.url, 'GET /health HTTP/1.1\r\nHost: x\r\n');
    expect(closed.text).toMatch(/^HTTP\/1\.1 408/);
    expect(closed.ms).toBeLessThan(5_000);
  });

  it('by default gives a request at most 30 s (Node: 300 s, checked every 30 s)', () => {
    expect(DEFAULT_REQUEST_TIMEOUTS.requestMs).toBeLessThanOrEqual(30_000);
    expect(DEFAULT_REQUEST_TIMEOUTS.headersMs).toBeLessThanOrEqual(DEFAULT_REQUEST_TIMEOUTS.requestMs);
    expect(DEFAULT_REQUEST_TIMEOUTS.checkIntervalMs).toBeLessThanOrEqual(1_000);
  });

  it('says EADDRINUSE when the port is taken', async () => {
    server = (await listen(new Hono(), '127.0.0.1', 0))._unsafeUnwrap();
    const second = await listen(new Hono(), '127.0.0.1', server.port);
    expect(second._unsafeUnwrapErr()).toMatchObject({
      code: 'LISTEN_FAILED',
      details: { cause: 'EADDRINUSE', port: server.port },
    });
  });
});
