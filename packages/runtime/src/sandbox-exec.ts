/**
 * The operator's view of the sandbox: `worktrain sandbox exec` runs one command exactly as the agent's
 * shell would (same profile, environment and limits as a session), and `worktrain doctor`'s `sandbox`
 * check probes the backend live: a secret file placed in `$WORKTRAIN_HOME` must be unreadable from inside,
 * and the loopback must be unreachable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import {
  buildSandboxPolicy,
  buildToolEnv,
  createSandbox,
  SANDBOX_OFF_WARNING,
  userNamespaceHints,
} from '@worktrain/agent';
import {
  err,
  makeError,
  ok,
  type Result,
  type SandboxConfig,
  type SandboxError,
  type SandboxInfo,
  type SandboxPolicy,
  type SandboxReport,
  type WorktrainPaths,
} from '@worktrain/contracts';
import { execa } from 'execa';

/** Options of {@link runSandboxExec}. */
export interface SandboxExecOptions {
  readonly paths: Pick<WorktrainPaths, 'home' | 'sandbox'>;
  readonly config: SandboxConfig;
  /** The folder the command runs in (read-write), like a session's worktree. */
  readonly workspace: string;
  /** Hosts added to `config.network.allow` for this command. */
  readonly allowNet?: readonly string[];
  readonly argv: readonly [string, ...string[]];
  /** True: capture stdout/stderr (for `--format json`); false: the command writes to this terminal. */
  readonly capture: boolean;
  /** Parent environment (allow-listed variables only reach the command, as for the agent). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** ms; default none. */
  readonly timeoutMs?: number;
}

/** What one `sandbox exec` did. */
export interface SandboxExecResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly sandbox: SandboxInfo;
  readonly report: SandboxReport;
  /** The profile the command ran under (paths hidden, read-only, read-write; network allowlist; limits). */
  readonly policy: SandboxPolicy;
}

/** The git admin folder and common dir of `dir`, when it is a git working tree. Admin folders are accepted
 *  only as the common dir itself or one of its `worktrees/<name>` folders (never an arbitrary path a
 *  planted `.git` file names). */
async function gitDirsOf(dir: string): Promise<{ gitAdminDir?: string; gitCommonDir?: string }> {
  const run = await execa(
    'git',
    [
      '-c',
      'core.fsmonitor=false',
      '-c',
      'core.hooksPath=/dev/null',
      '-C',
      dir,
      'rev-parse',
      '--absolute-git-dir',
      '--git-common-dir',
    ],
    {
      reject: false,
      env: { GIT_TERMINAL_PROMPT: '0', PATH: process.env.PATH ?? '/usr/bin:/bin' },
      extendEnv: false,
    },
  );
  if (run.exitCode !== 0) return {};
  const [admin = '', commonRaw = ''] = String(run.stdout).split('\n');
  const common = realpathSync(isAbsolute(commonRaw) ? commonRaw : resolve(dir, commonRaw));
  const gitAdminDir = realpathSync(admin);
  const inside = gitAdminDir === common || gitAdminDir.startsWith(`${join(common, 'worktrees')}${sep}`);
  return inside ? { gitAdminDir, gitCommonDir: common } : { gitCommonDir: common };
}

/**
 * Runs `argv` in `workspace` under the configured sandbox (mode `off`: unconfined, as the daemon would).
 * A private HOME/TMPDIR is made under `$WORKTRAIN_HOME/sandbox/exec-*` and removed afterwards.
 * Errors: SANDBOX_UNAVAILABLE / SANDBOX_UNSUPPORTED_PLATFORM (no backend: details.fix), SANDBOX_POLICY_INVALID
 * (the workspace is not a folder), SANDBOX_SETUP_FAILED.
 */
