/**
 * The Linux backend: bubblewrap (`bwrap`, Debian/Ubuntu package `bubblewrap`), driven directly rather than
 * through `@anthropic-ai/sandbox-runtime`: that library keeps one process-wide configuration (we need one
 * policy per session and command), reads everything not explicitly denied (our profile hides the whole home
 * and re-exposes toolchains), and its releases that support Node 20 lag its current ones. The mount profile
 * follows the same idea: the system read-only, the work read-write, secrets replaced by empty folders.
 *
 * Namespaces: user, pid (a fresh `/proc` with only the sandbox's processes; when the command's first process
 * dies the kernel kills the rest, so `setsid`/`nohup` cannot outlive it), network (no interfaces but an
 * isolated loopback: the daemon's API is unreachable), ipc, uts, cgroup. `--die-with-parent` ties the
 * sandbox to the process the caller spawns, so killing that one kills everything.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  err,
  makeError,
  ok,
  type Result,
  type SandboxCommandRequest,
  type SandboxError,
  type SandboxedCommand,
  type SandboxPolicy,
  type SandboxReport,
} from '@worktrain/contracts';
import type { CgroupSupport, CommandCgroup } from './cgroup.js';
import { isWithin } from './policy.js';
import { BRIDGE_SCRIPT, startFilteringProxy } from './proxy.js';

/** Where the proxy's socket appears inside the sandbox, and the port the in-sandbox bridge listens on. */
export const SANDBOX_PROXY_SOCKET = '/run/worktrain/proxy.sock';
export const SANDBOX_PROXY_PORT = 3128;

/** Shell fragment run before the backend: joins the cgroups (`$1` = count, then the files), then `exec`s. */
export const ENTER_CGROUP_SCRIPT =
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"';

const existsPath = (p: string): boolean => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

const isFile = (p: string): boolean => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

/** Options of {@link bubblewrapArgs}: features of the installed bwrap and the proxy socket, if any. */
export interface BubblewrapArgsOptions {
  /** bwrap ≥ 0.8: `--disable-userns` (no nested user namespaces inside the sandbox). */
  readonly disableUserns: boolean;
  /** Host path of the filtering proxy's Unix socket, bound at {@link SANDBOX_PROXY_SOCKET}. */
  readonly proxySocket?: string;
  /**
   * Run the command under the in-sandbox proxy bridge (default true when {@link proxySocket} is set); false
   * when the command bridges itself (the long-lived sandbox's server does).
   */
  readonly bridge?: boolean;
}

/**
 * The bwrap argument list for one command (pure: what you see is the whole profile). Mount order matters:
 * bubblewrap applies mounts in order, so the hidden folders are covered first and the read-only and
 * read-write ones are bound back on top of them.
 */
export function bubblewrapArgs(
  policy: SandboxPolicy,
  request: SandboxCommandRequest,
  options: BubblewrapArgsOptions,
): string[] {
  const args = [
    '--die-with-parent',
    '--new-session',
    '--unshare-user',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-net',
    '--unshare-cgroup-try',
    ...(options.disableUserns ? ['--disable-userns'] : []),
    '--hostname',
    'worktrain-sandbox',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
  ];
  const hidden = [...policy.hidden].sort();
  for (const [i, path] of hidden.entries()) {
    if (hidden.slice(0, i).some((h) => isWithin(h, path))) continue; // already under a hidden folder
    if (isFile(path)) args.push('--ro-bind', '/dev/null', path);
    else args.push('--tmpfs', path);
  }
  for (const path of policy.readOnly) args.push('--ro-bind', path, path);
  // HOME and TMPDIR are siblings in the session's state folder (buildSandboxPolicy): one mount for both.
  const state = dirname(policy.home);
  if (state === dirname(policy.tmp) && state !== '/') args.push('--bind', state, state);
  else args.push('--bind', policy.home, policy.home, '--bind', policy.tmp, policy.tmp);
  args.push('--bind', policy.worktree, policy.worktree);
  // After the worktree: a repository's own `.git` inside the worktree stays read-only.
  if (policy.gitCommonDir !== undefined) args.push('--ro-bind', policy.gitCommonDir, policy.gitCommonDir);
  if (policy.gitAdminDir !== undefined) args.push('--bind', policy.gitAdminDir, policy.gitAdminDir);
  // config and hooks are never writable, even when the admin folder is the common dir (a main worktree).
  if (policy.gitCommonDir !== undefined && policy.gitAdminDir !== undefined) {
    for (const name of ['config', 'hooks']) {
      const p = join(policy.gitCommonDir, name);
      if (isWithin(policy.gitAdminDir, p) && existsPath(p)) args.push('--ro-bind', p, p);
    }
  }
  if (options.proxySocket !== undefined) args.push('--ro-bind', options.proxySocket, SANDBOX_PROXY_SOCKET);
  args.push('--chdir', request.cwd, '--');
  if (options.proxySocket !== undefined && options.bridge !== false)
    args.push(process.execPath, '-e', BRIDGE_SCRIPT, SANDBOX_PROXY_SOCKET, String(SANDBOX_PROXY_PORT));
  args.push(...request.argv);
  return args;
}

