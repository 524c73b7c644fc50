/**
 * A daemon belongs to its home, not to a port: `<home>/daemon.json` and `GET /health` name the home and the
 * start time, and a daemon that finds its port taken by another home's daemon says whose it is. Real
 * daemon processes on loopback, real temp homes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonHealthSchema, DaemonStateSchema, probeDaemon } from '../src/index.js';
import { type Daemon, type Home, makeHome, runDaemonToExit, startDaemon } from './helpers.js';

let a: Home;
let b: Home;
let daemonA: Daemon;

beforeAll(async () => {
  a = makeHome({ turns: [] });
  b = makeHome({ turns: [] });
  daemonA = await startDaemon(a.home);
});

afterAll(async () => {
  daemonA?.child.kill('SIGKILL');
  await daemonA?.exited;
  a?.cleanup();
  b?.cleanup();
});

describe('daemon identity', () => {
  it('daemon.json and /health name the home, pid and start time; /health has the queue depth', async () => {
    const state = DaemonStateSchema.parse(JSON.parse(readFileSync(join(a.home, 'daemon.json'), 'utf8')));
    expect(state).toMatchObject({ pid: daemonA.child.pid, url: daemonA.url, home: a.home });
    expect(state.port).toBe(Number(new URL(daemonA.url).port));
    const health = DaemonHealthSchema.parse(await (await fetch(`${daemonA.url}/health`)).json());
    expect(health).toMatchObject({ pid: daemonA.child.pid, home: a.home, startedAt: state.startedAt });
    expect(health.queue).toMatchObject({ name: 'tasks', pending: 0, leased: 0, dead: 0 });
  });

  it("probes another home's daemon as other-home, its own as ours, a closed port as none", async () => {
    expect((await probeDaemon(daemonA.url, a.home)).kind).toBe('ours');
    expect(await probeDaemon(daemonA.url, b.home)).toMatchObject({
      kind: 'other-home',
      health: { home: a.home, pid: daemonA.child.pid },
    });
    expect((await probeDaemon('http://127.0.0.1:1', b.home)).kind).toBe('none');
  });

  it("a daemon whose port is held by another home's daemon exits 1 naming that home", async () => {
    const second = await runDaemonToExit(b.home, ['--port', new URL(daemonA.url).port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`is the WorkTrain daemon of ${a.home} (pid ${daemonA.child.pid}`);
    expect(second.stderr).toContain('`port:`');
    expect(existsSync(join(b.home, 'daemon.json'))).toBe(false);
    expect(existsSync(join(a.home, 'daemon.json'))).toBe(true);
  });

  it('removes daemon.json when it stops', async () => {
    daemonA.child.kill('SIGTERM');
    expect(await daemonA.exited).toBe(0);
    expect(existsSync(join(a.home, 'daemon.json'))).toBe(false);
  });
});
