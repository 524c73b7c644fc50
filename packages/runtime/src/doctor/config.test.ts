import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveWorktrainPaths } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConfig, checkSandbox } from './config.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function pathsWith(config?: string) {
  const home = mkdtempSync(join(tmpdir(), 'wt-doctor-config-'));
  dirs.push(home);
  const paths = resolveWorktrainPaths({ home, env: {} });
  if (config !== undefined) writeFileSync(paths.config, config);
  return paths;
}

describe('checkConfig', () => {
  it('warns that defaults apply when config.yaml does not exist', () => {
    expect(checkConfig(pathsWith(), {})).toMatchObject({ status: 'warn', fix: 'run `worktrain init`' });
  });

  it("warns with the runtime's config warnings, naming no secret", () => {
    const found = checkConfig(
      pathsWith('host: 0.0.0.0\nmodel: { provider: anthropic, apiKey: sk-ant-literal }\n'),
      {},
    );
    expect(found.status).toBe('warn');
    expect(found.message).toContain('listens on 0.0.0.0');
    expect(found.message).not.toContain('sk-ant-literal');
    expect(found.fix).toContain('apiKey: $NAME');
  });

  it('fails on an invalid config with each issue located by path', () => {
    const paths = pathsWith('queue: { leaseMs: 10 }\nbogus: 1\n');
    const found = checkConfig(paths, {});
    expect(found).toMatchObject({ status: 'fail', details: { path: paths.config } });
    expect(found.message.startsWith(`${paths.config}: `)).toBe(true);
    const issues = found.details?.issues as Array<{ path: string }>;
    expect(issues.map((i) => i.path)).toContain('queue.leaseMs');
  });
});

describe('checkSandbox', () => {
  it("warns when config.yaml turns the sandbox off (the probe's own verdict)", async () => {
    expect(await checkSandbox(pathsWith('sandbox: { mode: off }\n'), {})).toMatchObject({
      name: 'sandbox',
      status: 'warn',
      details: { mode: 'off' },
    });
  });
});
