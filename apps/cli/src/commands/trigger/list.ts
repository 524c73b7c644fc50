/** `worktrain trigger list`: the triggers of the files (ids, providers, parts and targets; no secrets). */
import { err, ok, type Result } from '@worktrain/contracts';
import type { TriggerDefinition } from '@worktrain/triggers';
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
  type TriggerConfigOptions,
} from './config.js';

export interface TriggerSummary {
  readonly id: string;
  readonly provider: string;
  /** The workflow its tasks run; null when it names a {@link pipeline}. */
  readonly workflowId: string | null;
  /** The pipeline kind its tasks start (`feature`); null when it names a {@link workflowId}. */
  readonly pipeline: string | null;
  readonly workspace: string;
  /** Which parts the provider has: webhook, poll, schedule. */
  readonly parts: readonly string[];
  readonly events: readonly string[] | null;
  readonly enabled: boolean;
}

export interface TriggerListOutput {
  readonly file: string;
  /** Every file read: the global one, then per-repo files. */
  readonly files: readonly string[];
  /** Files looked for that do not exist (the global file: no triggers), in the words the daemon logs. */
  readonly missing: readonly MissingFile[];
  readonly triggers: readonly TriggerSummary[];
}

function summarize(t: TriggerDefinition, pollsEnabled: (t: TriggerDefinition) => boolean): TriggerSummary {
  const p = t.provider;
  return {
    id: t.id,
    provider: t.providerName,
    workflowId: t.workflowId,
    pipeline: t.pipeline,
    workspace: t.workspace,
    parts: [
      p.webhook ? 'webhook' : null,
      pollsEnabled(t) ? 'poll' : null,
      p.schedule ? 'schedule' : null,
    ].filter((x): x is string => x !== null),
    events: t.events,
    enabled: t.enabled,
  };
}

/** What a trigger's tasks run, in the list's workflow column: the workflow, or `pipeline:<kind>`. */
function runs(t: TriggerSummary): string {
  return t.pipeline !== null ? `pipeline:${t.pipeline}` : (t.workflowId ?? '');
}

/** `worktrain trigger list`: the triggers of the file (no secrets: only ids, providers and targets). */
export async function executeTriggerList(
  deps: CliDeps,
  opts: TriggerConfigOptions,
): Promise<Result<TriggerListOutput, CliError>> {
  const config = await loadConfig(deps, opts);
  const { pollsEnabled } = await import('@worktrain/triggers');
  if (config.isErr()) return err(config.error);
  return ok({
    file: configPath(deps, opts),
    files: config.value.files,
    missing: await missingFiles(config.value),
    triggers: config.value.triggers.map((t) => summarize(t, pollsEnabled)),
  });
}

/** Registers `trigger list`. */
export function registerTriggerList(trigger: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  trigger
    .command('list')
    .description('list the triggers of the file')
    .option(...CONFIG_OPTION)
    .option(...REPO_OPTION)
    .action(async (raw: { config?: string; repo?: string[] }, command: Command) => {
      await ctx.run(command, (g) => executeTriggerList(deps, configOptions(g, raw)), {
        text: (o) =>
          o.triggers.length === 0
            ? [`no triggers in ${o.file}`, ...o.missing.map((m) => `note: ${m.message}`)].join('\n')
            : o.triggers
                .map((t) =>
                  `${t.id}\t${t.provider}\t${t.parts.join('+')}\t${runs(t)}\t${t.enabled ? '' : '(disabled)'}`.trimEnd(),
                )
                .join('\n'),
      });
    });
}
