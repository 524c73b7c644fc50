import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostAllowed, type SandboxPolicy } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { bubblewrapArgs, sandboxEnv } from './bubblewrap.js';
import { keyedValue } from './cgroup.js';
import { createSandbox } from './create.js';
import { buildSandboxPolicy, visibleToolchains } from './policy.js';
import { startFilteringProxy } from './proxy.js';
import { sbplString, seatbeltProfile } from './seatbelt.js';

const policy: SandboxPolicy = {
  worktree: '/wt/home/worktrees/s1',
  gitAdminDir: '/repo/.git/worktrees/s1',
  gitCommonDir: '/repo/.git',
  home: '/wt/home/sandbox/s1/home',
  tmp: '/wt/home/sandbox/s1/tmp',
  hidden: ['/home', '/wt/home', '/home/ann'],
  readOnly: ['/home/ann/.nvm/versions/node/v22'],
  networkAllow: [],
  limits: { memoryBytes: 1024 ** 3, maxProcesses: 100 },
};
const request = { argv: ['bash', '-c', 'true'] as const, cwd: policy.worktree, env: { PATH: '/usr/bin' } };

describe('bubblewrapArgs', () => {
  const args = bubblewrapArgs(policy, request, { disableUserns: true });
  const at = (...pair: string[]) => args.findIndex((_, i) => pair.every((p, j) => args[i + j] === p));

  it('unshares every namespace, network included, and dies with its parent', () => {
    for (const flag of [
      '--unshare-user',
      '--unshare-pid',
      '--unshare-net',
      '--unshare-ipc',
      '--die-with-parent',
    ])
      expect(args).toContain(flag);
    expect(args).toContain('--disable-userns');
  });

  it('covers hidden folders first (skipping nested ones) and binds the work back on top', () => {
    expect(at('--tmpfs', '/home')).toBeGreaterThan(at('--ro-bind', '/', '/'));
    expect(at('--tmpfs', '/home/ann')).toBe(-1); // already under /home
    expect(at('--ro-bind', policy.readOnly[0] ?? '', policy.readOnly[0] ?? '')).toBeGreaterThan(
      at('--tmpfs', '/home'),
    );
    expect(at('--bind', policy.worktree, policy.worktree)).toBeGreaterThan(at('--tmpfs', '/wt/home'));
  });

  it('mounts the git common dir read-only after the worktree and the admin folder read-write after it', () => {
    const common = at('--ro-bind', '/repo/.git', '/repo/.git');
    expect(common).toBeGreaterThan(at('--bind', policy.worktree, policy.worktree));
    expect(at('--bind', '/repo/.git/worktrees/s1', '/repo/.git/worktrees/s1')).toBeGreaterThan(common);
  });

  it('ends with the command after --chdir and --', () => {
    expect(args.slice(-6)).toEqual(['--chdir', policy.worktree, '--', 'bash', '-c', 'true']);
  });

  it('starts the proxy bridge before the command when an allowlist is set', () => {
    const withProxy = bubblewrapArgs(policy, request, { disableUserns: false, proxySocket: '/tmp/p.sock' });
    expect(withProxy).not.toContain('--disable-userns');
    const dash = withProxy.lastIndexOf('--');
    expect(withProxy[dash + 1]).toBe(process.execPath);
    expect(withProxy.slice(-3)).toEqual(['bash', '-c', 'true']);
  });
});

describe('sandboxEnv', () => {
  it('sets the private HOME and TMPDIR, proxy variables only with an allowlist, and a private object dir', () => {
    const env = sandboxEnv(policy, request);
    expect(env.HOME).toBe(policy.home);
    expect(env.TMPDIR).toBe(policy.tmp);
    expect(env.HTTPS_PROXY).toBeUndefined();
    expect(env.GIT_ALTERNATE_OBJECT_DIRECTORIES).toBe('/repo/.git/objects');
    expect(sandboxEnv({ ...policy, networkAllow: ['a.b'] }, request).HTTPS_PROXY).toBe(
      'http://127.0.0.1:3128',
    );
  });
});

describe('seatbeltProfile (macOS; only the generated rules are tested here)', () => {
  const profile = seatbeltProfile(policy, 4567);

  it('denies by default, then denies reading hidden folders after the broad read allow', () => {
    const lines = profile.split('\n');
    expect(lines[1]).toBe('(deny default)');
    const allowRead = lines.indexOf('(allow file-read*)');
    const denyHidden = lines.findIndex((l) => l.startsWith('(deny file-read*') && l.includes('"/wt/home"'));
    const reallow = lines.findIndex((l) => l.startsWith('(allow file-read* (subpath') && l.includes('.nvm'));
    expect(allowRead).toBeGreaterThan(0);
    expect(denyHidden).toBeGreaterThan(allowRead);
    expect(reallow).toBeGreaterThan(denyHidden); // last match wins
  });

  it('allows writes only to the worktree, admin folder, private HOME and TMPDIR; never git config or hooks', () => {
    const write = profile.split('\n').find((l) => l.startsWith('(allow file-write*')) ?? '';
    for (const p of [policy.worktree, policy.home, policy.tmp, '/repo/.git/worktrees/s1'])
      expect(write).toContain(`"${p}"`);
    expect(write).not.toContain('(subpath "/repo/.git")');
    expect(profile).toContain(
      '(deny file-write* (subpath "/repo/.git/config") (subpath "/repo/.git/hooks"))',
    );
  });

  it('allows outbound network to the proxy port on loopback only, and none without a proxy', () => {
    expect(profile).toContain('(allow network-outbound (remote ip "localhost:4567"))');
    expect(seatbeltProfile(policy)).not.toContain('network-outbound');
  });

  it('escapes quotes and backslashes in paths', () => {
    expect(sbplString('/a "b"\\c')).toBe('"/a \\"b\\"\\\\c"');
  });
});

