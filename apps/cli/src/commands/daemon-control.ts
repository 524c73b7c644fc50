/**
 * What `worktrain daemon run|start|stop|status` do (the commands are registered in `daemon.ts`): `run` is
 * the daemon in this process (config → runtime → start); `start` spawns `worktrain daemon run` detached and
 * reports success only once `GET /health` answers for this home; `stop` signals it and waits until it no
 * longer answers; `status` reads `/health`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  err,
  ok,
  type Result,
  resolveWorktrainPaths,
  sleep,
  type WorktrainPaths,
} from '@worktrain/contracts';
import { type CliError, cliError } from '../cli-error.js';
import { daemonEndpoint, describeProbe, probeEndpoint } from '../daemon-client.js';
import type { CliDeps } from '../deps.js';

const homeOpt = (home: string | undefined) => (home !== undefined ? { home } : {});

// ------------------------------------------------------------------------------------------------- run

/**
 * `worktrain daemon run`: the daemon in the foreground of this process (config → runtime → start) until
 * SIGTERM/SIGINT, which drain. Resolves when stopped.
 */
export async function executeDaemonRun(
  deps: CliDeps,
  opts: { home?: string; port?: number; host?: string },
): Promise<Result<{ url: string; stopped: true }, CliError>> {
  const paths = resolveWorktrainPaths({ ...homeOpt(opts.home), env: deps.env, cwd: deps.cwd });
  // Imported here, not at start-up: the runtime (agent, delivery, forge clients) is the CLI's heaviest part.
  const { createRuntime, createWorktrainLogger, loadRuntimeConfig } = await import('@worktrain/runtime');
  const config = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env: deps.env });
  if (config.isErr())
    return err(
      cliError('DAEMON_ERROR', config.error.message, { cause: config.error.code, ...config.error.details }),
    );
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  // The log file only: this process's stderr carries the CLI's own lines (`listening on …`).
  const logger = createWorktrainLogger({
    name: 'worktrain-daemon',
    level: deps.env.WORKTRAIN_LOG_LEVEL ?? 'info',
    file: join(paths.logs, 'daemon.log'),
  });
  const runtime = createRuntime({
    config: {
      ...config.value,
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.host !== undefined ? { host: opts.host } : {}),
    },
    paths,
    env: deps.env,
    logger,
  });
  const started = await runtime.start();
  if (started.isErr())
    return err(cliError('DAEMON_ERROR', started.error.message, { cause: started.error.code }));
  for (const w of await configWarningLines(paths, deps.env)) deps.stderr(`warning: ${w}\n`);
  deps.stderr(`worktrain daemon listening on ${started.value.url} (home ${paths.home})\n`);
  await new Promise<void>((resolveStop) => {
    const stop = (): void => {
      void runtime.stop({ drain: true }).then(() => resolveStop());
    };
    process.once('SIGTERM', stop);
    if (deps.signal !== undefined) deps.signal.addEventListener('abort', stop, { once: true });
    else process.once('SIGINT', stop);
  });
  return ok({ url: started.value.url, stopped: true });
}

// ----------------------------------------------------------------------------------------------- start

export interface DaemonStartOutput {
  readonly url: string;
  readonly pid: number | null;
  readonly alreadyRunning: boolean;
  /** What in config.yaml will not work or is unsafe (no model, a missing model script, …), with the fix. */
  readonly warnings: readonly string[];
}

