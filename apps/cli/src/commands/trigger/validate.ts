/** `worktrain trigger validate`: the verdict on the files, including the daemon's check that each trigger can run. */
import { err, formatConfigIssue, ok, type Result } from '@worktrain/contracts';
import type { ConfigIssue } from '@worktrain/triggers';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import {
  CONFIG_OPTION,
  configOptions,
  configPath,
  loadConfig,
  type MissingFile,
  missingFiles,
  REPO_OPTION,
  runnableIssues,
  type TriggerConfigOptions,
} from './config.js';

export interface TriggerValidateOutput {
  readonly valid: boolean;
  readonly file: string;
  /** Every file read: the global one, then per-repo files (empty when the file is invalid). */
  readonly files: readonly string[];
  /** Files looked for that do not exist (the global file: no triggers, which is valid). */
  readonly missing: readonly MissingFile[];
  readonly triggers: readonly string[];
  readonly issues: readonly ConfigIssue[];
}

/**
 * `worktrain trigger validate`: the verdict on the file; an invalid file is output (exit 1), not an error.
 * Valid means it will run: a file that parses is also put through the daemon's own trigger check
 * (`checkTriggersRunnable` of @worktrain/runtime: each trigger's workflow loads from the daemon's workflow
 * sources, its workspace is a git repository whose origin has a default branch), whose problems are issues.
 */
export async function executeTriggerValidate(
  deps: CliDeps,
  opts: TriggerConfigOptions,
): Promise<Result<TriggerValidateOutput, CliError>> {
  const file = configPath(deps, opts);
  const config = await loadConfig(deps, opts);
  if (config.isOk()) {
    const triggers = config.value.triggers.map((t) => t.id);
    const issues = await runnableIssues(deps, opts, config.value);
    return ok({
      valid: issues.length === 0,
      file,
      files: config.value.files,
      missing: await missingFiles(config.value),
      triggers,
      issues,
    });
  }
  if (config.error.code !== 'TRIGGER_CONFIG_INVALID') return err(config.error);
  const issues = Array.isArray(config.error.details?.issues)
    ? (config.error.details.issues as ConfigIssue[])
    : [];
  return ok({ valid: false, file, files: [], missing: [], triggers: [], issues });
}

function renderIssues(v: TriggerValidateOutput): string {
  if (v.valid)
    return [
      `valid: ${v.files.join(', ') || v.file} (${v.triggers.length} trigger${v.triggers.length === 1 ? '' : 's'}${v.triggers.length > 0 ? `: ${v.triggers.join(', ')}` : ''})`,
      ...v.missing.map((m) => `note: ${m.message}`),
    ].join('\n');
  // `file:line:col path: message`, as doctor and the daemon's log print it.
  return [`invalid: ${v.file}`, ...v.issues.map((i) => `  ${formatConfigIssue(i)}`)].join('\n');
}

/** Registers `trigger validate`. */
export function registerTriggerValidate(trigger: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  trigger
    .command('validate')
    .description(
      "validate the file and that each trigger can run (the daemon's check: workflow installed, workspace a repository whose origin has a default branch): exit 0 when valid, 1 with every issue (path, line) otherwise",
    )
    .option(...CONFIG_OPTION)
    .option(...REPO_OPTION)
    .action(async (raw: { config?: string; repo?: string[] }, command: Command) => {
      await ctx.run(command, (g) => executeTriggerValidate(deps, configOptions(g, raw)), {
        text: renderIssues,
        failed: (o) => !o.valid,
      });
    });
}