describe('policy', () => {
  it('re-exposes toolchains under a hidden home, but never the home itself or a parent of a hidden folder', () => {
    const home = realpathSync(mkdtempSync(join(tmpdir(), 'wt-policy-')));
    for (const d of [
      '.nvm/versions/node/v1/bin',
      '.cargo/bin',
      '.rustup',
      '.local/share/pnpm',
      '.worktrain/bin',
    ])
      mkdirSync(join(home, d), { recursive: true });
    const visible = visibleToolchains({
      hidden: [home, join(home, '.worktrain')],
      worktrainHome: join(home, '.worktrain'),
      path: [
        join(home, '.nvm/versions/node/v1/bin'),
        join(home, '.cargo/bin'),
        join(home, '.local/share/pnpm'),
        home,
        join(home, '.worktrain/bin'),
        '/usr/bin',
      ].join(':'),
      userHome: home,
    });
    expect(visible).toEqual(
      expect.arrayContaining([
        join(home, '.nvm/versions/node/v1'),
        join(home, '.cargo'),
        join(home, '.rustup'),
        join(home, '.local/share/pnpm'),
      ]),
    );
    expect(visible).not.toContain(home);
    expect(visible.some((v) => v.includes('.worktrain'))).toBe(false);
    expect(visible).not.toContain('/usr');
  });

  it('creates the private HOME and TMPDIR and hides $WORKTRAIN_HOME and the home', () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'wt-policy-')));
    mkdirSync(join(base, 'wt'));
    mkdirSync(join(base, 'user'));
    const p = buildSandboxPolicy({
      worktree: join(base, 'wt', 'worktrees', 's'),
      stateDir: join(base, 'wt', 'sandbox', 's'),
      worktrainHome: join(base, 'wt'),
      userHome: join(base, 'user'),
    });
    expect(p.hidden).toEqual(expect.arrayContaining([join(base, 'wt'), join(base, 'user')]));
    expect(p.home).toBe(join(base, 'wt', 'sandbox', 's', 'home'));
    writeFileSync(join(p.home, 'probe'), 'x'); // exists and writable
    expect(p.networkAllow).toEqual([]);
  });
});

describe('hostAllowed', () => {
  it.each([
    [['registry.npmjs.org'], 'registry.npmjs.org', 443, true],
    [['registry.npmjs.org'], 'REGISTRY.npmjs.org', 80, true],
    [['registry.npmjs.org:443'], 'registry.npmjs.org', 80, false],
    [['*.github.com'], 'api.github.com', 443, true],
    [['*.github.com'], 'github.com', 443, false],
    [['*.github.com'], 'evilgithub.com', 443, false],
    [['127.0.0.1:8080'], '127.0.0.1', 3200, false],
    [['[::1]:8080'], '::1', 8080, true],
    [[], 'example.com', 443, false],
  ])('%j allows %s:%i → %s', (allow, host, port, expected) => {
    expect(hostAllowed(allow, host, port)).toBe(expected);
  });
});

describe('filtering proxy', () => {
  it('answers 403 to a CONNECT outside the allowlist and records it', async () => {
    const proxy = await startFilteringProxy(['allowed.invalid'], { port: 0 });
    const [host, port] = proxy.address.split(':');
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host, port: Number(port), method: 'CONNECT', path: 'blocked.invalid:443' });
      req.on('connect', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    expect(proxy.denied()).toEqual([
      { host: 'blocked.invalid', port: 443, reason: 'not in sandbox.network.allow' },
    ]);
    await proxy.close();
  });
});

describe('createSandbox', () => {
  it('refuses Windows with a specific error, and mode off gives the unconfined backend with a warning', async () => {
    const win = await createSandbox({ platform: 'win32' });
    expect(win.isErr() && win.error.code).toBe('SANDBOX_UNSUPPORTED_PLATFORM');
    const off = await createSandbox({ mode: 'off', platform: 'win32' });
    expect(off.isOk() && off.value.info).toMatchObject({ backend: 'none', enforced: false });
    expect(off.isOk() && off.value.info.warnings[0]).toContain("sandbox.mode is 'off'");
  });

  it('fails closed with how to fix it when bwrap is missing', async () => {
    const r = await createSandbox({ platform: 'linux', bwrapPath: '/nonexistent/bwrap' });
    expect(r.isErr() && r.error.code).toBe('SANDBOX_UNAVAILABLE');
  });
});

describe('cgroup files', () => {
  it('reads flat keyed values', () => {
    expect(keyedValue('low 0\nhigh 0\nmax 3\noom_kill 2\n', 'oom_kill')).toBe(2);
    expect(keyedValue('max 0\n', 'oom_kill')).toBe(0);
  });
});
