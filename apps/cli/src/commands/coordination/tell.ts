/**
 * `worktrain tell <pipeline-or-session> "<text>"`: operator guidance. For a pipeline (`pl_…`) it is recorded
 * in the pipeline's log and every child started after it reads it as operator input (`operatorGuidance`;
 * the next stage, fix round or review). For a running session it is a steer message the agent reads before
 * its next model turn; a session that is not running gets a clear error pointing at `sessions continue`.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, cliError } from '../../cli-error.js';
import { daemonApi, daemonEndpoint } from '../../daemon-client.js';
import type { CliDeps } from '../../deps.js';
import type { CommandContext } from '../../program.js';
import { homeOpt } from '../ops/home.js';
import { defaultActor } from '../queue/options.js';

export interface TellOutput {
  readonly target: string;
  readonly kind: 'pipeline' | 'session';
  readonly accepted: true;
}

/** Errors: USAGE (empty text), PIPELINE_NOT_FOUND, SESSION_NOT_FOUND, DAEMON_ERROR (not running, ended). */
export async function executeTell(
  deps: CliDeps,
  opts: { home?: string; target: string; text: string },
): Promise<Result<TellOutput, CliError>> {
  const text = opts.text.trim();
  if (text === '') return err(cliError('USAGE', 'the guidance text is empty'));
  const endpoint = await daemonEndpoint(deps, homeOpt(opts.home));
  const actor = defaultActor(deps.env);
  const pipeline = opts.target.startsWith('pl_');
  const path = pipeline
    ? `/pipelines/${encodeURIComponent(opts.target)}/tell`
    : `/sessions/${encodeURIComponent(opts.target)}/steer`;
  const answer = await daemonApi(
    endpoint,
    'POST',
    path,
    pipeline ? { text, actor } : { message: text, actor },
  );
  if (answer.isErr()) {
    const e = answer.error;
    if (!pipeline && e.details?.daemonCode === 'SESSION_NOT_RUNNING')
      return err(
        cliError(
          e.code,
          `${e.message}. To give a stopped session guidance and carry it on: worktrain sessions continue ${opts.target} --message "…"`,
          e.details,
        ),
      );
    return err(e);
  }
  return ok({ target: opts.target, kind: pipeline ? 'pipeline' : 'session', accepted: true });
}

/** Registers `tell`. */
export function registerTell(program: Command, ctx: CommandContext): void {
  program
    .command('tell')
    .description(
      'give operator guidance: to a pipeline (every child started after it reads it) or a running session (before its next turn)',
    )
    .argument('<target>', 'a pipeline id (pl_…) or a session id')
    .argument('<text>', 'the guidance')
    .action(async (target: string, text: string, _raw: unknown, command: Command) => {
      await ctx.run(command, async (g) => executeTell(ctx.deps, { ...homeOpt(g.home), target, text }), {
        text: (o) =>
          o.kind === 'pipeline'
            ? `guidance recorded for ${o.target}: the next stage, fix round or review reads it`
            : `guidance sent to ${o.target}: the agent reads it before its next turn`,
      });
    });
}
