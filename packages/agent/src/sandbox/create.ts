/**
 * `createSandbox()`: picks and probes the backend for this machine. With mode `enforce` (the default) a
 * missing or broken backend is SANDBOX_UNAVAILABLE with the reasons and how to fix them — callers fail
 * closed on it. Mode `off` gives the `none` backend, which runs commands unconfined and says so in
 * `info.warnings`; it is never chosen silently.
 */
import { existsSync, readFileSync } from 'node:fs';
import {
  err,
  makeError,
  ok,
  type Result,
  type Sandbox,
  type SandboxError,
  type SandboxInfo,
  type SandboxPolicy,
  type SandboxRunner,
} from '@worktrain/contracts';
import { execa } from 'execa';
import { validatePolicy, wrapWithBubblewrap } from './bubblewrap.js';
import { type CgroupSupport, detectCgroupSupport } from './cgroup.js';
import { createWrappedRunner } from './runner.js';
import { wrapWithSeatbelt } from './seatbelt.js';
import { openWarmBubblewrap } from './warm.js';

export interface CreateSandboxOptions {
  /** `enforce` (default) or `off` (commands unconfined; warned about). */
  readonly mode?: 'enforce' | 'off';
  /** Default `process.platform`. */
  readonly platform?: NodeJS.Platform;
  /** Default: `bwrap` found on PATH. */
  readonly bwrapPath?: string;
  /** Default `/usr/bin/sandbox-exec`. */
  readonly sandboxExecPath?: string;
  /** Default: detected (`detectCgroupSupport()`). */
  readonly cgroups?: CgroupSupport;
}

/** The warning for mode `off`, shown at start, in doctor, in `sessions show` and in each session's log. */
export const SANDBOX_OFF_WARNING =
  "sandbox.mode is 'off': agent commands run unconfined, with the daemon user's access to files, secrets and the network";

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = `${dir}/${name}`;
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

