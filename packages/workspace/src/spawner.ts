import { type ChildProcess, spawn } from 'node:child_process';
import type { SpawnedOutput, SpawnRequest } from '@worktrain/contracts';

/**
 * The helper: a bare `node -e` process that spawns commands for its parent and sends back their output.
 * Forking a process costs time proportional to its memory (measured 27 ms of blocked event loop for a
 * 275 MB daemon, 3 ms for 60 MB), so the daemon asks this small process to fork instead. It exits when its
 * parent goes away (the IPC channel closes), also after a SIGKILL of the parent.
 */
const HELPER = `
const { spawn } = require('node:child_process');
const MAX = 100 * 1024 * 1024;
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  let out = [], err = [], outBytes = 0, errBytes = 0, timedOut = false, done = false;
  const reply = (r) => { if (done) return; done = true; try { process.send({ id: m.id, ...r }); } catch {} };
  let child;
  try {
    child = spawn(m.file, m.args, { env: { ...process.env, ...m.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) { reply({ error: String(e) }); return; }
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGTERM'); }, m.timeoutMs);
  child.stdout.on('data', (d) => { if (outBytes < MAX) { out.push(d); outBytes += d.length; } });
  child.stderr.on('data', (d) => { if (errBytes < MAX) { err.push(d); errBytes += d.length; } });
  child.on('error', (e) => { clearTimeout(timer); reply({ error: String(e) }); });
  child.on('close', (code) => {
    clearTimeout(timer);
    reply({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), exitCode: code, timedOut });
  });
});
`;

interface Pending {
  readonly resolve: (output: SpawnedOutput) => void;
  readonly reject: (error: Error) => void;
}

let helper: { child: ChildProcess; pending: Map<number, Pending> } | null = null;
let nextId = 1;
let enabled = false;

/**
 * Makes `runGit` spawn git through the helper from now on in this process, and starts the helper now (a
 * long-running daemon calls this at start; a short CLI command keeps spawning directly, which is cheaper
 * than starting a helper). `WORKTRAIN_GIT_SPAWN_HELPER=0` in the environment keeps it off.
 */
export function enableGitSpawnHelper(): void {
  if (process.env.WORKTRAIN_GIT_SPAWN_HELPER === '0') return;
  enabled = true;
  if (helper === null) helper = start();
}

/** True after {@link enableGitSpawnHelper} (and not turned off by the environment). */
export function gitSpawnHelperEnabled(): boolean {
  return enabled;
}

function start(): { child: ChildProcess; pending: Map<number, Pending> } {
  const child = spawn(process.execPath, ['-e', HELPER], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: process.env,
  });
  const pending = new Map<number, Pending>();
  const self = { child, pending };
  const fail = (why: string): void => {
    if (helper === self) helper = null;
    for (const p of pending.values()) p.reject(new Error(why));
    pending.clear();
  };
  child.on('message', (m: { id: number; error?: string } & SpawnedOutput) => {
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (pending.size === 0) unref(child);
    if (m.error !== undefined) p.reject(new Error(m.error));
    else p.resolve({ stdout: m.stdout, stderr: m.stderr, exitCode: m.exitCode, timedOut: m.timedOut });
  });
  child.on('exit', () => fail('the spawn helper exited'));
  child.on('error', (e) => fail(`the spawn helper failed: ${String(e)}`));
  unref(child);
  return self;
}

/** The helper must not keep the process alive when nothing waits on it. */
function unref(child: ChildProcess): void {
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
}

function ref(child: ChildProcess): void {
  child.ref();
  (child.channel as { ref?: () => void } | undefined)?.ref?.();
}

/**
 * Runs `file args` through the spawn helper (started on first use, restarted after it dies). Rejects when
 * the command cannot be started or the helper is gone (callers fall back to spawning themselves). `input`
 * is not supported (the runner spawns directly for commands that read stdin).
 */
export function spawnViaHelper(request: SpawnRequest): Promise<SpawnedOutput> {
  if (helper === null) helper = start();
  const h = helper;
  const id = nextId++;
  return new Promise<SpawnedOutput>((resolve, reject) => {
    h.pending.set(id, { resolve, reject });
    if (h.pending.size === 1) ref(h.child);
    try {
      h.child.send({ id, ...request });
    } catch (thrown) {
      h.pending.delete(id);
      reject(thrown instanceof Error ? thrown : new Error(String(thrown)));
    }
  });
}

/** The helper's pid while it runs (tests check it ends with its parent). */
export function spawnHelperPid(): number | null {
  return helper?.child.pid ?? null;
}