export async function runSandboxExec(
  options: SandboxExecOptions,
): Promise<Result<SandboxExecResult, SandboxError>> {
  let workspace: string;
  try {
    workspace = realpathSync(options.workspace);
    if (!statSync(workspace).isDirectory()) throw new Error('not a directory');
  } catch {
    return err(
      makeError('SANDBOX_POLICY_INVALID', `--workspace ${options.workspace} is not a folder.`, {
        path: options.workspace,
      }),
    );
  }
  const built = await createSandbox({ mode: options.config.mode });
  if (built.isErr()) return err(built.error);
  const sandbox = built.value;
  const stateParent = existsSync(options.paths.home) ? options.paths.sandbox : tmpdir();
  mkdirSync(stateParent, { recursive: true, mode: 0o700 });
  const stateDir = mkdtempSync(join(stateParent, 'exec-'));
  try {
    const policy = buildSandboxPolicy({
      worktree: workspace,
      ...(await gitDirsOf(workspace)),
      stateDir,
      worktrainHome: options.paths.home,
      networkAllow: [...new Set([...options.config.network.allow, ...(options.allowNet ?? [])])],
      limits: options.config.limits,
      hide: options.config.hide,
      readOnly: options.config.readOnly,
    });
    const { env } = buildToolEnv({ parent: options.env ?? process.env, home: policy.home });
    const wrapped = await sandbox.wrap({ argv: options.argv, cwd: workspace, env }, policy);
    if (wrapped.isErr()) return err(wrapped.error);
    const run = await execa(wrapped.value.file, wrapped.value.args, {
      cwd: workspace,
      env: wrapped.value.env,
      extendEnv: false,
      reject: false,
      stdin: options.capture ? 'ignore' : 'inherit',
      stdout: options.capture ? 'pipe' : 'inherit',
      stderr: options.capture ? 'pipe' : 'inherit',
      ...(options.timeoutMs === undefined
        ? {}
        : { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const }),
    });
    const report = await wrapped.value.release();
    return ok({
      exitCode: run.exitCode ?? null,
      signal: run.signal ?? null,
      timedOut: run.timedOut === true,
      ...(options.capture ? { stdout: String(run.stdout ?? ''), stderr: String(run.stderr ?? '') } : {}),
      sandbox: sandbox.info,
      report,
      policy,
    });
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** A doctor check's shape (the CLI renders it). */
export interface SandboxProbe {
  readonly status: 'ok' | 'warn' | 'fail';
  readonly message: string;
  readonly fix?: string;
  readonly details: Record<string, unknown>;
}

/**
 * Probes the sandbox as configured: backend and version, limits, and a live run in which a secret file
 * placed in `$WORKTRAIN_HOME` (a temp stand-in when the home does not exist yet) must be unreadable and a
 * loopback port of this process unreachable. `fail` when mode is `enforce` and either holds or no backend
 * works; `warn` when mode is `off` or limits are not enforced.
 */
export async function probeSandbox(
  paths: Pick<WorktrainPaths, 'home' | 'sandbox'>,
  config: SandboxConfig,
): Promise<SandboxProbe> {
  if (config.mode === 'off')
    return {
      status: 'warn',
      message: SANDBOX_OFF_WARNING,
      fix: 'remove `sandbox.mode: off` from config.yaml',
      details: { mode: 'off' },
    };
  const built = await createSandbox({ mode: 'enforce' });
  if (built.isErr()) {
    const hints = userNamespaceHints();
    return {
      status: 'fail',
      message: `${built.error.message} Agent sessions will not run (fail closed).`,
      fix: String(built.error.details?.fix ?? hints.join('; ')),
      details: { code: built.error.code, ...(built.error.details ?? {}), hints },
    };
  }
  const info = built.value.info;
  const homeExists = existsSync(paths.home);
  const fakeRoot = homeExists ? null : mkdtempSync(join(tmpdir(), 'worktrain-doctor-'));
  const home = fakeRoot ?? paths.home;
  const secretValue = randomBytes(16).toString('hex');
  const secretFile = join(home, `.doctor-sandbox-probe-${secretValue.slice(0, 8)}`);
  const server = createServer((s) => s.end(secretValue));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    writeFileSync(secretFile, secretValue, { mode: 0o600 });
    const workspace = mkdtempSync(join(tmpdir(), 'worktrain-doctor-wt-'));
    const run = await runSandboxExec({
      paths: { home, sandbox: join(home, 'sandbox') },
      config,
      workspace,
      argv: [
        '/bin/sh',
        '-c',
        `cat '${secretFile}'; (exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3) 2>/dev/null; true`,
      ],
      capture: true,
      timeoutMs: 20_000,
    });
    rmSync(workspace, { recursive: true, force: true });
    if (run.isErr())
      return {
        status: 'fail',
        message: `the sandbox could not run a probe: ${run.error.message}`,
        details: { code: run.error.code },
      };
    const leaked = `${run.value.stdout ?? ''}${run.value.stderr ?? ''}`.includes(secretValue);
    const details = {
      backend: info.backend,
      version: info.version,
      limits: info.limits,
      warnings: info.warnings,
    };
    if (leaked)
      return {
        status: 'fail',
        message: `${info.backend}: a probe read a secret in $WORKTRAIN_HOME or reached the loopback from inside the sandbox`,
        fix: 'check sandbox.readOnly and the mounts on this machine; report this as a bug',
        details,
      };
    const base = `${info.backend}${info.version === null ? '' : ` (${info.version.replace(/^bubblewrap /, '')})`}: a secret in $WORKTRAIN_HOME is unreadable and the loopback unreachable from inside`;
    if (info.limits === 'none')
      return {
        status: 'warn',
        message: `${base}; memory and process limits are NOT enforced`,
        fix: info.warnings.join('; '),
        details,
      };
    return { status: 'ok', message: `${base}; limits: ${info.limits}`, details };
  } finally {
    server.close();
    rmSync(secretFile, { force: true });
    if (fakeRoot !== null) rmSync(fakeRoot, { recursive: true, force: true });
  }
}
