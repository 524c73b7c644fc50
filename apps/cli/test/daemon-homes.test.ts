/**
 * A daemon belongs to its home, not to a port (issue #13 item 1): with home A's daemon on the port that
 * home B's config.yaml names, every command of B leaves A alone and says whose daemon answers there.
 * Real CLI and daemon processes on loopback, real temp homes; no port is assumed free.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain } from './helpers.js';

let root: string;
let homeA: string;
let homeB: string;
let urlA: string;
let pidA: number;

const healthPid = async (url: string): Promise<number> =>
  ((await (await fetch(`${url}/health`)).json()) as { pid: number }).pid;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-cli-homes-')));
  homeA = join(root, 'a');
  homeB = join(root, 'b');
  mkdirSync(homeA);
  mkdirSync(homeB);
  writeFileSync(join(homeA, 'config.yaml'), 'port: 0\n');
  const start = await runWorktrain(['--format', 'json', 'daemon', 'start', '--port', '0'], { home: homeA });
  if (start.code !== 0) throw new Error(`daemon A did not start: ${start.stdout}${start.stderr}`);
  ({ url: urlA, pid: pidA } = parseJson(start) as { url: string; pid: number });
  // Home B is configured with the port A's daemon holds.
  writeFileSync(join(homeB, 'config.yaml'), `port: ${new URL(urlA).port}\n`);
}, 120_000);

afterAll(async () => {
  await runWorktrain(['daemon', 'stop'], { home: homeA });
  rmSync(root, { recursive: true, force: true });
});

describe("another home's daemon on this home's port", { timeout: 120_000 }, () => {
  it('daemon status says not running (exit 1) and names the home whose daemon answers', async () => {
    const status = await runWorktrain(['daemon', 'status'], { home: homeB });
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('daemon not running');
    expect(status.stdout).toContain(`is the WorkTrain daemon of ${homeA} (pid ${pidA}`);
  });

  it("daemon stop leaves A's daemon running", async () => {
    const stop = await runWorktrain(['--format', 'json', 'daemon', 'stop'], { home: homeB });
    expect(stop.code).toBe(0);
    expect(parseJson(stop)).toMatchObject({ stopped: false, pid: null });
    expect(stop.stdout).toContain(homeA);
    expect(await healthPid(urlA)).toBe(pidA);
  });

  it('daemon start fails (exit 1) naming the home that holds the port', async () => {
    const start = await runWorktrain(['--format', 'json', 'daemon', 'start'], { home: homeB });
    expect(start.code).toBe(1);
    expect(parseJson(start)).toMatchObject({
      error: { code: 'DAEMON_ERROR', details: { daemonCode: 'PORT_TAKEN', occupantHome: homeA } },
    });
    const text = await runWorktrain(['daemon', 'start'], { home: homeB });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(`is the WorkTrain daemon of ${homeA}`);
    expect(text.stderr).toContain('its own port');
  });

  it("doctor and status report no daemon for B; sessions kill does not reach A's daemon", async () => {
    const doctor = await runWorktrain(['--format', 'json', 'doctor'], { home: homeB });
    const checks = (parseJson(doctor) as { checks: Array<{ name: string; status: string; message: string }> })
      .checks;
    expect(checks.find((c) => c.name === 'daemon')).toMatchObject({
      status: 'warn',
      message: expect.stringContaining(`is the WorkTrain daemon of ${homeA}`),
    });
    const status = await runWorktrain(['--format', 'json', 'status'], { home: homeB });
    expect(parseJson(status)).toMatchObject({ daemon: { running: false } });
    const kill = await runWorktrain(['--format', 'json', 'sessions', 'kill', '--all'], { home: homeB });
    expect(kill.code).toBe(1);
    expect(parseJson(kill)).toMatchObject({ error: { code: 'DAEMON_UNREACHABLE' } });
    expect(await healthPid(urlA)).toBe(pidA);
  });

  it("A's own commands still find and stop A's daemon", async () => {
    const status = await runWorktrain(['--format', 'json', 'daemon', 'status'], { home: homeA });
    expect(parseJson(status)).toMatchObject({ running: true, pid: pidA, health: { home: homeA } });
    const stop = await runWorktrain(['--format', 'json', 'daemon', 'stop'], { home: homeA });
    expect(parseJson(stop)).toEqual({ stopped: true, pid: pidA });
  });
});
