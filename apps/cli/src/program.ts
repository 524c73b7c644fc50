import type { Result } from '@worktrain/contracts';
import { Command, CommanderError, Option } from 'commander';
import { type CliError, cliError, type ExitCode, usageError } from './cli-error.js';
import { registerApprovalsCommands } from './commands/approvals.js';
import { registerCoordinationCommands } from './commands/coordination.js';
import { registerDaemonCommands } from './commands/daemon.js';
import { registerDeliveryCommands } from './commands/delivery.js';
import { registerOpsCommands } from './commands/ops.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerProofCommands } from './commands/proof.js';
import { registerQueueCommands } from './commands/queue.js';
import { registerSandboxCommands } from './commands/sandbox.js';
import { registerSessionsCommands } from './commands/sessions.js';
import { registerSetupCommands } from './commands/setup.js';
import { registerTriggerCommands } from './commands/trigger.js';
import { registerWorkflowCommands } from './commands/workflow.js';
import { registerWorktreeCommands } from './commands/worktree.js';
import type { CliDeps } from './deps.js';
import { type GlobalOptions, parseGlobalOptions } from './options.js';
import { type CommandView, OUTPUT_FORMATS, type OutputFormat, renderError, renderResult } from './render.js';

/** Mutable holder of the exit code decided by the command that ran (set by {@link CommandContext.run}). */
export interface ExitState {
  code: ExitCode;
}

/** What a command group needs to register its commands. */
export interface CommandContext {
  readonly deps: CliDeps;
  /**
   * Runs one command: reads the global options (`--home`, `--format`) of `command`, calls `execute`,
   * renders its result with `view` and records the exit code. Every command action goes through here.
   */
  run<O>(
    command: Command,
    execute: (globals: GlobalOptions) => Promise<Result<O, CliError>>,
    view: CommandView<O>,
  ): Promise<void>;
}

/** A command group (`workflow`, `sessions`, later `queue`, `trigger`, `daemon`, …): one file each. */
export type RegisterCommandGroup = (program: Command, ctx: CommandContext) => void;

/** The command groups, in help order. Add new groups here (one `src/commands/<group>.ts` each). */
const COMMAND_GROUPS: readonly RegisterCommandGroup[] = [
  registerWorkflowCommands,
  registerSessionsCommands,
  registerOpsCommands,
  registerDaemonCommands,
  registerWorktreeCommands,
  registerQueueCommands,
  registerPipelineCommands,
  registerCoordinationCommands,
  registerTriggerCommands,
  registerDeliveryCommands,
  registerApprovalsCommands,
  registerSandboxCommands,
  registerProofCommands,
  registerSetupCommands,
];

/**
 * Builds the `worktrain` commander program over `deps`. Usage errors throw a `CommanderError` out of
 * `parseAsync` (exitOverride) instead of exiting the process; {@link runCli} turns them into exit code 2.
 * The exit code of a command that ran is written to `state.code`.
 */
export function buildProgram(deps: CliDeps, state: ExitState = { code: 0 }): Command {
  const program = new Command('worktrain');
  program
    .description('WorkTrain: run AI coding agents on your repositories through durable, checkable workflows.')
    .version(deps.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .addOption(new Option('--home <dir>', 'data directory (default: $WORKTRAIN_HOME, else ~/.worktrain)'))
    .addOption(
      new Option('--format <format>', 'output format; json prints exactly one JSON document on stdout')
        .choices(OUTPUT_FORMATS)
        .default('text'),
    )
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => deps.stdout(text),
      writeErr: (text) => deps.stderr(text),
      // Usage errors are rendered by runCli (text or JSON), not by commander.
      outputError: () => {},
    })
    .exitOverride()
    .showSuggestionAfterError(true);

  const ctx: CommandContext = {
    deps,
    async run(command, execute, view) {
      const parsed = parseGlobalOptions(command.optsWithGlobals());
      if (parsed.isErr()) {
        state.code = renderError(deps, 'text', parsed.error);
        return;
      }
      const result = await execute(parsed.value);
      state.code = renderResult(deps, parsed.value.format, result, view);
    },
  };
  for (const register of COMMAND_GROUPS) register(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the executable and script, e.g. `['workflow', 'list']`)
 * and returns the exit code: 0 success, 1 failure, 2 usage error. Never throws and never calls
 * `process.exit`; unexpected exceptions become an INTERNAL error (stack only with WORKTRAIN_DEBUG=1).
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  const state: ExitState = { code: 0 };
  const program = buildProgram(deps, state);
  const format = formatFromArgv(argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.code;
  } catch (thrown) {
    if (thrown instanceof CommanderError) return handleCommanderError(thrown, deps, format);
    if (deps.env.WORKTRAIN_DEBUG === '1' && thrown instanceof Error && thrown.stack)
      deps.stderr(`${thrown.stack}\n`);
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return renderError(deps, format, cliError('INTERNAL', `unexpected error: ${message}`));
  }
}

function handleCommanderError(error: CommanderError, deps: CliDeps, format: OutputFormat): ExitCode {
  // --help and --version end parsing through the same exception path, with exit code 0.
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
  // `worktrain help <command>` ends with 'commander.help' and exit code 0; a group run without a
  // subcommand ends the same way with exit code 1 after printing its help to stderr.
  if (error.code === 'commander.help' && error.exitCode === 0) return 0;
  // A group without a subcommand: commander has printed the group's help to stderr.
  const message =
    error.code === 'commander.help' ? 'missing command' : error.message.replace(/^error:\s*/, '');
  return renderError(deps, format, usageError(message, { reason: error.code }));
}

/**
 * The output format requested on the command line, found without commander, so that usage errors (which
 * stop parsing before options are known) are still printed as JSON when `--format json` was given.
 */
function formatFromArgv(argv: readonly string[]): OutputFormat {
  let format: OutputFormat = 'text';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    const value = arg === '--format' ? argv[i + 1] : arg?.startsWith('--format=') ? arg.slice(9) : undefined;
    if (value === 'json' || value === 'text') format = value;
  }
  return format;
}
