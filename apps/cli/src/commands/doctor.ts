/**
 * `worktrain doctor`: checks the machine and the data directory before (or while) the daemon runs. Each
 * check is `ok`, `warn` or `fail` with a fix hint; the command exits 1 when any check fails.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { resolveWorktrainPaths, SandboxConfigSchema, type WorktrainPaths } from '@worktrain/contracts';
import { inspectDatabase } from '@worktrain/contracts/sqlite';
import { configWarnings, loadRuntimeConfig, probeSandbox } from '@worktrain/runtime';
import { createBuiltinRegistry, loadTriggerFiles, missingTriggersFileMessage } from '@worktrain/triggers';
import { daemonEndpoint, describeProbe, probeEndpoint } from '../daemon-client.js';
import type { CliDeps } from '../deps.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** What to do about a `warn` or `fail`. */
  readonly fix?: string;
  readonly details?: Record<string, unknown>;
}

export interface DoctorOutput {
  readonly home: string;
  readonly ok: boolean;
  readonly checks: readonly DoctorCheck[];
}

/** Minimum Node version (root package.json `engines`). */
export const MIN_NODE: readonly [number, number] = [20, 19];
/** `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n` (command-scoped auth for push) needs git ≥ 2.31 (git-config(1)). */
export const MIN_GIT: readonly [number, number] = [2, 31];
const check = (
  name: string,
  status: CheckStatus,
  message: string,
  fix?: string,
  details?: Record<string, unknown>,
): DoctorCheck => ({
  name,
  status,
  message,
  ...(fix !== undefined ? { fix } : {}),
  ...(details !== undefined ? { details } : {}),
});

function atLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split('.').map((p) => Number.parseInt(p, 10));
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

export function checkNode(version: string): DoctorCheck {
  return atLeast(version, MIN_NODE)
    ? check('node', 'ok', `Node ${version}`)
    : check(
        'node',
        'fail',
        `Node ${version} is older than ${MIN_NODE.join('.')}`,
        'install Node 20.19 or newer',
      );
}

export function checkGit(env: Readonly<Record<string, string | undefined>>): DoctorCheck {
  const run = spawnSync('git', ['--version'], { encoding: 'utf8', env: { PATH: env.PATH ?? '' } });
  if (run.error !== undefined || run.status !== 0)
    return check('git', 'fail', 'git was not found on PATH', 'install git 2.31 or newer');
  const version = /(\d+\.\d+(?:\.\d+)?)/.exec(run.stdout)?.[1] ?? '0.0';
  return atLeast(version, MIN_GIT)
    ? check('git', 'ok', `git ${version}`)
    : check('git', 'fail', `git ${version} is older than ${MIN_GIT.join('.')}`, 'upgrade git', { version });
}

export function checkHome(paths: WorktrainPaths): DoctorCheck {
  if (!existsSync(paths.home))
    return check('home', 'warn', `${paths.home} does not exist yet`, 'run `worktrain init`');
  try {
    accessSync(paths.home, constants.W_OK);
    return check('home', 'ok', `${paths.home} is writable`);
  } catch {
    return check('home', 'fail', `${paths.home} is not writable`, `chown/chmod ${paths.home} for this user`);
  }
}

/**
 * The database as `inspectDatabase` of `@worktrain/contracts/sqlite` reads it (read-only: nothing created,
 * stamped or migrated, no `-wal` left behind): SQLite or not, WorkTrain's `application_id` or not; then the
 * session store opened read-only for its schema version.
 */
