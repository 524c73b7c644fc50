/**
 * Option parsing shared by `pipeline run` and `spawn`: the workspace, the delivery target (`--repo` or
 * `--project`, `--forge`, `--issue`, `--jira`, `--title`) and the pipeline budget flags.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { err, ok, parseDuration, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, cliError, usageError } from '../../cli-error.js';
import type { CliDeps } from '../../deps.js';
import { parsePositiveInt } from '../../options.js';

/** The target flags as commander hands them over. */
export interface TargetFlags {
  repo?: string;
  project?: string;
  forge?: string;
  issue?: string;
  jira?: string;
  title?: string;
}

/** The dispatch fields the target flags set (names of the daemon's dispatch body). */
export interface DispatchTarget {
  readonly repo?: string;
  readonly project?: string;
  readonly forge?: 'github' | 'gitlab';
  readonly issueNumber?: number;
  readonly jiraIssueKey?: string;
  readonly title?: string;
}

/** Adds `--repo`, `--project`, `--forge`, `--issue`, `--jira` and `--title` to `command`. */
export function withTargetOptions(command: Command): Command {
  return command
    .option(
      '--repo <owner/name>',
      'GitHub repository to deliver the PR to (needs forge.github in config.yaml)',
    )
    .option('--project <path>', 'forge project instead of --repo: GitLab group/…/name or numeric id')
    .option('--forge <forge>', 'forge of --repo/--project: github (default) or gitlab')
    .option(
      '--issue <n>',
      'source issue number (GitLab: iid): the PR says Closes #n, the issue gets a comment',
    )
    .option('--jira <KEY>', 'Jira ticket (PROJ-12) moved and commented once the PR/MR is open')
    .option('--title <text>', 'a short title (default: from the goal)');
}

/** Reads the target flags. USAGE errors: both --repo and --project, an unknown forge, a bad issue or key. */
export function parseTarget(raw: TargetFlags): Result<DispatchTarget, CliError> {
  if (raw.repo !== undefined && raw.project !== undefined)
    return err(usageError('give either --repo or --project, not both'));
  if (raw.forge !== undefined && raw.forge !== 'github' && raw.forge !== 'gitlab')
    return err(usageError(`option '--forge' expects github or gitlab, got '${raw.forge}'`));
  if (raw.repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(raw.repo))
    return err(usageError(`option '--repo' expects owner/name, got '${raw.repo}'`));
  if (raw.jira !== undefined && !/^[A-Z][A-Z0-9_]*-\d+$/.test(raw.jira))
    return err(usageError(`option '--jira' expects a ticket key like PROJ-123, got '${raw.jira}'`));
  return parsePositiveInt('--issue', raw.issue).map((issueNumber) => ({
    ...(raw.repo !== undefined ? { repo: raw.repo } : {}),
    ...(raw.project !== undefined ? { project: raw.project } : {}),
    ...(raw.forge === 'github' || raw.forge === 'gitlab' ? { forge: raw.forge } : {}),
    ...(issueNumber !== undefined ? { issueNumber } : {}),
    ...(raw.jira !== undefined ? { jiraIssueKey: raw.jira } : {}),
    ...(raw.title !== undefined ? { title: raw.title } : {}),
  }));
}

/** `--workspace` as an absolute path; FILE_NOT_FOUND when nothing is there. */
export function resolveWorkspace(deps: CliDeps, workspace: string): Result<string, CliError> {
  const path = isAbsolute(workspace) ? workspace : resolve(deps.cwd, workspace);
  if (!existsSync(path)) return err(cliError('FILE_NOT_FOUND', `Workspace not found: ${path}`, { path }));
  return ok(path);
}

/** The budget flags as commander hands them over. */
export interface BudgetFlags {
  maxSessions?: string;
  maxTurns?: string;
  maxTokens?: string;
  maxUsd?: string;
  maxWallClock?: string;
}

/** Overrides of a pipeline's budget (field names of the daemon's `budget` body; USD, ms). */
export interface BudgetOverrides {
  maxSessions?: number;
  maxTurns?: number;
  maxTokens?: number;
  maxCostUsd?: number;
  maxWallClockMs?: number;
}

/** Adds the budget flags to `command`. */
export function withBudgetOptions(command: Command): Command {
  return command
    .option('--max-sessions <n>', 'at most n child sessions in the whole pipeline')
    .option('--max-turns <n>', 'at most n model turns across all children')
    .option('--max-tokens <n>', 'at most n tokens across all children')
    .option('--max-usd <x>', 'at most x US dollars across all children (e.g. 12.5)')
    .option('--max-wall-clock <duration>', 'at most this long from start to end (30m, 2h, 1d)');
}

/** Reads the budget flags; `undefined` when none was given. USAGE errors name the flag. */
export function parseBudget(raw: BudgetFlags): Result<BudgetOverrides | undefined, CliError> {
  const out: BudgetOverrides = {};
  for (const [flag, key, value] of [
    ['--max-sessions', 'maxSessions', raw.maxSessions],
    ['--max-turns', 'maxTurns', raw.maxTurns],
    ['--max-tokens', 'maxTokens', raw.maxTokens],
  ] as const) {
    const n = parsePositiveInt(flag, value);
    if (n.isErr()) return err(n.error);
    if (n.value !== undefined) out[key] = n.value;
  }
  if (raw.maxUsd !== undefined) {
    const usd = Number(raw.maxUsd);
    if (!/^\d+(\.\d+)?$/.test(raw.maxUsd) || !(usd > 0))
      return err(usageError(`option '--max-usd' expects a positive amount (12.5), got '${raw.maxUsd}'`));
    out.maxCostUsd = usd;
  }
  if (raw.maxWallClock !== undefined) {
    const ms = parseDuration(raw.maxWallClock);
    if (ms === undefined || ms < 1)
      return err(
        usageError(`option '--max-wall-clock' expects a duration (30m, 2h, 1d), got '${raw.maxWallClock}'`),
      );
    out.maxWallClockMs = ms;
  }
  return ok(Object.keys(out).length === 0 ? undefined : out);
}