/**
 * The environment inside the sandbox: the request's, plus HOME and TMPDIR (the private folders), the proxy
 * variables when an allowlist is set, and — when the git common dir is read-only — a private object
 * directory with the repository's objects as alternates, so `git add`/`diff`/`checkout` work.
 */
export function sandboxEnv(policy: SandboxPolicy, request: SandboxCommandRequest): Record<string, string> {
  const env: Record<string, string> = { ...request.env, HOME: policy.home, TMPDIR: policy.tmp };
  if (policy.networkAllow.length > 0) {
    const url = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'npm_config_proxy'])
      env[name] = url;
    env.NO_PROXY = '';
    env.no_proxy = '';
  }
  if (policy.gitCommonDir !== undefined) {
    env.GIT_OBJECT_DIRECTORY = join(policy.home, '.git-objects');
    env.GIT_ALTERNATE_OBJECT_DIRECTORIES = join(policy.gitCommonDir, 'objects');
  }
  return env;
}

/** Checks that the policy's folders exist and the command's cwd lies in the worktree. */
export function validatePolicy(
  policy: SandboxPolicy,
  request: SandboxCommandRequest,
): Result<void, SandboxError> {
  for (const path of [policy.worktree, policy.home, policy.tmp, policy.gitAdminDir, policy.gitCommonDir]) {
    if (path === undefined) continue;
    if (!path.startsWith('/'))
      return err(makeError('SANDBOX_POLICY_INVALID', `Sandbox path ${path} is not absolute.`, { path }));
    try {
      if (!statSync(path).isDirectory()) throw new Error('not a directory');
    } catch {
      return err(makeError('SANDBOX_POLICY_INVALID', `Sandbox folder ${path} does not exist.`, { path }));
    }
  }
  if (!isWithin(policy.worktree, request.cwd))
    return err(
      makeError('SANDBOX_POLICY_INVALID', `The command's folder ${request.cwd} is outside the worktree.`, {
        path: request.cwd,
      }),
    );
  return ok(undefined);
}

/**
 * What to spawn so that bwrap starts inside `cgroup` (when there is one): `/bin/sh` joins the cgroups, then
 * `exec`s bwrap, so every process of the sandbox is counted from the first fork.
 */
export function launchInCgroup(
  bwrapPath: string,
  bwrapArgs: readonly string[],
  cgroup: CommandCgroup | undefined,
): { file: string; args: string[] } {
  if (cgroup === undefined) return { file: bwrapPath, args: [...bwrapArgs] };
  return {
    file: '/bin/sh',
    args: [
      '-c',
      ENTER_CGROUP_SCRIPT,
      'sh',
      String(cgroup.procsFiles.length),
      ...cgroup.procsFiles,
      bwrapPath,
      ...bwrapArgs,
    ],
  };
}

let sequence = 0;

/** A cgroup name unique on this machine for this daemon process: `<prefix><pid>-<time>-<n>`. */
export function cgroupName(prefix: string): string {
  sequence += 1;
  return `${prefix}${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

/** Wraps one command for bwrap at `bwrapPath`, with limits from `cgroups` and a proxy for the allowlist. */
export async function wrapWithBubblewrap(
  bwrapPath: string,
  features: { readonly disableUserns: boolean },
  cgroups: CgroupSupport,
  request: SandboxCommandRequest,
  policy: SandboxPolicy,
): Promise<Result<SandboxedCommand, SandboxError>> {
  const valid = validatePolicy(policy, request);
  if (valid.isErr()) return err(valid.error);
  let proxyDir: string | undefined;
  let proxy: Awaited<ReturnType<typeof startFilteringProxy>> | undefined;
  if (policy.networkAllow.length > 0) {
    try {
      proxyDir = mkdtempSync(join(tmpdir(), 'worktrain-proxy-'));
      proxy = await startFilteringProxy(policy.networkAllow, { path: join(proxyDir, 'proxy.sock') });
    } catch (e) {
      if (proxyDir !== undefined) rmSync(proxyDir, { recursive: true, force: true });
      return err(
        makeError('SANDBOX_SETUP_FAILED', 'The sandbox network proxy could not start.', { cause: String(e) }),
      );
    }
  }
  const bwrap = bubblewrapArgs(policy, request, {
    disableUserns: features.disableUserns,
    ...(proxy === undefined ? {} : { proxySocket: proxy.address }),
  });
  const cgroup = cgroups.create(cgroupName('c'), policy.limits);
  const env = sandboxEnv(policy, request);
  let released: Promise<SandboxReport> | undefined;
  return ok({
    ...launchInCgroup(bwrapPath, bwrap, cgroup),
    env,
    release() {
      released ??= (async () => {
        const hit = cgroup?.limitsHit() ?? { memory: false, processes: false };
        cgroup?.remove();
        const networkDenied = proxy?.denied() ?? [];
        await proxy?.close();
        if (proxyDir !== undefined) rmSync(proxyDir, { recursive: true, force: true });
        return {
          backend: 'bubblewrap' as const,
          networkDenied,
          memoryLimitHit: hit.memory,
          processLimitHit: hit.processes,
        };
      })();
      return released;
    },
  });
}
