/**
 * `worktrain doctor`: wiring only. The checks (node, git, home, database, permissions, config, sandbox,
 * triggers, workspaces, daemon, postgres) are `runDoctorChecks` of @worktrain/runtime; this file finds
 * the home and its daemon's URL, runs them and renders the report. The command exits 1 when a check fails.
 */
import { resolveWorktrainPaths } from '@worktrain/contracts';
import type { DoctorCheck, DoctorReport } from '@worktrain/runtime';
import { runDoctorChecks } from '@worktrain/runtime';
import { daemonEndpoint } from '../daemon-client.js';
import type { CliDeps } from '../deps.js';

export type { CheckStatus, DoctorCheck } from '@worktrain/runtime';
/** `worktrain doctor --format json`: the runtime's report as is. */
export type DoctorOutput = DoctorReport;

/** Runs every check in order. Never fails as a command: failing checks are output (exit 1). */
export async function executeDoctor(deps: CliDeps, opts: { home?: string }): Promise<DoctorOutput> {
  const home = opts.home !== undefined ? { home: opts.home } : {};
  const paths = resolveWorktrainPaths({ ...home, env: deps.env, cwd: deps.cwd });
  const endpoint = await daemonEndpoint(deps, home);
  return runDoctorChecks({
    paths,
    env: deps.env,
    daemon: { home: endpoint.home, url: endpoint.url, pid: endpoint.pid },
  });
}

/** Text view: one line per check, located issues and fix hints indented below. */
export function renderDoctor(out: DoctorOutput): string {
  const lines: string[] = [];
  for (const c of out.checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.name.padEnd(11)} ${c.message}`);
    lines.push(...detailLines(c));
  }
  lines.push(out.ok ? 'all checks passed' : 'some checks failed');
  return `${lines.join('\n')}\n`;
}

function detailLines(c: DoctorCheck): string[] {
  const pad = `      ${' '.repeat(11)}`;
  const issues = c.details?.issues;
  const lines = Array.isArray(issues)
    ? issues.map(
        (i: unknown) =>
          `${pad}   ${typeof i === 'object' && i !== null ? Object.values(i).join(' ') : String(i)}`,
      )
    : [];
  if (c.fix !== undefined && c.status !== 'ok') lines.push(`${pad} fix: ${c.fix}`);
  return lines;
}