const readSysctl = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Why user namespaces may be refused here, and how to allow them (Ubuntu 24.04's AppArmor restriction first). */
export function userNamespaceHints(): string[] {
  const hints: string[] = [];
  if (readSysctl('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1')
    hints.push(
      'AppArmor restricts unprivileged user namespaces (Ubuntu 24.04+): allow them with `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` (persist it in /etc/sysctl.d/), or add an AppArmor profile for bwrap granting `userns`',
    );
  if (readSysctl('/proc/sys/kernel/unprivileged_userns_clone') === '0')
    hints.push(
      'unprivileged user namespaces are disabled: `sudo sysctl -w kernel.unprivileged_userns_clone=1`',
    );
  if (readSysctl('/proc/sys/user/max_user_namespaces') === '0')
    hints.push('user namespaces are disabled: `sudo sysctl -w user.max_user_namespaces=15000`');
  return hints;
}

/** The unconfined backend of mode `off`. */
export function createUnconfinedSandbox(): Sandbox {
  const wrap: Sandbox['wrap'] = async (request, policy) => {
    const valid = validatePolicy(policy, request);
    if (valid.isErr()) return err(valid.error);
    const [file, ...args] = request.argv;
    const report = {
      backend: 'none' as const,
      networkDenied: [],
      memoryLimitHit: false,
      processLimitHit: false,
    };
    return ok({
      file,
      args,
      env: { ...request.env, HOME: policy.home, TMPDIR: policy.tmp },
      release: async () => report,
    });
  };
  return {
    info: {
      backend: 'none',
      enforced: false,
      version: null,
      limits: 'none',
      warnings: [SANDBOX_OFF_WARNING],
    },
    wrap,
    open: (policy) => openWrappedRunner(wrap, policy),
  };
}

/** `Sandbox.open` of the backends that sandbox each command afresh (Seatbelt, none). */
async function openWrappedRunner(
  wrap: Sandbox['wrap'],
  policy: SandboxPolicy,
): Promise<Result<SandboxRunner, SandboxError>> {
  const valid = validatePolicy(policy, { argv: ['true'], cwd: policy.worktree, env: {} });
  if (valid.isErr()) return err(valid.error);
  return ok(createWrappedRunner(wrap, policy));
}

async function probeBubblewrap(
  bwrap: string,
): Promise<Result<{ version: string; disableUserns: boolean }, string>> {
  const version = await execa(bwrap, ['--version'], { reject: false, timeout: 10_000 });
  if (version.exitCode !== 0) return err(`\`${bwrap} --version\` failed: ${String(version.stderr).trim()}`);
  const text = String(version.stdout).trim();
  const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(text) ?? []).slice(1).map(Number);
  // The probe uses every namespace a command gets: a host that refuses one fails here, not mid-session.
  const probe = await execa(
    bwrap,
    [
      '--ro-bind',
      '/',
      '/',
      '--unshare-all',
      '--unshare-user',
      '--die-with-parent',
      '--new-session',
      '--',
      'true',
    ],
    { reject: false, timeout: 10_000 },
  );
  if (probe.exitCode !== 0)
    return err(
      `bubblewrap cannot create namespaces here: ${String(probe.stderr).trim() || `exit ${probe.exitCode}`}`,
    );
  return ok({ version: text, disableUserns: major > 0 || minor >= 8 });
}

/**
 * Builds the sandbox for this machine. Errors: SANDBOX_UNSUPPORTED_PLATFORM (Windows, any mode but `off`),
 * SANDBOX_UNAVAILABLE (details.reasons: string[], details.fix: string) when no backend works.
 */
export async function createSandbox(
  options: CreateSandboxOptions = {},
): Promise<Result<Sandbox, SandboxError>> {
  if (options.mode === 'off') return ok(createUnconfinedSandbox());
  const platform = options.platform ?? process.platform;
  if (platform === 'linux') {
    const bwrap = options.bwrapPath ?? findOnPath('bwrap');
    if (bwrap === undefined)
      return err(
        makeError('SANDBOX_UNAVAILABLE', 'No sandbox: bubblewrap (bwrap) is not installed.', {
          reasons: ['bwrap not found on PATH'],
          fix: 'Install bubblewrap (`sudo apt-get install bubblewrap`, `sudo dnf install bubblewrap`), or set `sandbox.mode: off` in config.yaml to run agents unconfined (not recommended).',
        }),
      );
    const probe = await probeBubblewrap(bwrap);
    if (probe.isErr()) {
      const hints = userNamespaceHints();
      return err(
        makeError('SANDBOX_UNAVAILABLE', `No sandbox: ${probe.error}`, {
          reasons: [probe.error],
          fix:
            hints.length > 0
              ? hints.join('; ')
              : 'Allow unprivileged user namespaces for bwrap (see `worktrain doctor`), or set `sandbox.mode: off` (not recommended).',
        }),
      );
    }
    const cgroups = options.cgroups ?? detectCgroupSupport();
    const info: SandboxInfo = {
      backend: 'bubblewrap',
      enforced: true,
      version: probe.value.version,
      limits: cgroups.kind,
      warnings:
        cgroups.kind === 'none'
          ? [`memory and process limits are not enforced: ${cgroups.reason ?? 'no usable cgroup'}`]
          : [],
    };
    const { disableUserns } = probe.value;
    return ok({
      info,
      wrap: (request, policy) => wrapWithBubblewrap(bwrap, { disableUserns }, cgroups, request, policy),
      open: (policy) => openWarmBubblewrap({ bwrapPath: bwrap, disableUserns, cgroups, policy }),
    });
  }
  if (platform === 'darwin') {
    const path = options.sandboxExecPath ?? '/usr/bin/sandbox-exec';
    if (!existsSync(path))
      return err(
        makeError('SANDBOX_UNAVAILABLE', `No sandbox: ${path} is missing.`, {
          reasons: [`${path} not found`],
          fix: 'sandbox-exec ships with macOS; check the path, or set `sandbox.mode: off` (not recommended).',
        }),
      );
    return ok({
      info: {
        backend: 'seatbelt',
        enforced: true,
        version: null,
        limits: 'none',
        warnings: ['memory and process limits are not enforced on macOS (no cgroups)'],
      },
      wrap: (request, policy) => wrapWithSeatbelt(path, request, policy),
      open: (policy) => openWrappedRunner((r, p) => wrapWithSeatbelt(path, r, p), policy),
    });
  }
  return err(
    makeError(
      'SANDBOX_UNSUPPORTED_PLATFORM',
      `No sandbox backend for ${platform}: WorkTrain confines agents with bubblewrap (Linux) or Seatbelt (macOS). Run the daemon on Linux or macOS (WSL2 works), or set \`sandbox.mode: off\` (not recommended).`,
      { platform },
    ),
  );
}