/** `configWarnings` of the home's config.yaml as `<message> (fix: <fix>)` lines; none when it does not load. */
async function configWarningLines(
  paths: WorktrainPaths,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string[]> {
  const { configWarnings, loadRuntimeConfig } = await import('@worktrain/runtime');
  const loaded = loadRuntimeConfig({ configPath: paths.config, envFile: paths.envFile, env });
  return loaded.isOk()
    ? configWarnings(loaded.value, paths.config).map((w) => `${w.message} (fix: ${w.fix})`)
    : [];
}

/**
 * `worktrain daemon start`: spawns `worktrain daemon run` detached (output to `<home>/logs/daemon.out`)
 * and waits up to `waitMs` until `GET /health` answers for this home with the child's pid. Errors:
 * DAEMON_ERROR when the port is held by another home's daemon or another program (`details.daemonCode`
 * PORT_TAKEN, `details.occupantHome`), or when the child exits (`details.output`: the tail of its output)
 * or never answers.
 */
export async function executeDaemonStart(
  deps: CliDeps,
  opts: { home?: string; port?: number; waitMs?: number },
): Promise<Result<DaemonStartOutput, CliError>> {
  const before = await daemonEndpoint(deps, opts);
  const probe = await probeEndpoint(before);
  const paths = resolveWorktrainPaths({ ...homeOpt(opts.home), env: deps.env, cwd: deps.cwd });
  if (probe.kind === 'ours')
    return ok({
      url: before.url,
      pid: probe.health.pid,
      alreadyRunning: true,
      warnings: await configWarningLines(paths, deps.env),
    });
  const occupant = await describeProbe(probe);
  if (occupant !== null) {
    const { OWN_PORT_HINT } = await import('@worktrain/runtime');
    return err(
      cliError('DAEMON_ERROR', `Cannot start the daemon of ${before.home}: ${occupant}; ${OWN_PORT_HINT}`, {
        daemonCode: 'PORT_TAKEN',
        url: before.url,
        ...(probe.kind === 'other-home'
          ? { occupantHome: probe.health.home, occupantPid: probe.health.pid }
          : {}),
      }),
    );
  }
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const out = openSync(join(paths.logs, 'daemon.out'), 'a');
  const entry = process.argv[1] ?? '';
  const args = [
    ...process.execArgv,
    entry,
    '--home',
    paths.home,
    'daemon',
    'run',
    ...(opts.port !== undefined ? ['--port', String(opts.port)] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: deps.cwd,
    env: { ...deps.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? 1;
  });
  child.unref();
  const deadline = deps.clock.now() + (opts.waitMs ?? 60_000);
  while (deps.clock.now() < deadline) {
    await pause(200);
    if (exited !== null) break;
    const endpoint = await daemonEndpoint(deps, opts);
    const answer = await probeEndpoint(endpoint, 1000);
    if (answer.kind === 'ours' && answer.health.pid === child.pid)
      return ok({
        url: endpoint.url,
        pid: child.pid ?? null,
        alreadyRunning: false,
        warnings: await configWarningLines(paths, deps.env),
      });
  }
  const tail = readTail(join(paths.logs, 'daemon.out'));
  return err(
    cliError(
      'DAEMON_ERROR',
      exited !== null
        ? `The daemon exited (${exited}) while starting.`
        : 'The daemon did not answer /health in time.',
      {
        output: tail,
      },
    ),
  );
}

/** A plain wait that Ctrl-C does not cut short (the loop checks its own deadline). */
const pause = (ms: number): Promise<boolean> => sleep(ms);

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

// ------------------------------------------------------------------------------------------ stop/status

export interface DaemonStatusOutput {
  readonly running: boolean;
  readonly url: string;
  readonly pid: number | null;
  /** This home's daemon's `/health` answer (home, start time, active sessions, queue depth); null when not running. */
  readonly health: Record<string, unknown> | null;
  /** Who holds the URL when it is not this home's daemon (another home's daemon, another program); else null. */
  readonly occupant: string | null;
}

export async function executeDaemonStatus(
  deps: CliDeps,
  opts: { home?: string; port?: number },
): Promise<Result<DaemonStatusOutput, CliError>> {
  const endpoint = await daemonEndpoint(deps, opts);
  const probe = await probeEndpoint(endpoint);
  return ok({
    running: probe.kind === 'ours',
    url: endpoint.url,
    pid: probe.kind === 'ours' ? probe.health.pid : null,
    health: probe.kind === 'ours' ? { ...probe.health } : null,
    occupant: await describeProbe(probe),
  });
}

/**
 * `worktrain daemon stop`: SIGTERM to this home's daemon (it drains), then waits until it no longer answers.
 * A daemon of another home on the same port is left alone (`stopped: false`, `occupant` says whose it is).
 */
export async function executeDaemonStop(
  deps: CliDeps,
  opts: { home?: string; port?: number; waitMs?: number },
): Promise<Result<{ stopped: boolean; pid: number | null; occupant?: string }, CliError>> {
  const endpoint = await daemonEndpoint(deps, opts);
  const probe = await probeEndpoint(endpoint);
  if (probe.kind !== 'ours') {
    const occupant = await describeProbe(probe);
    return ok({ stopped: false, pid: null, ...(occupant !== null ? { occupant } : {}) });
  }
  const pid = probe.health.pid;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (thrown) {
    return err(cliError('DAEMON_ERROR', `Cannot signal pid ${pid}: ${String(thrown)}`));
  }
  const deadline = deps.clock.now() + (opts.waitMs ?? 60_000);
  while (deps.clock.now() < deadline) {
    await pause(200);
    if ((await probeEndpoint(endpoint, 500)).kind !== 'ours') return ok({ stopped: true, pid });
  }
  return err(cliError('DAEMON_ERROR', `The daemon (pid ${pid}) is still answering after SIGTERM.`));
}

/** `running at <url> (pid …, home …, n active sessions; queue <name>: 2 pending, 1 leased, 0 dead)`. */
export function renderDaemonStatus(o: DaemonStatusOutput): string {
  if (!o.running)
    return `daemon not running (looked at ${o.url})${o.occupant !== null ? `\n${o.occupant}` : ''}`;
  const active = Number(o.health?.activeSessions ?? 0);
  return `daemon running at ${o.url} (pid ${o.pid}, home ${String(o.health?.home)}, started ${String(o.health?.startedAt)}, ${active} active session${active === 1 ? '' : 's'})\n${renderQueueDepth(o.health?.queue)}`;
}

/** `queue tasks: 2 pending, 1 leased, 0 dead (oldest waiting 12 s)` from `/health`'s `queue`. */
export function renderQueueDepth(queue: unknown): string {
  if (typeof queue !== 'object' || queue === null) return 'queue: unknown (the daemon could not read it)';
  const q = queue as Record<string, unknown>;
  const n = (k: string): number => (typeof q[k] === 'number' ? q[k] : 0);
  const age =
    typeof q.oldestReadyAgeMs === 'number'
      ? `, oldest waiting ${Math.round(q.oldestReadyAgeMs / 1000)} s`
      : '';
  return `queue ${String(q.name)}: ${n('pending')} pending, ${n('leased')} leased, ${n('dead')} dead, ${n('failed')} failed, ${n('succeeded')} succeeded${age}`;
}
