import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres } from '../src/postgres/probe.js';
import { PG_URL } from './pg-env.js';

const sockets = new Set<Socket>();

/** A TCP server on 127.0.0.1 that does `onSocket` with each connection; resolves with its port. */
async function tcpServer(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((s) => {
    sockets.add(s);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port };
}

describe('probePostgres', () => {
  const servers: Server[] = [];
  let silentPort = 0;
  let httpPort = 0;
  beforeAll(async () => {
    const silent = await tcpServer(() => undefined);
    const http = await tcpServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(silent.server, http.server);
    silentPort = silent.port;
    httpPort = http.port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  it('logs in to a running server and reads its version', async () => {
    const probe = (await probePostgres(PG_URL))._unsafeUnwrap();
    expect(probe).toMatchObject({ host: '127.0.0.1', port: 5432 });
    expect(probe.serverVersion).toMatch(/^\d+/);
  });

  it('reports a refused connection as STORE_UNAVAILABLE without repeating the password', async () => {
    const probe = await probePostgres('postgres://u:s3cret@127.0.0.1:1/db');
    const error = probe._unsafeUnwrapErr();
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      details: { host: '127.0.0.1', port: 1, cause: 'ECONNREFUSED' },
    });
    expect(error.details).not.toHaveProperty('sqlstate');
    expect(error.message).toContain('ECONNREFUSED');
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });

  it('gives up on a server that never answers after the connect timeout', async () => {
    const started = Date.now();
    const probe = await probePostgres(`postgres://u@127.0.0.1:${silentPort}/db`, { connectTimeoutMs: 200 });
    expect(probe._unsafeUnwrapErr()).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(probe._unsafeUnwrapErr().message).toMatch(/timeout/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails on a port that speaks another protocol', async () => {
    const probe = await probePostgres(`postgres://u@127.0.0.1:${httpPort}/db`, { connectTimeoutMs: 2000 });
    expect(probe._unsafeUnwrapErr().code).toBe('STORE_UNAVAILABLE');
  });

  it("fails with the server's SQLSTATE when the database does not exist", async () => {
    const url = new URL(PG_URL);
    url.pathname = '/worktrain_probe_no_such_database';
    const probe = await probePostgres(url.toString());
    expect(probe._unsafeUnwrapErr()).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      details: { sqlstate: '3D000' },
    });
  });

  it('rejects a string that is not a URL', async () => {
    expect((await probePostgres('not a url'))._unsafeUnwrapErr().code).toBe('INVALID_ARGUMENT');
  });
});
