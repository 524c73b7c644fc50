/**
 * `worktrain daemon install`: writes a service definition that runs `worktrain-daemon` with this data
 * directory — a systemd user unit on Linux, a launchd agent on macOS — and prints how to enable it. It never
 * calls `systemctl`/`launchctl` unless `--enable` is given; `--dry-run` only prints.
 */
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import type { ServicePlatform, ServiceSpec } from '@worktrain/runtime';
import { type CliError, cliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';

/**
 * The service managers `--platform` accepts: a copy of @worktrain/runtime's `SERVICE_PLATFORMS` (kept equal
 * by a test), so registering the option does not load the runtime at CLI start-up.
 */
export const SERVICE_PLATFORMS = ['systemd', 'launchd'] as const satisfies readonly ServicePlatform[];

export type { ServicePlatform } from '@worktrain/runtime';

export interface DaemonInstallOptions {
  readonly home?: string;
  readonly port?: number;
  /** Default: `systemd` on Linux, `launchd` on macOS. */
  readonly platform?: ServicePlatform;
  /** Directory of the unit file; default `$WORKTRAIN_SERVICE_DIR`, else the platform's user directory. */
  readonly targetDir?: string;
  /** The `worktrain-daemon` script; default: found next to this CLI or on PATH. */
  readonly daemonBin?: string;
  /** Only print the file and the commands. */
  readonly dryRun: boolean;
  /** Also run the enable commands (never without this flag). */
  readonly enable: boolean;
}

export interface DaemonInstallOutput {
  readonly platform: ServicePlatform;
  /** Where the file is (or would be) written. */
  readonly path: string;
  readonly content: string;
  /** `created`, `updated`, `unchanged`, or `dry-run` (nothing written). */
  readonly status: 'created' | 'updated' | 'unchanged' | 'dry-run';
  /** Commands that enable and start the service (run for you only with `--enable`). */
  readonly enableCommands: readonly string[];
  readonly enabled: boolean;
  readonly warnings: readonly string[];
}

/**
 * `worktrain daemon install`. Errors: USAGE (unsupported platform without `--platform`), DAEMON_ERROR
 * (`worktrain-daemon` not found, the file cannot be written, an enable command failed: `details.output`).
 */
export async function executeDaemonInstall(
  deps: CliDeps,
  opts: DaemonInstallOptions,
): Promise<Result<DaemonInstallOutput, CliError>> {
  const platform = opts.platform ?? defaultPlatform();
  if (platform === null)
    return err(
      usageError(
        `no service manager known for ${process.platform}; pass --platform systemd or --platform launchd`,
      ),
    );
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const bin = findDaemonBin(deps, opts.daemonBin);
  if (bin.isErr()) return err(bin.error);
  const warnings: string[] = [];
  const dist = join(dirname(bin.value), '..', 'dist', 'main.js');
  if (bin.value.endsWith('worktrain-daemon.js') && !existsSync(dist))
    warnings.push(`${dist} does not exist yet: build before starting the service (pnpm build)`);
  const spec: ServiceSpec = {
    argv: [
      ...(isNodeScript(bin.value) ? [process.execPath] : []),
      bin.value,
      ...(opts.port !== undefined ? ['--port', String(opts.port)] : []),
    ],
    home: paths.home,
    path: deps.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    stopTimeoutSec: 90,
  };
  const home = deps.env.HOME ?? homedir();
  const targetDir = resolve(
    deps.cwd,
    opts.targetDir ??
      deps.env.WORKTRAIN_SERVICE_DIR ??
      (platform === 'systemd'
        ? join(deps.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'systemd', 'user')
        : join(home, 'Library', 'LaunchAgents')),
  );
  const { renderServiceFile, serviceEnableCommands } = await import('@worktrain/runtime');
  const rendered = renderServiceFile(platform, spec);
  const file = join(targetDir, rendered.fileName);
  const content = rendered.content;
  const enableArgv = serviceEnableCommands(platform, file, process.getuid?.() ?? 501);
  const enableCommands = enableArgv.map((a) => a.map(shellWord).join(' '));
  if (platform === 'systemd')
    warnings.push(
      `to keep it running while you are logged out: loginctl enable-linger ${deps.env.USER ?? '$USER'}`,
    );
  if (opts.dryRun)
    return ok({ platform, path: file, content, status: 'dry-run', enableCommands, enabled: false, warnings });

  let previous: string | null = null;
  try {
    previous = readFileSync(file, 'utf8');
  } catch {
    previous = null;
  }
  try {
    mkdirSync(targetDir, { recursive: true });
    mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
    if (previous !== content) writeFileSync(file, content, { mode: 0o644 });
  } catch (thrown) {
    return err(cliError('DAEMON_ERROR', `Cannot write ${file}: ${String(thrown)}`, { path: file }));
  }
  const status = previous === null ? 'created' : previous === content ? 'unchanged' : 'updated';
  if (!opts.enable)
    return ok({ platform, path: file, content, status, enableCommands, enabled: false, warnings });
  for (const [cmd = '', ...args] of enableArgv) {
    const ran = await run(cmd, args, deps.env);
    if (ran.code !== 0)
      return err(
        cliError(
          'DAEMON_ERROR',
          `${[cmd, ...args].join(' ')} failed (exit ${ran.code}); the file is at ${file}`,
          {
            path: file,
            output: ran.output.slice(-2000),
          },
        ),
      );
  }
  return ok({ platform, path: file, content, status, enableCommands, enabled: true, warnings });
}

/** A `.js` file or a `#!… node` script is run with this Node binary (service managers have a bare PATH). */
function isNodeScript(path: string): boolean {
  if (/\.[cm]?js$/.test(path)) return true;
  try {
    return /^#!.*\bnode\b/.test(readFileSync(path, 'utf8').slice(0, 200));
  } catch {
    return false;
  }
}

function defaultPlatform(): ServicePlatform | null {
  if (process.platform === 'linux') return 'systemd';
  if (process.platform === 'darwin') return 'launchd';
  return null;
}

const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`);

function run(
  cmd: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(cmd, [...args], { env: { ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 127;
      done({
        code,
        output: `${stdout}${stderr}${error !== null && code === 127 ? String(error.message) : ''}`,
      });
    });
  });
}

/**
 * The `worktrain-daemon` script: `--daemon-bin`, else the daemon package installed beside this CLI (the
 * monorepo's `apps/daemon`, or `node_modules/@worktrain/daemon`), else `worktrain-daemon` on PATH.
 */
function findDaemonBin(deps: CliDeps, given: string | undefined): Result<string, CliError> {
  if (given !== undefined) {
    const abs = isAbsolute(given) ? given : resolve(deps.cwd, given);
    return existsSync(abs)
      ? ok(abs)
      : err(cliError('FILE_NOT_FOUND', `--daemon-bin: no file at ${abs}`, { path: abs }));
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    for (const candidate of [
      join(dir, 'apps', 'daemon', 'bin', 'worktrain-daemon.js'),
      join(dir, 'node_modules', '@worktrain', 'daemon', 'bin', 'worktrain-daemon.js'),
    ])
      if (existsSync(candidate)) return ok(realpathSync(candidate));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const entry of (deps.env.PATH ?? '').split(delimiter)) {
    if (entry === '') continue;
    const candidate = join(entry, 'worktrain-daemon');
    try {
      accessSync(candidate, constants.X_OK);
      return ok(realpathSync(candidate));
    } catch {
      // not here
    }
  }
  return err(
    cliError(
      'DAEMON_ERROR',
      'Cannot find the worktrain-daemon executable; install @worktrain/daemon or pass --daemon-bin <path>.',
    ),
  );
}