export function checkDatabase(paths: WorktrainPaths, deps: CliDeps): DoctorCheck {
  const path = paths.database;
  const inspected = inspectDatabase(path);
  if (inspected.isErr()) {
    switch (inspected.error.code) {
      case 'DATABASE_MISSING':
        return check(
          'database',
          'warn',
          `${path} does not exist yet`,
          'it is created on the first `worktrain daemon start`',
        );
      case 'DATABASE_FOREIGN':
        return check(
          'database',
          'fail',
          `${path} is not a SQLite database`,
          'move it away; WorkTrain recreates it',
        );
      default:
        return check(
          'database',
          'fail',
          `cannot read ${path}: ${inspected.error.message}`,
          'check its permissions',
        );
    }
  }
  const found = inspected.value;
  if (!found.worktrain)
    return check(
      'database',
      'fail',
      `${path} is a SQLite database but not a WorkTrain one (application_id ${found.applicationId})`,
      'point WORKTRAIN_HOME elsewhere or move the file away',
      { applicationId: found.applicationId },
    );
  const store = deps.openSessionStore({ path });
  if (store.isErr()) {
    const d = store.error.details;
    if (d?.storeCode === 'STORE_READ_ONLY' && typeof d.schemaVersion === 'number')
      // Doctor opens read-only: the tables are created or migrated by the next writer (the daemon).
      return d.schemaVersion === 0
        ? check('database', 'ok', `${path} opens (WorkTrain database; no session recorded yet)`)
        : check(
            'database',
            'warn',
            `${path} has session schema v${d.schemaVersion}; this version migrates it to v${String(d.supported)} when it first writes`,
            'start the daemon (`worktrain daemon start`) to migrate it',
          );
    return check(
      'database',
      'fail',
      `${path} does not open: ${store.error.message}`,
      'see docs/durability.md',
    );
  }
  store.value.close();
  return check('database', 'ok', `${path} opens (WorkTrain database)`);
}

/** The keys dir must be 0700 and its files 0600; the same for daemon.token and .env when present. */
export function checkPermissions(paths: WorktrainPaths): DoctorCheck {
  const problems: string[] = [];
  const loose = (p: string, expected: number): void => {
    if (!existsSync(p)) return;
    const mode = statSync(p).mode & 0o777;
    if ((mode & 0o077) !== 0) problems.push(`${p} is ${mode.toString(8)}, expected ${expected.toString(8)}`);
  };
  loose(paths.keys, 0o700);
  if (existsSync(paths.keys) && statSync(paths.keys).isDirectory())
    for (const f of readdirSync(paths.keys)) loose(join(paths.keys, f), 0o600);
  loose(paths.daemonToken, 0o600);
  loose(paths.envFile, 0o600);
  if (problems.length > 0)
    return check(
      'permissions',
      'fail',
      problems.join('; '),
      `chmod 700 ${paths.keys}; chmod 600 ${paths.keys}/* ${paths.daemonToken} ${paths.envFile}`,
      { problems },
    );
  return existsSync(paths.keys)
    ? check('permissions', 'ok', 'keys 0700, key files, daemon.token and .env 0600')
    : check('permissions', 'ok', 'no keys yet (created 0700 on first start)');
}

export function checkConfig(
  paths: WorktrainPaths,
  env: Readonly<Record<string, string | undefined>>,
): DoctorCheck {
  if (!existsSync(paths.config))
    return check('config', 'warn', `${paths.config} does not exist (defaults apply)`, 'run `worktrain init`');
  const loaded = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env });
  if (loaded.isOk()) {
    // No model, a missing model script, a host other than loopback, a literal secret (runtime's one list).
    const warnings = configWarnings(loaded.value, paths.config);
    if (warnings.length > 0)
      return check(
        'config',
        'warn',
        `${paths.config} is valid, but ${warnings.map((w) => w.message).join('; ')}`,
        warnings.map((w) => w.fix).join('; '),
        { path: paths.config, warnings: warnings.map((w) => ({ code: w.code, path: w.path })) },
      );
    return check('config', 'ok', `${paths.config} is valid (model: ${loaded.value.model.provider})`);
  }
  const issues = Array.isArray(loaded.error.details?.issues) ? loaded.error.details.issues : [];
  return check(
    'config',
    'fail',
    `${paths.config}: ${loaded.error.message}`,
    'fix the keys named above (docs/configuration.md)',
    {
      path: paths.config,
      issues,
    },
  );
}

/**
 * The triggers as the daemon loads them (`loadTriggerFiles`: the global file, its workspaces'
 * `.worktrain/triggers.yaml`, `$NAME`s over `.env`), so doctor reports the same error, with the same
 * line and column, as the daemon's start and `worktrain trigger validate`.
 */
