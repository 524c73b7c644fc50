/**
 * `worktrain daemon run|start|stop|status|install`: option parsing and registration. What each command does
 * is in `daemon-control.ts` (run, start, stop, status) and `daemon-install.ts`; `--port` and
 * WORKTRAIN_HOME (or `--home`) are honoured by every command.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import { type Command, Option } from 'commander';
import { type CliError, usageError } from '../cli-error.js';
import type { CommandContext } from '../program.js';
import {
  executeDaemonRun,
  executeDaemonStart,
  executeDaemonStatus,
  executeDaemonStop,
  renderDaemonStatus,
} from './daemon-control.js';
import { executeDaemonInstall, SERVICE_PLATFORMS, type ServicePlatform } from './daemon-install.js';

export type { DaemonStartOutput, DaemonStatusOutput } from './daemon-control.js';
export {
  executeDaemonRun,
  executeDaemonStart,
  executeDaemonStatus,
  executeDaemonStop,
  renderDaemonStatus,
  renderQueueDepth,
} from './daemon-control.js';

function parsePort(raw: string | undefined): Result<number | undefined, CliError> {
  if (raw === undefined) return ok(undefined);
  const n = Number(raw);
  return /^\d+$/.test(raw) && n <= 65_535
    ? ok(n)
    : err(usageError(`option '--port' expects 0..65535, got '${raw}'`));
}

const homeOpt = (home: string | undefined) => (home !== undefined ? { home } : {});

/** `--home` and `--port` of a daemon command as options for its executeX function; a bad port is a usage error. */
function daemonTarget(
  home: string | undefined,
  rawPort: string | undefined,
): Result<{ home?: string; port?: number }, CliError> {
  return parsePort(rawPort).map((port) => ({ ...homeOpt(home), ...(port !== undefined ? { port } : {}) }));
}

// -------------------------------------------------------------------------------------------- register

export function registerDaemonCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const daemon = program
    .command('daemon')
    .description('run, start, stop, check and install (as a service) the WorkTrain daemon');
  const portOption = () => new Option('--port <n>', 'HTTP port (default: config.yaml, else 3200)');

  daemon
    .command('run')
    .description('run the daemon in the foreground (SIGTERM/Ctrl-C drains and stops)')
    .addOption(portOption())
    .option('--host <addr>', 'bind address (default 127.0.0.1)')
    .action(async (raw: { port?: string; host?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const target = daemonTarget(g.home, raw.port);
          if (target.isErr()) return err(target.error);
          return executeDaemonRun(deps, {
            ...target.value,
            ...(raw.host !== undefined ? { host: raw.host } : {}),
          });
        },
        { text: (o) => `daemon at ${o.url} stopped` },
      );
    });

  daemon
    .command('start')
    .description('start the daemon in the background and wait until /health answers')
    .addOption(portOption())
    .action(async (raw: { port?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const target = daemonTarget(g.home, raw.port);
          if (target.isErr()) return err(target.error);
          return executeDaemonStart(deps, target.value);
        },
        {
          text: (o) =>
            [
              o.alreadyRunning
                ? `daemon already running at ${o.url}`
                : `daemon started at ${o.url} (pid ${o.pid})`,
              ...o.warnings.map((w) => `WARNING: ${w}`),
            ].join('\n'),
        },
      );
    });

  daemon
    .command('stop')
    .description('stop the daemon (it drains running sessions first)')
    .addOption(portOption())
    .action(async (raw: { port?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const target = daemonTarget(g.home, raw.port);
          if (target.isErr()) return err(target.error);
          return executeDaemonStop(deps, target.value);
        },
        {
          text: (o) =>
            o.stopped
              ? `daemon (pid ${o.pid}) stopped`
              : `daemon is not running${o.occupant !== undefined ? ` (${o.occupant}; left alone)` : ''}`,
        },
      );
    });

  daemon
    .command('status')
    .description('is the daemon running? (exit 1 when not)')
    .addOption(portOption())
    .action(async (raw: { port?: string }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const target = daemonTarget(g.home, raw.port);
          if (target.isErr()) return err(target.error);
          return executeDaemonStatus(deps, target.value);
        },
        { text: renderDaemonStatus, failed: (o) => !o.running },
      );
    });

  daemon
    .command('install')
    .description(
      'write a systemd user unit (Linux) or launchd agent (macOS) that runs worktrain-daemon with this WORKTRAIN_HOME',
    )
    .addOption(new Option('--port <n>', 'HTTP port the service passes to the daemon (default: config.yaml)'))
    .addOption(
      new Option(
        '--platform <kind>',
        'service manager (default: systemd on Linux, launchd on macOS)',
      ).choices(SERVICE_PLATFORMS),
    )
    .option(
      '--target-dir <dir>',
      'where to write the file (default: $WORKTRAIN_SERVICE_DIR, else the user unit directory)',
    )
    .option(
      '--daemon-bin <path>',
      'the worktrain-daemon script to run (default: found beside this CLI or on PATH)',
    )
    .option('--dry-run', 'only print the file and the commands; write nothing')
    .option('--print', 'same as --dry-run')
    .option(
      '--enable',
      'also run systemctl --user enable --now (or launchctl bootstrap); never done without it',
    )
    .action(
      async (
        raw: {
          port?: string;
          platform?: ServicePlatform;
          targetDir?: string;
          daemonBin?: string;
          dryRun?: boolean;
          print?: boolean;
          enable?: boolean;
        },
        command: Command,
      ) => {
        await ctx.run(
          command,
          async (g) => {
            const target = daemonTarget(g.home, raw.port);
            if (target.isErr()) return err(target.error);
            const dryRun = raw.dryRun === true || raw.print === true;
            if (dryRun && raw.enable === true)
              return err(usageError('--enable cannot be combined with --dry-run'));
            return executeDaemonInstall(deps, {
              ...target.value,
              ...(raw.platform !== undefined ? { platform: raw.platform } : {}),
              ...(raw.targetDir !== undefined ? { targetDir: raw.targetDir } : {}),
              ...(raw.daemonBin !== undefined ? { daemonBin: raw.daemonBin } : {}),
              dryRun,
              enable: raw.enable === true,
            });
          },
          {
            text: (o) =>
              [
                ...(o.status === 'dry-run'
                  ? [`# ${o.path} (dry run: not written)`, o.content.trimEnd(), '']
                  : []),
                ...(o.status !== 'dry-run' ? [`${o.status} ${o.path}`] : []),
                o.enabled ? 'enabled and started:' : 'to enable and start it:',
                ...o.enableCommands.map((c) => `  ${c}`),
                ...o.warnings.map((w) => `note: ${w}`),
              ].join('\n'),
          },
        );
      },
    );
}
