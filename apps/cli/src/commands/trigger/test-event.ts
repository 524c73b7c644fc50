/** `worktrain trigger test <id>`: a dry run of one event payload against one trigger. */
import { isAbsolute, resolve } from 'node:path';
import { err, type Result } from '@worktrain/contracts';
import type { Evaluation } from '@worktrain/triggers';
import type { Command } from 'commander';
import type { CliError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import {
  CONFIG_OPTION,
  configOptions,
  findTrigger,
  fromTriggerError,
  loadConfig,
  REPO_OPTION,
  type TriggerConfigOptions,
} from './config.js';

export interface TriggerTestOptions extends TriggerConfigOptions {
  readonly triggerId: string;
  readonly event: string;
  readonly payloadFile: string;
}

/** `worktrain trigger test <id> --event <name> --payload <file>`: dry run, `{matched, candidate, reason}`. */
export async function executeTriggerTest(
  deps: CliDeps,
  opts: TriggerTestOptions,
): Promise<Result<Evaluation, CliError>> {
  const config = await loadConfig(deps, opts);
  if (config.isErr()) return err(config.error);
  const trigger = findTrigger(config.value, opts.triggerId);
  if (trigger.isErr()) return err(trigger.error);
  const path = isAbsolute(opts.payloadFile) ? opts.payloadFile : resolve(deps.cwd, opts.payloadFile);
  const payload = await deps.fs.readText(path);
  if (payload.isErr()) return err(payload.error);
  const { dryRunEvent } = await import('@worktrain/triggers');
  return dryRunEvent(trigger.value, opts.event, payload.value, deps.clock.now())
    .map((e) => ({ matched: e.matched, candidate: e.candidate, reason: e.reason }))
    .mapErr(fromTriggerError);
}

/** Registers `trigger test <id>`. */
export function registerTriggerTest(trigger: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  trigger
    .command('test <id>')
    .description('dry run: the candidate the payload would enqueue, or the reason it would not')
    .requiredOption(
      '--event <name>',
      'event name: GitHub issues.labeled, GitLab "Issue Hook", Jira jira:issue_updated, a generic webhook event; ' +
        'issues.polled / merge_request.polled / jira:issue_polled for one API item as a poll would see it',
    )
    .requiredOption('--payload <file>', 'JSON file: the webhook body, or the API item for a polled event')
    .option(...CONFIG_OPTION)
    .option(...REPO_OPTION)
    .action(
      async (
        id: string,
        raw: { config?: string; repo?: string[]; event: string; payload: string },
        command: Command,
      ) => {
        await ctx.run(
          command,
          (g) =>
            executeTriggerTest(deps, {
              ...configOptions(g, raw),
              triggerId: id,
              event: raw.event,
              payloadFile: raw.payload,
            }),
          {
            text: (o) =>
              o.matched
                ? `matched: would enqueue ${o.candidate?.sourceId ?? ''}\ngoal: ${o.candidate?.goal ?? ''}`
                : `not matched: ${o.reason ?? ''}`,
          },
        );
      },
    );
}
