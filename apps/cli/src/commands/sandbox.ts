/**
 * `worktrain sandbox exec --workspace <dir> [--allow-net host,...] -- <cmd...>`: runs one command exactly as
 * the agent's shell would (config.yaml's `sandbox:` profile, environment and limits) and exits with its
 * code. Operators use it to see what an agent can see. The logic is `runSandboxExec` in
 * `@worktrain/runtime`; this file parses options and renders.
 */
import { resolve } from 'node:path';
import { err, ok, resolveWorktrainPaths } from '@worktrain/contracts';
import type { SandboxExecResult } from '@worktrain/runtime';
import type { Command } from 'commander';
import { cliError, usageError } from '../cli-error.js';
import type { CommandContext } from '../program.js';

/** `--format json` output of `sandbox exec`. */
export interface SandboxExecOutput {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly backend: string;
  readonly limits: string;
  readonly warnings: readonly string[];
  readonly networkDenied: readonly {
    readonly host: string;
    readonly port: number;
    readonly reason: string;
  }[];
  readonly memoryLimitHit: boolean;
  readonly processLimitHit: boolean;
  readonly profile: {
    readonly readWrite: readonly string[];
    readonly readOnly: readonly string[];
    readonly hidden: readonly string[];
    readonly networkAllow: readonly string[];
    readonly memoryBytes: number;
    readonly maxProcesses: number;
  };
}

function toOutput(r: SandboxExecResult): SandboxExecOutput {
  const p = r.policy;
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    timedOut: r.timedOut,
    ...(r.stdout === undefined ? {} : { stdout: r.stdout }),
    ...(r.stderr === undefined ? {} : { stderr: r.stderr }),
    backend: r.sandbox.backend,
    limits: r.sandbox.limits,
    warnings: r.sandbox.warnings,
    networkDenied: r.report.networkDenied,
    memoryLimitHit: r.report.memoryLimitHit,
    processLimitHit: r.report.processLimitHit,
    profile: {
      readWrite: [p.worktree, ...(p.gitAdminDir === undefined ? [] : [p.gitAdminDir]), p.home, p.tmp],
      readOnly: ['/', ...(p.gitCommonDir === undefined ? [] : [p.gitCommonDir]), ...p.readOnly],
      hidden: p.hidden,
      networkAllow: p.networkAllow,
      memoryBytes: p.limits.memoryBytes,
      maxProcesses: p.limits.maxProcesses,
    },
  };
}

/** Exit code of the sandboxed command, shell-style: 128+n when a signal killed it. */
function exitCodeOf(o: SandboxExecOutput): number {
  if (o.exitCode !== null) return o.exitCode;
  const n =
    o.signal === null ? 0 : ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[o.signal];
  return 128 + (n ?? 1);
}

/** Text view: the command already wrote to the terminal; only what the sandbox refused goes to stderr-like notes. */
function renderText(o: SandboxExecOutput): string {
  const notes = [
    ...o.warnings.map((w) => `worktrain sandbox: warning: ${w}`),
    ...o.networkDenied.map(
      (d) => `worktrain sandbox: connection to ${d.host}:${d.port} refused (${d.reason})`,
    ),
    ...(o.memoryLimitHit ? ['worktrain sandbox: the memory limit was reached'] : []),
    ...(o.processLimitHit ? ['worktrain sandbox: the process limit was reached'] : []),
  ];
  return notes.join('\n');
}

export function registerSandboxCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const sandbox = program
    .command('sandbox')
    .description('the OS sandbox agent commands run in (bubblewrap on Linux, Seatbelt on macOS)');
  sandbox
    .command('exec')
    .description(
      "run one command exactly as the agent's shell would (same profile, environment and limits) and exit with its code",
    )
    .requiredOption(
      '--workspace <dir>',
      'the folder the command runs in, read-write (like a session worktree)',
    )
    .option(
      '--allow-net <hosts>',
      'comma-separated hosts reachable through the filtering proxy (added to sandbox.network.allow)',
    )
    .argument('<command...>', 'the command and its arguments (put them after --)')
    .action(async (argv: string[], raw: { workspace: string; allowNet?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const [file, ...rest] = argv;
          if (file === undefined) return err(usageError('sandbox exec needs a command after --'));
          const paths = resolveWorktrainPaths({
            ...(g.home !== undefined ? { home: g.home } : {}),
            env: deps.env,
            cwd: deps.cwd,
          });
          const runtime = await import('@worktrain/runtime');
          const config = runtime.loadRuntimeConfig({
            configPath: paths.config,
            envFile: paths.envFile,
            env: deps.env,
          });
          if (config.isErr())
            return err(cliError('CONFIG_INVALID', config.error.message, config.error.details));
          const allowNet = (raw.allowNet ?? '')
            .split(',')
            .map((h) => h.trim())
            .filter((h) => h !== '');
          const run = await runtime.runSandboxExec({
            paths,
            config: config.value.sandbox,
            workspace: resolve(deps.cwd, raw.workspace),
            allowNet,
            argv: [file, ...rest],
            capture: g.format === 'json',
            env: deps.env,
          });
          if (run.isErr()) return err(cliError('SANDBOX_UNAVAILABLE', run.error.message, run.error.details));
          return ok(toOutput(run.value));
        },
        { text: renderText, exitCode: exitCodeOf },
      );
    });
}
