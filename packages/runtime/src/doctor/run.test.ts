import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveWorktrainPaths } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { runDoctorChecks } from './run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('runDoctorChecks', () => {
  it('runs every check in order over a home, and fails the report when one check fails', async () => {
    const home = mkdtempSync(join(tmpdir(), 'wt-doctor-run-'));
    dirs.push(home);
    const paths = resolveWorktrainPaths({ home, env: {} });
    writeFileSync(paths.config, 'sandbox: { mode: off }\n');
    writeFileSync(
      paths.triggers,
      `triggers:\n  - id: t\n    provider: schedule\n    workflowId: wr.quick-task\n    workspace: ${JSON.stringify(home)}\n    cron: "0 3 * * *"\n`,
    );
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const report = await runDoctorChecks({
      paths,
      env: { PATH: process.env.PATH },
      daemon: { home, url: `http://127.0.0.1:${port}`, pid: null },
      nodeVersion: '18.0.0',
    });
    expect(report.home).toBe(home);
    expect(report.checks.map((c) => c.name)).toEqual([
      'node',
      'git',
      'home',
      'database',
      'permissions',
      'config',
      'sandbox',
      'triggers',
      'workspaces',
      'daemon',
      'postgres',
    ]);
    expect(report.checks[0]?.status).toBe('fail');
    expect(report.ok).toBe(false);
  });
});
