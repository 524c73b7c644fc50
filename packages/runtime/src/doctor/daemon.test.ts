import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDaemon } from './daemon.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A loopback `/health` that answers as the daemon of `home`; resolves with its URL. */
async function healthOf(home: string): Promise<string> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', pid: process.pid, home, startedAt: new Date().toISOString() }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A URL nothing listens on (a server opened and closed again). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('checkDaemon', () => {
  it("passes when this home's daemon answers /health", async () => {
    const url = await healthOf('/homes/a');
    expect(await checkDaemon({ home: '/homes/a', url, pid: null })).toMatchObject({
      status: 'ok',
      message: `daemon answers at ${url}`,
    });
  });

  it("warns when another home's daemon holds the URL, naming it", async () => {
    const url = await healthOf('/homes/b');
    const found = await checkDaemon({ home: '/homes/a', url, pid: null });
    expect(found.status).toBe('warn');
    expect(found.message).toContain('is the WorkTrain daemon of /homes/b');
    expect(found.fix).toContain('its own `port:`');
  });

  it('warns when nothing answers, and fails when the recorded daemon pid is alive but silent', async () => {
    const url = await deadUrl();
    expect(await checkDaemon({ home: '/homes/a', url, pid: null })).toMatchObject({
      status: 'warn',
      message: `no daemon running at ${url}`,
    });
    expect(await checkDaemon({ home: '/homes/a', url, pid: process.pid })).toMatchObject({
      status: 'fail',
      message: `daemon pid ${process.pid} is running but ${url}/health does not answer`,
    });
  });
});
