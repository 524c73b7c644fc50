/**
 * `worktrain daemon install` in-process (runCli over the real file system) into a temp target directory.
 * The unit is checked by `systemd-analyze verify` and the plist by Python's plistlib when the machine has
 * them; the structure is always checked by parsing the file here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualClock, ok } from '@worktrain/contracts';
import { createMemorySessionStore } from '@worktrain/session-store';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliDeps, nodeFileSystem } from '../src/deps.js';
import { runCli } from '../src/program.js';
import { REPO_ROOT, tempDir } from './helpers.js';

const dir = tempDir('install');
afterAll(dir.cleanup);
const home = join(realpathSync(dir.path), 'my home');
const DAEMON_BIN = realpathSync(join(REPO_ROOT, 'apps/daemon/bin/worktrain-daemon.js'));

function deps(env: Record<string, string> = {}) {
  const out: string[] = [];
  const errs: string[] = [];
  const d: CliDeps = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void errs.push(t),
    env: {
      WORKTRAIN_HOME: home,
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: dir.path,
      USER: 'tester',
      ...env,
    },
    cwd: dir.path,
    fs: nodeFileSystem,
    clock: manualClock(0),
    version: '0.0.0',
    sleep: async () => {},
    openSessionStore: () => ok(createMemorySessionStore()),
  };
  return { d, stdout: () => out.join(''), stderr: () => errs.join('') };
}

/** `[Section]` → key → values (repeated keys kept in order). */
function parseUnit(text: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current: Record<string, string[]> | undefined;
  for (const line of text.split('\n')) {
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1] !== undefined) {
      current = {};
      sections[section[1]] = current;
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (kv?.[1] === undefined || current === undefined) continue;
    current[kv[1]] = [...(current[kv[1]] ?? []), kv[2] ?? ''];
  }
  return sections;
}

const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

describe('worktrain daemon install', () => {
  it('writes a systemd user unit that runs worktrain-daemon with this WORKTRAIN_HOME', async () => {
    const target = join(dir.path, 'systemd-user');
    const f = deps();
    const code = await runCli(
      [
        'daemon',
        'install',
        '--platform',
        'systemd',
        '--target-dir',
        target,
        '--port',
        '3311',
        '--format',
        'json',
      ],
      f.d,
    );
    expect(code, f.stderr()).toBe(0);
    const out = JSON.parse(f.stdout());
    const file = join(target, 'worktrain-daemon.service');
    expect(out).toMatchObject({ platform: 'systemd', path: file, status: 'created', enabled: false });
    expect(out.enableCommands).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable --now worktrain-daemon.service',
    ]);
    const unit = parseUnit(readFileSync(file, 'utf8'));
    expect(unit.Service?.ExecStart).toEqual([`${process.execPath} ${DAEMON_BIN} --port 3311`]);
    expect(unit.Service?.Environment).toEqual([
      `"WORKTRAIN_HOME=${home}"`,
      'PATH=/usr/local/bin:/usr/bin:/bin',
    ]);
    expect(unit.Service?.WorkingDirectory).toEqual([home]);
    expect(unit.Install?.WantedBy).toEqual(['default.target']);
    expect(existsSync(join(home, 'logs'))).toBe(true);
    if (has('systemd-analyze')) {
      const verify = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
      expect(verify.stderr).not.toContain(file);
      expect(verify.status).toBe(0);
    }
  });

  it('reports unchanged on a second run and updated when the port changes', async () => {
    const target = join(dir.path, 'systemd-again');
    const args = ['daemon', 'install', '--platform', 'systemd', '--target-dir', target, '--format', 'json'];
    await runCli(args, deps().d);
    const again = deps();
    await runCli(args, again.d);
    expect(JSON.parse(again.stdout()).status).toBe('unchanged');
    const changed = deps();
    await runCli([...args, '--port', '4000'], changed.d);
    expect(JSON.parse(changed.stdout()).status).toBe('updated');
  });

  it('--dry-run prints the unit and writes nothing; the target dir may come from WORKTRAIN_SERVICE_DIR', async () => {
    const target = join(dir.path, 'from-env');
    const f = deps({ WORKTRAIN_SERVICE_DIR: target });
    const code = await runCli(['daemon', 'install', '--platform', 'systemd', '--dry-run'], f.d);
    expect(code).toBe(0);
    expect(f.stdout()).toContain(`# ${join(target, 'worktrain-daemon.service')} (dry run: not written)`);
    expect(f.stdout()).toContain('[Service]');
    expect(f.stdout()).toContain('systemctl --user enable --now worktrain-daemon.service');
    expect(existsSync(target)).toBe(false);
  });

  it('writes a launchd agent plist', async () => {
    const target = join(dir.path, 'LaunchAgents');
    const f = deps();
    expect(await runCli(['daemon', 'install', '--platform', 'launchd', '--target-dir', target], f.d)).toBe(0);
    const file = join(target, 'dev.worktrain.daemon.plist');
    expect(f.stdout()).toContain(`created ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`<string>${DAEMON_BIN}</string>`);
    expect(text).toContain(`<key>WORKTRAIN_HOME</key><string>${home}</string>`);
    if (has('python3')) {
      const parsed = JSON.parse(
        execFileSync(
          'python3',
          ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', file],
          { encoding: 'utf8' },
        ),
      );
      expect(parsed).toMatchObject({
        Label: 'dev.worktrain.daemon',
        ProgramArguments: [process.execPath, DAEMON_BIN],
        EnvironmentVariables: { WORKTRAIN_HOME: home },
        RunAtLoad: true,
      });
    }
  });

  it('refuses --enable with --dry-run (exit 2) and an unknown platform (exit 2)', async () => {
    expect(await runCli(['daemon', 'install', '--dry-run', '--enable'], deps().d)).toBe(2);
    expect(await runCli(['daemon', 'install', '--platform', 'upstart'], deps().d)).toBe(2);
  });

  it('fails with FILE_NOT_FOUND for a --daemon-bin that does not exist', async () => {
    const f = deps();
    const code = await runCli(
      [
        'daemon',
        'install',
        '--dry-run',
        '--daemon-bin',
        'nope.js',
        '--platform',
        'systemd',
        '--format',
        'json',
      ],
      f.d,
    );
    expect(code).toBe(1);
    expect(JSON.parse(f.stdout())).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
  });

  it('uses a --daemon-bin shell wrapper without node in front', async () => {
    mkdirSync(join(dir.path, 'bin'), { recursive: true });
    const wrapper = join(dir.path, 'bin', 'worktrain-daemon');
    writeFileSync(wrapper, '#!/bin/sh\nexec true\n', { mode: 0o755 });
    const f = deps();
    await runCli(['daemon', 'install', '--dry-run', '--platform', 'systemd', '--daemon-bin', wrapper], f.d);
    expect(f.stdout()).toContain(`ExecStart=${wrapper}\n`);
  });
});
