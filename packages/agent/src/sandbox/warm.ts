/**
 * The long-lived bubblewrap sandbox of one session (`Sandbox.open` on Linux). Starting bwrap costs ~10 ms
 * of namespaces and mounts per command (bench:agent); the agent's bash tool runs hundreds of commands, so
 * the sandbox is started once, with the session's policy, around a small server (`warm-server.ts`) that
 * forks each command inside it: a command then costs about what it costs unsandboxed.
 *
 * One cgroup holds the whole sandbox; its limits are the policy's plus headroom for the server itself
 * ({@link SERVER_MEMORY_HEADROOM_BYTES}, {@link SERVER_PROCESS_HEADROOM}). The filtering proxy (when the
 * policy has an allowlist) lives as long as the sandbox, and each command's report holds the denials and
 * limit hits that happened while it ran. If the sandbox dies (a command killed the server, the OOM killer
 * chose it), the commands running end with exit code null and the next `run` starts a new sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import {
  err,
  makeError,
  ok,
  type Result,
  type SandboxError,
  type SandboxPolicy,
  type SandboxReport,
  type SandboxRunner,
  type SandboxRunRequest,
  type SandboxRunResult,
} from '@worktrain/contracts';
import { execa, type ResultPromise } from 'execa';
import {
  bubblewrapArgs,
  cgroupName,
  launchInCgroup,
  SANDBOX_PROXY_PORT,
  SANDBOX_PROXY_SOCKET,
  sandboxEnv,
  validatePolicy,
} from './bubblewrap.js';
import type { CgroupSupport, CommandCgroup } from './cgroup.js';
import { isWithin } from './policy.js';
import { type FilteringProxy, startFilteringProxy } from './proxy.js';
import { WARM_SERVER_SCRIPT } from './warm-server.js';

/** bytes added to the policy's memory limit for the server (Node, ~40 MiB resident). */
export const SERVER_MEMORY_HEADROOM_BYTES = 128 * 1024 ** 2;
/** Tasks added to the policy's process limit for bwrap, its init and the server's threads (pids counts threads). */
export const SERVER_PROCESS_HEADROOM = 32;
/** ms to wait for the server's `ready` line. */
const START_TIMEOUT_MS = 15_000;
/** ms a killed command may take to report its end before the whole sandbox is killed. */
const KILL_GRACE_MS = 3_000;

