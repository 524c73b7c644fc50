/**
 * Agent benchmark (issue 12): the OS sandbox's start-up overhead per command. Prints one JSON object per
 * workload; every workload runs in the same process, interleaved round by round, so machine noise hits
 * them alike.
 *
 *   pnpm bench:agent            400 rounds
 *   pnpm bench:agent --quick    100 rounds (a few seconds)
 *
 * Workloads, each spawning `true` from Node (`child_process.execFile`) and waiting for it:
 * - plain: no sandbox (what the bash tool did before issue 12);
 * - bwrap_bare: `bwrap --ro-bind / / --unshare-all --die-with-parent -- true`, the backend's own floor;
 * - sandboxed_session: the agent's bash tool in the daemon — `SandboxRunner.run` in the session's
 *   long-lived sandbox (`Sandbox.open(policy)` once: namespaces, mounts, cgroup; each command is a fork
 *   inside it, with its output relayed and its leftovers killed);
 * - sandboxed: a fresh sandbox per command (delivery checks, `worktrain sandbox exec`) — `Sandbox.wrap`
 *   (session policy: hidden $WORKTRAIN_HOME and home, toolchain binds, git dirs) + spawn + `release()`
 *   (cgroup v1/v2 created, joined and removed per command);
 * - sandboxed_allowlist: per command with `sandbox.network.allow` set (a filtering proxy and the
 *   in-sandbox Node bridge per command).
 * The goal (issue 12) is the agent's per-command start-up: `sandboxed_session` p50 − `plain` p50 < 15 ms
 * (`extra_p50_ms`); the per-command rows show what a fresh sandbox costs.
 */

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildSandboxPolicy, createSandbox } from '@worktrain/agent';

const run = promisify(execFile);
const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 100 : 400;
const ALLOWLIST_ROUNDS = QUICK ? 20 : 60;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const round2 = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'wt-bench-agent-')));
  const home = join(root, 'home');
  const worktree = join(home, 'worktrees', 's1');
  mkdirSync(worktree, { recursive: true });
  const built = await createSandbox();
  if (built.isErr()) throw new Error(`no sandbox here: ${built.error.message}`);
  const sandbox = built.value;
  const policy = buildSandboxPolicy({ worktree, stateDir: join(home, 'sandbox', 's1'), worktrainHome: home });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  const samples: Record<string, number[]> = {
    plain: [],
    bwrap_bare: [],
    sandboxed_session: [],
    sandboxed: [],
    sandboxed_allowlist: [],
  };

  const time = async (name: string, run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    samples[name]?.push(performance.now() - t);
  };
  const sandboxed = async (allow: readonly string[]) => {
    const w = await sandbox.wrap({ argv: ['true'], cwd: worktree, env }, { ...policy, networkAllow: allow });
    if (w.isErr()) throw new Error(w.error.message);
    await run(w.value.file, [...w.value.args], { env: { ...w.value.env }, cwd: worktree });
    await w.value.release();
  };
  const openStarted = performance.now();
  const opened = await sandbox.open(policy);
  const openMs = performance.now() - openStarted;
  if (opened.isErr()) throw new Error(opened.error.message);
  const runner = opened.value;
  const inSession = async () => {
    const r = await runner.run({ argv: ['true'], cwd: worktree, env, timeoutMs: 10_000 });
    if (r.isErr() || r.value.exitCode !== 0) throw new Error('sandboxed `true` failed');
  };
  for (let i = 0; i < 10; i++) {
    await sandboxed([]); // warm-up
    await inSession();
  }
  for (let i = 0; i < ROUNDS; i++) {
    await time('plain', () => run('true', [], { env, cwd: worktree }));
    await time('bwrap_bare', () =>
      run('bwrap', ['--ro-bind', '/', '/', '--unshare-all', '--die-with-parent', '--', 'true'], { env }),
    );
    await time('sandboxed_session', inSession);
    await time('sandboxed', () => sandboxed([]));
    if (i < ALLOWLIST_ROUNDS) await time('sandboxed_allowlist', () => sandboxed(['registry.npmjs.org']));
  }
  const plainP50 = quantile(samples.plain ?? [], 0.5);
  for (const [name, xs] of Object.entries(samples)) {
    const p50 = quantile(xs, 0.5);
    console.log(
      JSON.stringify({
        bench: 'agent',
        workload: `spawn_true_${name}`,
        system: name === 'plain' ? 'node-execfile' : sandbox.info.backend,
        samples: xs.length,
        p50_ms: round2(p50),
        p99_ms: round2(quantile(xs, 0.99)),
        extra_p50_ms: round2(p50 - plainP50),
        ...(name === 'sandboxed_session'
          ? { goal_extra_p50_ms: 15, met: p50 - plainP50 < 15, session_open_ms: round2(openMs) }
          : {}),
        limits: sandbox.info.limits,
        version: sandbox.info.version,
        loadavg_1m: round2(loadavg()[0] ?? 0),
        quick: QUICK,
      }),
    );
  }
  await runner.close();
  rmSync(root, { recursive: true, force: true });
}

await main();
