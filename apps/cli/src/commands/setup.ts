/** Registers `worktrain init`, `worktrain doctor` and `worktrain demo` (first-run setup, health checks, the demo). */
import { ok } from '@worktrain/contracts';
import { type Command, Option } from 'commander';
import type { CommandContext } from '../program.js';
import { registerDemoCommand } from './demo.js';

export function registerSetupCommands(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description(
      'write $WORKTRAIN_HOME/config.yaml (commented defaults, the model) and a starter triggers.yaml',
    )
    .option('--force', 'overwrite existing files')
    .addOption(
      new Option(
        '--model <provider>',
        'anthropic (default when ANTHROPIC_API_KEY is set), scripted (an offline example script), none (default otherwise)',
      ).choices(['anthropic', 'scripted', 'none'] as const),
    )
    .action(async (raw: { force?: boolean; model?: 'anthropic' | 'scripted' | 'none' }, command: Command) => {
      // init.ts reads the runtime's schema defaults (the model id): loaded only when it runs.
      const { executeInit, renderInit } = await import('./init.js');
      await ctx.run(
        command,
        async (g) =>
          executeInit(ctx.deps, {
            ...(g.home !== undefined ? { home: g.home } : {}),
            force: raw.force === true,
            ...(raw.model !== undefined ? { model: raw.model } : {}),
          }),
        { text: renderInit, failed: (o) => o.refused },
      );
    });
  program
    .command('doctor')
    .description(
      'check Node, git, the data directory, database, key permissions, config, triggers, daemon, PostgreSQL',
    )
    .action(async (_raw: unknown, command: Command) => {
      // doctor.ts loads the runtime and triggers packages (config and triggers checks): only when it runs.
      const { executeDoctor, renderDoctor } = await import('./doctor.js');
      await ctx.run(
        command,
        async (g) => ok(await executeDoctor(ctx.deps, g.home !== undefined ? { home: g.home } : {})),
        { text: renderDoctor, failed: (o) => !o.ok },
      );
    });
  registerDemoCommand(program, ctx);
}
