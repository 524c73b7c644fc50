/** Registers `worktrain init`, `worktrain doctor` and `worktrain demo` (first-run setup, health checks, the demo). */
import { ok } from '@worktrain/contracts';
import type { Command } from 'commander';
import type { CommandContext } from '../program.js';
import { registerDemoCommand } from './demo.js';
import { executeInit, renderInit } from './init.js';

export function registerSetupCommands(program: Command, ctx: CommandContext): void {
  program
    .command('init')
    .description('write $WORKTRAIN_HOME/config.yaml (commented defaults) and a starter triggers.yaml')
    .option('--force', 'overwrite existing files')
    .action(async (raw: { force?: boolean }, command: Command) => {
      await ctx.run(
        command,
        async (g) =>
          executeInit(ctx.deps, {
            ...(g.home !== undefined ? { home: g.home } : {}),
            force: raw.force === true,
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
