import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveWorktrainPaths } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHome, checkPermissions } from './home.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const home = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'wt-doctor-home-'));
  dirs.push(d);
  return d;
};
const pathsOf = (dir: string) => resolveWorktrainPaths({ home: dir, env: {} });

describe('checkHome', () => {
  it('warns about a home that does not exist yet and passes a writable one', () => {
    const dir = home();
    expect(checkHome(pathsOf(join(dir, 'nope')))).toMatchObject({
      status: 'warn',
      fix: 'run `worktrain init`',
    });
    expect(checkHome(pathsOf(dir))).toMatchObject({ status: 'ok', message: `${dir} is writable` });
  });
});

describe('checkPermissions', () => {
  it('passes a home without keys yet', () => {
    expect(checkPermissions(pathsOf(home()))).toMatchObject({
      status: 'ok',
      message: 'no keys yet (created 0700 on first start)',
    });
  });

  it('fails on a key file others can read, naming it and the chmod fix', () => {
    const paths = pathsOf(home());
    mkdirSync(paths.keys, { mode: 0o700 });
    writeFileSync(join(paths.keys, 'session.key'), 'k');
    chmodSync(join(paths.keys, 'session.key'), 0o644);
    const found = checkPermissions(paths);
    expect(found.status).toBe('fail');
    expect(found.message).toBe(`${join(paths.keys, 'session.key')} is 644, expected 600`);
    expect(found.fix).toContain(`chmod 700 ${paths.keys}`);
  });

  it('passes 0700 keys, 0600 key files, token and .env', () => {
    const paths = pathsOf(home());
    mkdirSync(paths.keys, { mode: 0o700 });
    writeFileSync(join(paths.keys, 'session.key'), 'k', { mode: 0o600 });
    writeFileSync(paths.daemonToken, 't', { mode: 0o600 });
    writeFileSync(paths.envFile, 'A=1\n', { mode: 0o600 });
    expect(checkPermissions(paths).status).toBe('ok');
  });
});
