/**
 * `runDoctorChecks`: every doctor check in its fixed order, read top to bottom. The CLI's `worktrain doctor`
 * only resolves the paths and the daemon's URL, calls this and renders the report.
 */
import type { WorktrainPaths } from '@worktrain/contracts';
import type { DoctorCheck, DoctorReport } from './check.js';
import { checkConfig, checkSandbox } from './config.js';
import { checkDaemon, type DaemonTarget } from './daemon.js';
import { checkDatabase } from './database.js';
import { checkHome, checkPermissions } from './home.js';
import { checkPostgres } from './postgres.js';
import { checkGit, checkNode } from './toolchain.js';
import { checkTriggers, checkWorkspaces } from './triggers.js';

export interface DoctorOptions {
  readonly paths: WorktrainPaths;
  /** The environment as the daemon would see it (`PATH`, `$NAME` references, `WORKTRAIN_DATABASE_URL`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where this home's daemon would answer (the CLI's endpoint lookup). */
  readonly daemon: DaemonTarget;
  /** The Node version to judge; default `process.versions.node`. */
  readonly nodeVersion?: string;
}

/**
 * Runs node, git, home, database, permissions, config, sandbox, triggers, workspaces (only when there are
 * valid triggers), daemon and postgres, in that order. Never fails: a failing check is part of the report
 * (`ok: false`). Reads only: nothing in the home is created or migrated.
 */
export async function runDoctorChecks(options: DoctorOptions): Promise<DoctorReport> {
  const { paths, env } = options;
  const checks: DoctorCheck[] = [
    checkNode(options.nodeVersion ?? process.versions.node),
    checkGit(env),
    checkHome(paths),
    checkDatabase(paths.database),
    checkPermissions(paths),
    checkConfig(paths, env),
    await checkSandbox(paths, env),
  ];
  const triggers = await checkTriggers(paths, env);
  checks.push(triggers.check);
  const workspaces = await checkWorkspaces(triggers.triggers, paths, env);
  if (workspaces !== null) checks.push(workspaces);
  checks.push(await checkDaemon(options.daemon), await checkPostgres(env));
  return { home: paths.home, ok: checks.every((c) => c.status !== 'fail'), checks };
}