export async function checkTriggers(
  paths: WorktrainPaths,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DoctorCheck> {
  const loaded = await loadTriggerFiles({
    globalPath: paths.triggers,
    env,
    envFile: paths.envFile,
    registry: createBuiltinRegistry(),
  });
  if (loaded.isOk() && (loaded.value.missing ?? []).includes(paths.triggers))
    return check('triggers', 'warn', missingTriggersFileMessage(paths.triggers), 'run `worktrain init`', {
      path: paths.triggers,
    });
  if (loaded.isOk())
    return check(
      'triggers',
      'ok',
      `${loaded.value.files.join(', ')} valid (${loaded.value.triggers.length} trigger${loaded.value.triggers.length === 1 ? '' : 's'})`,
      undefined,
      {
        path: paths.triggers,
        files: loaded.value.files,
        triggers: loaded.value.triggers.map((t) => t.id),
        workspaces: loaded.value.triggers.map((t) => ({
          triggerId: t.id,
          workflowId: t.workflowId,
          workspace: t.workspace,
          file: t.file,
          index: t.index,
        })),
      },
    );
  const issues = Array.isArray(loaded.error.details?.issues) ? loaded.error.details.issues : [];
  return check('triggers', 'fail', loaded.error.message, 'fix the issues above (docs/triggers.md)', {
    path: paths.triggers,
    issues,
  });
}

export async function checkDaemon(deps: CliDeps, home: string | undefined): Promise<DoctorCheck> {
  const endpoint = await daemonEndpoint(deps, home !== undefined ? { home } : {});
  const probe = await probeEndpoint(endpoint, 2000);
  if (probe.kind === 'ours')
    return check('daemon', 'ok', `daemon answers at ${endpoint.url}`, undefined, { url: endpoint.url });
  const occupant = await describeProbe(probe);
  if (occupant !== null)
    return check(
      'daemon',
      'warn',
      `no daemon of this home is running: ${occupant}`,
      'give this home its own `port:` in config.yaml (or --port), then `worktrain daemon start`',
      { url: endpoint.url },
    );
  if (endpoint.pid !== null && pidAlive(endpoint.pid))
    return check(
      'daemon',
      'fail',
      `daemon pid ${endpoint.pid} is running but ${endpoint.url}/health does not answer`,
      'see $WORKTRAIN_HOME/logs/daemon.out; restart with `worktrain daemon stop && worktrain daemon start`',
    );
  return check(
    'daemon',
    'warn',
    `no daemon running at ${endpoint.url}`,
    'start it with `worktrain daemon start`',
  );
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL (when `WORKTRAIN_DATABASE_URL` is set): a TCP connection and the protocol's SSLRequest
 * (PostgreSQL docs, "Message Formats": length 8, code 80877103), answered by one byte `S` or `N` — proof a
 * PostgreSQL server listens, without logging in or migrating anything.
 */
export async function checkPostgres(env: Readonly<Record<string, string | undefined>>): Promise<DoctorCheck> {
  const url = env.WORKTRAIN_DATABASE_URL;
  if (url === undefined || url === '') return check('postgres', 'ok', 'not configured (SQLite queue)');
  let host = '127.0.0.1';
  let port = 5432;
  try {
    const u = new URL(url);
    host = u.hostname === '' ? host : u.hostname.replace(/^\[|\]$/g, '');
    port = u.port === '' ? 5432 : Number(u.port);
  } catch {
    return check(
      'postgres',
      'fail',
      'WORKTRAIN_DATABASE_URL is not a URL',
      'use postgres://user@host:5432/db',
    );
  }
  const answer = await new Promise<string>((resolveAnswer) => {
    const socket = connect({ host, port });
    const done = (value: string): void => {
      socket.destroy();
      resolveAnswer(value);
    };
    socket.setTimeout(3000, () => done('timeout'));
    socket.on('error', (e) => done(e.message));
    socket.on('connect', () => {
      const req = Buffer.alloc(8);
      req.writeUInt32BE(8, 0);
      req.writeUInt32BE(80_877_103, 4);
      socket.write(req);
    });
    socket.on('data', (d) => done(d.toString('latin1', 0, 1)));
  });
  return answer === 'S' || answer === 'N'
    ? check('postgres', 'ok', `PostgreSQL answers at ${host}:${port}`)
    : check(
        'postgres',
        'fail',
        `PostgreSQL at ${host}:${port} is not reachable: ${answer}`,
        'start PostgreSQL or fix WORKTRAIN_DATABASE_URL',
      );
}

/**
 * Whether the valid triggers (from {@link checkTriggers}' details) can run: the daemon's own trigger check
 * (`checkTriggersRunnable` of @worktrain/runtime, also run by `trigger validate`, the daemon's hot reload and
 * its webhooks): each trigger's workflow loads from the daemon's workflow sources, and its workspace is a git
 * repository whose origin has a default branch (sessions branch from it and deliver there). Problems are
 * warnings (the daemon still starts; webhooks of such a trigger answer 422); null when there is no valid
 * trigger to look at.
 */
export async function checkWorkspaces(
  triggers: DoctorCheck,
  paths: WorktrainPaths,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DoctorCheck | null> {
  const listed = triggers.details?.workspaces;
  if (triggers.status !== 'ok' || !Array.isArray(listed) || listed.length === 0) return null;
  const entries = listed as Array<{
    triggerId: string;
    workflowId: string;
    workspace: string;
    file: string;
    index: number;
  }>;
  const { checkTriggersRunnable, triggerCheckFor } = await import('@worktrain/runtime');
  const deps = triggerCheckFor(paths, env);
  if (deps.isErr())
    return check(
      'workspaces',
      'warn',
      `cannot check whether the triggers can run: ${deps.error.message}`,
      'fix config.yaml (see the config check)',
    );
  const problems = await checkTriggersRunnable(
    entries.map((e) => ({ ...e, id: e.triggerId })),
    deps.value,
  );
  if (problems.length === 0) {
    const n = new Set(entries.map((e) => e.workspace)).size;
    return check(
      'workspaces',
      'ok',
      `${n} workspace${n === 1 ? '' : 's'}: git repositories whose origin has a default branch; every trigger's workflow is installed`,
    );
  }
  return check(
    'workspaces',
    'warn',
    problems.map((p) => `${p.triggerId}: ${p.message}`).join('; '),
    'point `workspace:` at a clone of the repository (with its origin remote and a pushed default branch) and `workflowId:` at an installed workflow (`worktrain workflow list`); until then their webhooks answer 422',
    { problems: problems.map((p) => ({ triggerId: p.triggerId, path: p.path, message: p.message })) },
  );
}

/** Runs every check in order. Never fails as a command: failing checks are output (exit 1). */
export async function executeDoctor(deps: CliDeps, opts: { home?: string }): Promise<DoctorOutput> {
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const checks: DoctorCheck[] = [
    checkNode(process.versions.node),
    checkGit(deps.env),
    checkHome(paths),
    checkDatabase(paths, deps),
    checkPermissions(paths),
    checkConfig(paths, deps.env),
    await checkSandbox(paths, deps.env),
  ];
  const triggers = await checkTriggers(paths, deps.env);
  checks.push(triggers);
  const workspaces = await checkWorkspaces(triggers, paths, deps.env);
  if (workspaces !== null) checks.push(workspaces);
  checks.push(await checkDaemon(deps, opts.home), await checkPostgres(deps.env));
  return { home: paths.home, ok: checks.every((c) => c.status !== 'fail'), checks };
}

/**
 * The `sandbox` check: which backend, its version, the limits, and a live probe that a secret file placed in
 * $WORKTRAIN_HOME is unreadable from inside (`probeSandbox`). `fail` when agent sessions would not run.
 */
export async function checkSandbox(
  paths: WorktrainPaths,
  env: Readonly<Record<string, string | undefined>>,
): Promise<DoctorCheck> {
  const loaded = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env });
  // An invalid config.yaml is the `config` check's failure; probe the defaults (what a fix would give).
  const config = loaded.isOk() ? loaded.value.sandbox : SandboxConfigSchema.parse({});
  const probe = await probeSandbox(paths, config);
  return check('sandbox', probe.status, probe.message, probe.fix, probe.details);
}

/** Text view: one line per check, fix hints indented below. */
export function renderDoctor(out: DoctorOutput): string {
  const lines: string[] = [];
  for (const c of out.checks) {
    lines.push(`${c.status.padEnd(4)}  ${c.name.padEnd(11)} ${c.message}`);
    const issues = c.details?.issues;
    if (Array.isArray(issues))
      for (const i of issues)
        lines.push(
          `      ${' '.repeat(11)}   ${typeof i === 'object' && i !== null ? Object.values(i).join(' ') : String(i)}`,
        );
    if (c.fix !== undefined && c.status !== 'ok') lines.push(`      ${' '.repeat(11)} fix: ${c.fix}`);
  }
  lines.push(out.ok ? 'all checks passed' : 'some checks failed');
  return `${lines.join('\n')}\n`;
}