const ServerMessage = (line: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

interface Pending {
  readonly request: SandboxRunRequest;
  readonly started: number;
  readonly decoders: { readonly o: StringDecoder; readonly e: StringDecoder };
  readonly counters: { memory: number; processes: number };
  readonly deniedBefore: number;
  timedOut: boolean;
  aborted: boolean;
  timers: ReturnType<typeof setTimeout>[];
  onAbort?: () => void;
  resolve(result: SandboxRunResult): void;
}

interface Instance {
  readonly child: ResultPromise;
  readonly cgroup: CommandCgroup | undefined;
  readonly proxy: FilteringProxy | undefined;
  readonly proxyDir: string | undefined;
  readonly pending: Map<number, Pending>;
  dead: boolean;
  stderr: string;
}

/** Options of {@link openWarmBubblewrap}. */
export interface WarmBubblewrapOptions {
  readonly bwrapPath: string;
  readonly disableUserns: boolean;
  readonly cgroups: CgroupSupport;
  readonly policy: SandboxPolicy;
}

/**
 * Starts the session's sandbox and returns its runner once the server inside answers. Errors:
 * SANDBOX_POLICY_INVALID (a policy folder is missing), SANDBOX_SETUP_FAILED (proxy, bwrap or the server
 * failed to start; details.stderr holds bwrap's message).
 */
export async function openWarmBubblewrap(
  options: WarmBubblewrapOptions,
): Promise<Result<SandboxRunner, SandboxError>> {
  const { policy } = options;
  const valid = validatePolicy(policy, { argv: ['true'], cwd: policy.worktree, env: {} });
  if (valid.isErr()) return err(valid.error);
  let current: Promise<Result<Instance, SandboxError>> | undefined;
  let closed = false;
  let nextId = 0;

  const report = (instance: Instance, pending: Pending): SandboxReport => {
    const now = instance.cgroup?.counters() ?? { memory: 0, processes: 0 };
    return {
      backend: 'bubblewrap',
      networkDenied: instance.proxy?.denied().slice(pending.deniedBefore) ?? [],
      memoryLimitHit: now.memory > pending.counters.memory,
      processLimitHit: now.processes > pending.counters.processes,
    };
  };

  const finish = (instance: Instance, id: number, exitCode: number | null, signal: string | null): void => {
    const pending = instance.pending.get(id);
    if (pending === undefined) return;
    instance.pending.delete(id);
    for (const timer of pending.timers) clearTimeout(timer);
    if (pending.onAbort !== undefined) pending.request.signal?.removeEventListener('abort', pending.onAbort);
    for (const [stream, decoder] of [
      ['stdout', pending.decoders.o],
      ['stderr', pending.decoders.e],
    ] as const) {
      const rest = decoder.end();
      if (rest !== '') pending.request.onOutput?.(stream, rest);
    }
    pending.resolve({
      exitCode,
      signal,
      timedOut: pending.timedOut,
      aborted: pending.aborted,
      durationMs: Math.round(performance.now() - pending.started),
      report: report(instance, pending),
    });
  };

  const destroy = async (instance: Instance, why: string): Promise<void> => {
    if (instance.dead) return;
    instance.dead = true;
    for (const [id, pending] of [...instance.pending]) {
      pending.request.onOutput?.('stderr', `\n[${why}]\n`);
      finish(instance, id, null, 'SIGKILL');
    }
    instance.child.kill('SIGKILL');
    instance.cgroup?.remove(); // kills whatever of the sandbox is left
    await instance.proxy?.close();
    if (instance.proxyDir !== undefined) rmSync(instance.proxyDir, { recursive: true, force: true });
  };

  const start = async (): Promise<Result<Instance, SandboxError>> => {
    let proxy: FilteringProxy | undefined;
    let proxyDir: string | undefined;
    if (policy.networkAllow.length > 0) {
      try {
        proxyDir = mkdtempSync(join(tmpdir(), 'worktrain-proxy-'));
        proxy = await startFilteringProxy(policy.networkAllow, { path: join(proxyDir, 'proxy.sock') });
      } catch (e) {
        if (proxyDir !== undefined) rmSync(proxyDir, { recursive: true, force: true });
        return err(
          makeError('SANDBOX_SETUP_FAILED', 'The sandbox network proxy could not start.', {
            cause: String(e),
          }),
        );
      }
    }
    const argv: [string, ...string[]] = [
      process.execPath,
      '-e',
      WARM_SERVER_SCRIPT,
      ...(proxy === undefined ? [] : [SANDBOX_PROXY_SOCKET, String(SANDBOX_PROXY_PORT)]),
    ];
    const args = bubblewrapArgs(
      policy,
      { argv, cwd: policy.worktree, env: {} },
      {
        disableUserns: options.disableUserns,
        bridge: false,
        ...(proxy === undefined ? {} : { proxySocket: proxy.address }),
      },
    );
    const cgroup = options.cgroups.create(cgroupName('s'), {
      memoryBytes: policy.limits.memoryBytes + SERVER_MEMORY_HEADROOM_BYTES,
      maxProcesses: policy.limits.maxProcesses + SERVER_PROCESS_HEADROOM,
    });
    const launch = launchInCgroup(options.bwrapPath, args, cgroup);
    const child = execa(launch.file, launch.args, {
      env: sandboxEnv(policy, {
        argv,
        cwd: policy.worktree,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      }),
      extendEnv: false,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
    });
    const instance: Instance = {
      child,
      cgroup,
      proxy,
      proxyDir,
      pending: new Map(),
      dead: false,
      stderr: '',
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      instance.stderr = (instance.stderr + chunk).slice(-4000);
    });
    child.stdin?.on('error', () => undefined); // EPIPE when the sandbox died; `exit` handles it
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        const m = ServerMessage(line);
        if (m === undefined) return;
        const id = typeof m.id === 'number' ? m.id : -1;
        if (m.t === 'ready') {
          clearTimeout(timer);
          resolve(true);
        } else if (m.t === 'out') {
          const pending = instance.pending.get(id);
          if (pending === undefined || typeof m.d !== 'string') return;
          const stream = m.s === 'e' ? 'stderr' : 'stdout';
          const text = pending.decoders[m.s === 'e' ? 'e' : 'o'].write(Buffer.from(m.d, 'base64'));
          if (text !== '') pending.request.onOutput?.(stream, text);
        } else if (m.t === 'exit') {
          finish(
            instance,
            id,
            typeof m.code === 'number' ? m.code : null,
            typeof m.signal === 'string' ? m.signal : null,
          );
        }
      });
      void child.then(() => {
        clearTimeout(timer);
        resolve(false);
        void destroy(
          instance,
          `the sandbox ended unexpectedly${instance.stderr === '' ? '' : `: ${instance.stderr.trim()}`}`,
        );
      });
    });
    if (!(await ready)) {
      const stderr = instance.stderr.trim();
      await destroy(instance, 'the sandbox did not start');
      return err(
        makeError('SANDBOX_SETUP_FAILED', `The sandbox did not start${stderr === '' ? '' : `: ${stderr}`}`, {
          stderr,
        }),
      );
    }
    return ok(instance);
  };

  const instance = async (): Promise<Result<Instance, SandboxError>> => {
    const existing = current === undefined ? undefined : await current;
    if (existing?.isOk() === true && !existing.value.dead) return existing;
    current = start();
    return current;
  };

  const first = await instance();
  if (first.isErr()) return err(first.error);

  return ok({
    async run(request: SandboxRunRequest): Promise<Result<SandboxRunResult, SandboxError>> {
      if (closed)
        return err(makeError('SANDBOX_SETUP_FAILED', 'The sandbox of this session was closed.', {}));
      if (!isWithin(policy.worktree, request.cwd))
        return err(
          makeError(
            'SANDBOX_POLICY_INVALID',
            `The command's folder ${request.cwd} is outside the worktree.`,
            {
              path: request.cwd,
            },
          ),
        );
      const got = await instance();
      if (got.isErr()) return err(got.error);
      const live = got.value;
      const id = ++nextId;
      return ok(
        await new Promise<SandboxRunResult>((resolve) => {
          const pending: Pending = {
            request,
            started: performance.now(),
            decoders: { o: new StringDecoder('utf8'), e: new StringDecoder('utf8') },
            counters: live.cgroup?.counters() ?? { memory: 0, processes: 0 },
            deniedBefore: live.proxy?.denied().length ?? 0,
            timedOut: false,
            aborted: false,
            timers: [],
            resolve,
          };
          live.pending.set(id, pending);
          const kill = (): void => {
            live.child.stdin?.write(`${JSON.stringify({ t: 'kill', id })}\n`);
            // A server that cannot answer (a fork bomb at the process limit) takes the sandbox with it.
            pending.timers.push(
              setTimeout(
                () => void destroy(live, 'the sandbox was killed: a command did not stop'),
                KILL_GRACE_MS,
              ),
            );
          };
          pending.timers.push(
            setTimeout(() => {
              pending.timedOut = true;
              kill();
            }, request.timeoutMs),
          );
          pending.onAbort = () => {
            pending.aborted = true;
            kill();
          };
          if (request.signal?.aborted === true) pending.onAbort();
          else request.signal?.addEventListener('abort', pending.onAbort, { once: true });
          const env = sandboxEnv(policy, request);
          live.child.stdin?.write(
            `${JSON.stringify({ t: 'run', id, argv: request.argv, cwd: request.cwd, env })}\n`,
          );
        }),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      const got = current === undefined ? undefined : await current;
      if (got?.isOk() === true) {
        got.value.child.stdin?.end();
        await destroy(got.value, 'the sandbox was closed');
      }
    },
  });
}
