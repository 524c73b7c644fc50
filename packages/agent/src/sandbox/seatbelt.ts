/**
 * The macOS backend: Seatbelt profiles run with `/usr/bin/sandbox-exec -p <profile>`, the mechanism Claude
 * Code's `@anthropic-ai/sandbox-runtime` and Chromium use. The profile is generated from the same
 * {@link SandboxPolicy} as bubblewrap's mounts: reads allowed except the hidden folders (with toolchains
 * re-allowed), writes only to the worktree, its git admin folder and the private HOME/TMPDIR, no network
 * but the filtering proxy on loopback. Seatbelt rules are evaluated last-match-wins, so denials come after
 * the broad allow and the re-allowed folders after the denials.
 *
 * Tested here only for its rules (the generated text); it runs on macOS only. Known gaps against the Linux
 * backend: no memory or process limits (no cgroups), and no pid namespace, so a process that leaves the
 * command's process group (`setsid`) is not killed with it.
 */
import { join } from 'node:path';
import {
  err,
  makeError,
  ok,
  type Result,
  type SandboxCommandRequest,
  type SandboxError,
  type SandboxedCommand,
  type SandboxPolicy,
} from '@worktrain/contracts';
import { sandboxEnv, validatePolicy } from './bubblewrap.js';
import { startFilteringProxy } from './proxy.js';

/** An SBPL string literal (`"…"` with backslashes and quotes escaped). */
export function sbplString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const subpaths = (paths: readonly string[]): string =>
  paths.map((p) => `(subpath ${sbplString(p)})`).join(' ');

/** The Seatbelt profile text for `policy`; `proxyPort` allows outbound connections to 127.0.0.1:<port> only. */
export function seatbeltProfile(policy: SandboxPolicy, proxyPort?: number): string {
  const writable = [
    policy.worktree,
    policy.home,
    policy.tmp,
    ...(policy.gitAdminDir === undefined ? [] : [policy.gitAdminDir]),
  ];
  const readable = [
    ...policy.readOnly,
    ...writable,
    ...(policy.gitCommonDir === undefined ? [] : [policy.gitCommonDir]),
  ];
  const lines = [
    '(version 1)',
    '(deny default)',
    '(allow process-exec process-fork)',
    '(allow signal (target same-sandbox))',
    '(allow sysctl-read)',
    '(allow mach-lookup)',
    '(allow ipc-posix-shm ipc-posix-sem)',
    '(allow file-read*)',
  ];
  if (policy.hidden.length > 0) lines.push(`(deny file-read* ${subpaths(policy.hidden)})`);
  lines.push(`(allow file-read* ${subpaths(readable)})`);
  lines.push(
    `(allow file-write* ${subpaths(writable)} (literal "/dev/null") (literal "/dev/tty") (literal "/dev/dtracehelper"))`,
  );
  if (policy.gitCommonDir !== undefined) {
    const protectedPaths = [join(policy.gitCommonDir, 'config'), join(policy.gitCommonDir, 'hooks')];
    lines.push(`(deny file-write* ${subpaths(protectedPaths)})`);
  }
  if (proxyPort !== undefined) lines.push(`(allow network-outbound (remote ip "localhost:${proxyPort}"))`);
  return `${lines.join('\n')}\n`;
}

/** Wraps one command for `sandbox-exec`. */
export async function wrapWithSeatbelt(
  sandboxExecPath: string,
  request: SandboxCommandRequest,
  policy: SandboxPolicy,
): Promise<Result<SandboxedCommand, SandboxError>> {
  const valid = validatePolicy(policy, request);
  if (valid.isErr()) return err(valid.error);
  let proxy: Awaited<ReturnType<typeof startFilteringProxy>> | undefined;
  if (policy.networkAllow.length > 0) {
    try {
      proxy = await startFilteringProxy(policy.networkAllow, { port: 0 });
    } catch (e) {
      return err(
        makeError('SANDBOX_SETUP_FAILED', 'The sandbox network proxy could not start.', { cause: String(e) }),
      );
    }
  }
  const port = proxy === undefined ? undefined : Number(proxy.address.split(':')[1]);
  const env = sandboxEnv(policy, request);
  if (port !== undefined)
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'npm_config_proxy'])
      env[name] = `http://127.0.0.1:${port}`;
  const profile = seatbeltProfile(policy, port);
  let released: ReturnType<SandboxedCommand['release']> | undefined;
  return ok({
    file: sandboxExecPath,
    args: ['-p', profile, ...request.argv],
    env,
    release() {
      released ??= (async () => {
        const networkDenied = proxy?.denied() ?? [];
        await proxy?.close();
        return { backend: 'seatbelt' as const, networkDenied, memoryLimitHit: false, processLimitHit: false };
      })();
      return released;
    },
  });
}
