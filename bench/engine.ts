/**
 * Engine benchmarks (DESIGN §14, issue "Foundation"): prints one JSON object per line.
 *
 *   pnpm bench:engine            full run
 *   pnpm bench:engine --quick    under a minute
 *
 * Workloads and the reference each is compared against in the same run on the same disk:
 * - fsync_commit_limit: raw better-sqlite3, WAL + synchronous=FULL, one INSERT per `BEGIN IMMEDIATE`
 *   transaction — the physical limit of durable single commits on this disk.
 * - durable_append_single: SessionStore.append of one event per call (one fsync'd transaction each);
 *   `ratio_to_fsync_limit` is the goal metric (>= 0.8). It and the limit are measured in alternating
 *   slices (A B, B A, …) so both see the same machine load.
 * - durable_append_batched: 20 events per append (one transaction) — events/s beyond the fsync limit
 *   (measured interleaved with its own run of the limit).
 * - session_load_10k: open + readEvents + projectSession of a 10 000-event session (goal p50 < 50 ms), after
 *   two warm-up loads whose times are reported as `first_ms`.
 * - mcp_cold_start: spawn `worktrain-mcp` to a completed MCP initialize handshake (goal p50 < 300 ms),
 *   against `node -e ''` start-up measured the same way (the floor no Node server can beat).
 * - continue_workflow_roundtrip: p50/p99 of continue_workflow over stdio with the official MCP client.
 * - continue_workflow_by_steps: p50/p99 of continue_workflow in sessions of 100, 1 000 and 10 000 steps
 *   (MCP over stdio, the engine in process, and the engine without its session cache as the reference),
 *   then continue_workflow_scaling: p99 at 10 000 steps over p99 at 100 (goal <= 1.5); see
 *   bench/engine-continue.ts.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { NewSessionEvent } from '@worktrain/contracts';
import { createSqliteSessionStore, projectSession } from '@worktrain/session-store';
import Database from 'better-sqlite3';
import { continueBySteps } from './engine-continue.js';

const quick = process.argv.includes('--quick');
const root = resolve(import.meta.dirname, '..');
const mcpBin = join(root, 'apps/mcp-server/bin/worktrain-mcp.js');
const work = mkdtempSync(join(tmpdir(), 'wt-bench-engine-'));

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ area: 'engine', quick, ...record })}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

function summarize(samples: number[]): { p50_ms: number; p99_ms: number; n: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return { p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), n: sorted.length };
}

/**
 * The reference: raw better-sqlite3 with the store's durability settings (WAL + synchronous=FULL), one
 * `BEGIN IMMEDIATE` transaction per inserted row of about one event's size. Its commit rate is the physical
 * limit of durable single commits on this disk.
 */
function openFsyncBaseline(file: string): { commit: () => void; close: () => void } {
  const db = new Database(join(work, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const tx = db.transaction((v: string) => insert.run(v));
  const payload = 'x'.repeat(300); // about one event's size
  return { commit: () => tx.immediate(payload), close: () => db.close() };
}

function createdEvent(): NewSessionEvent {
  return {
    kind: 'session_created',
    data: {
      workflowId: 'bench.workflow',
      workflowVersion: '1.0.0',
      workflowHash: `sha256:${'a'.repeat(64)}`,
      workspacePath: null,
      parentSessionId: null,
      source: 'test',
      context: {},
    },
  };
}

function traceEvent(i: number): NewSessionEvent {
  return {
    kind: 'decision_trace',
    data: {
      nodeId: null,
      decision: 'bench',
      reason: `event ${i} of a benchmark session, about one event's size`,
    },
  };
}

function openStore(file: string) {
  const opened = createSqliteSessionStore({ path: file });
  if (opened.isErr()) throw new Error(`${opened.error.code}: ${opened.error.message}`);
  return opened.value;
}

/** A store with one open session, appending `eventsPerAppend` events per call (one transaction each). */
async function openAppender(
  eventsPerAppend: number,
): Promise<{ append: () => Promise<void>; close: () => void }> {
  const store = openStore(join(work, `append-${eventsPerAppend}.db`));
  const sessionId = `sess_bench${eventsPerAppend}`;
  const first = await store.append({ sessionId, expectedSeq: 0, events: [createdEvent()] });
  if (first.isErr()) throw new Error(first.error.message);
  let seq = first.value.lastSeq;
  return {
    append: async () => {
      const events = Array.from({ length: eventsPerAppend }, (_, i) => traceEvent(seq + i));
      const res = await store.append({ sessionId, expectedSeq: seq, events });
      if (res.isErr()) throw new Error(res.error.message);
      seq = res.value.lastSeq;
    },
    close: () => store.close(),
  };
}

/** Runs `op` for `ms` milliseconds; returns the count and the time taken. */
async function runFor(ms: number, op: () => void | Promise<void>): Promise<{ n: number; seconds: number }> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await op();
    n++;
  }
  return { n, seconds: (performance.now() - start) / 1000 };
}

/**
 * Measures the raw fsync'd commit rate and the store's append rate in alternating slices (A B, B A, …)
 * of `sliceMs`, `rounds` times, so both see the same disk and machine load; a shared, busy machine would
 * otherwise skew a ratio of two runs taken seconds apart. Returns per-second rates over all slices.
 */
async function interleavedRates(
  eventsPerAppend: number,
  rounds: number,
  sliceMs: number,
): Promise<{ limit: number; appends: number; events: number }> {
  const baseline = openFsyncBaseline(`fsync-limit-${eventsPerAppend}.db`);
  const appender = await openAppender(eventsPerAppend);
  const totals = { base: { n: 0, s: 0 }, ours: { n: 0, s: 0 } };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['base', 'ours'] as const) : (['ours', 'base'] as const);
      for (const side of order) {
        const r = await runFor(sliceMs, side === 'base' ? baseline.commit : appender.append);
        totals[side].n += r.n;
        totals[side].s += r.seconds;
      }
    }
  } finally {
    baseline.close();
    appender.close();
  }
  const appends = totals.ours.n / totals.ours.s;
  return { limit: totals.base.n / totals.base.s, appends, events: appends * eventsPerAppend };
}

/** Loads of the 10 000-event session run before the measured ones (see sessionLoad). */
const WARMUP_LOADS = 2;

async function sessionLoad(events: number, runs: number): Promise<{ samples: number[]; warmup: number[] }> {
  const warmup: number[] = [];
  const file = join(work, 'load.db');
  const store = openStore(file);
  const sessionId = 'sess_benchload';
  let seq = 0;
  const created = await store.append({ sessionId, expectedSeq: 0, events: [createdEvent()] });
  if (created.isErr()) throw new Error(created.error.message);
  seq = created.value.lastSeq;
  while (seq < events) {
    const n = Math.min(500, events - seq);
    const res = await store.append({
      sessionId,
      expectedSeq: seq,
      events: Array.from({ length: n }, (_, i) => traceEvent(seq + i)),
    });
    if (res.isErr()) throw new Error(res.error.message);
    seq = res.value.lastSeq;
  }
  store.close();
  const samples: number[] = [];
  // The first loads compile the read and projection code (V8 tiers it up as it runs); they are measured and
  // reported apart (`first_ms`), the p50/p99 are over the `runs` loads that follow.
  for (let r = 0; r < WARMUP_LOADS + runs; r++) {
    const t0 = performance.now();
    const s = openStore(file);
    const read = await s.readEvents(sessionId);
    if (read.isErr()) throw new Error(read.error.message);
    const projection = projectSession(read.value);
    (r < WARMUP_LOADS ? warmup : samples).push(performance.now() - t0);
    if (projection.metrics.events !== events)
      throw new Error(`expected ${events} events, projected ${projection.metrics.events}`);
    s.close();
  }
  return { samples, warmup };
}

async function timeToExit(command: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((done, fail) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('exit', () => done());
    child.on('error', fail);
  });
  return performance.now() - t0;
}

async function connectClient(home: string, workflowsDir: string): Promise<{ client: Client; ms: number }> {
  const t0 = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mcpBin, '--workflows', workflowsDir],
    env: { ...process.env, WORKTRAIN_HOME: home } as Record<string, string>,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'wt-bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, ms: performance.now() - t0 };
}

function writeBenchWorkflow(dir: string, iterations: number): void {
  mkdirSync(dir, { recursive: true });
  const workflow = {
    id: 'bench.loop',
    name: 'Benchmark loop',
    description: 'A for loop with one step per iteration, for measuring continue_workflow round trips.',
    version: '1.0.0',
    steps: [
      {
        id: 'loop',
        type: 'loop',
        title: 'Iterate',
        loop: { type: 'for', count: iterations, maxIterations: Math.min(1000, iterations) },
        body: [{ id: 'work', title: 'Do one unit of work', prompt: 'Do iteration {{currentIteration}}.' }],
      },
    ],
  };
  writeFileSync(join(dir, 'bench-loop.json'), JSON.stringify(workflow, null, 2));
}

type ToolPayload = { continueToken?: string; isComplete?: boolean; kind?: string };

function payloadOf(result: unknown): ToolPayload {
  const r = result as { structuredContent?: ToolPayload; isError?: boolean; content?: { text?: string }[] };
  if (r.isError) throw new Error(`tool error: ${r.content?.[0]?.text ?? 'unknown'}`);
  return r.structuredContent ?? {};
}

async function main(): Promise<void> {
  // Single appends and the fsync limit are measured interleaved (see interleavedRates); quick: 6 × 250 ms
  // per side, full: 10 × 500 ms.
  const rounds = quick ? 6 : 10;
  const sliceMs = quick ? 250 : 500;
  const single = await interleavedRates(1, rounds, sliceMs);
  emit({
    workload: 'fsync_commit_limit',
    system: 'sqlite-raw',
    commits_per_s: Math.round(single.limit),
    interleaved_with: 'durable_append_single',
  });
  emit({
    workload: 'durable_append_single',
    system: 'worktrain-session-store',
    appends_per_s: Math.round(single.appends),
    events_per_s: Math.round(single.events),
    fsync_commit_limit_per_s: Math.round(single.limit),
    ratio_to_fsync_limit: Math.round((single.appends / single.limit) * 1000) / 1000,
    goal: '>= 0.8',
  });
  const batched = await interleavedRates(20, rounds, sliceMs);
  emit({
    workload: 'durable_append_batched',
    system: 'worktrain-session-store',
    events_per_append: 20,
    events_per_s: Math.round(batched.events),
    fsync_commit_limit_per_s: Math.round(batched.limit),
    ratio_to_fsync_limit: Math.round((batched.events / batched.limit) * 1000) / 1000,
  });

  const loads = await sessionLoad(10_000, quick ? 7 : 20);
  emit({
    workload: 'session_load_10k',
    system: 'worktrain-session-store',
    ...summarize(loads.samples),
    first_ms: loads.warmup.map((ms) => Math.round(ms * 1000) / 1000),
    goal: 'p50 < 50 ms',
  });

  const home = join(work, 'home');
  const workflowsDir = join(work, 'workflows');
  const iterations = quick ? 200 : 1000;
  writeBenchWorkflow(workflowsDir, iterations);

  const floor: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < (quick ? 5 : 15); i++) {
    floor.push(await timeToExit(process.execPath, ['-e', '']));
    const { client, ms } = await connectClient(home, workflowsDir);
    cold.push(ms);
    await client.close();
  }
  emit({ workload: 'mcp_cold_start', system: 'node-empty-process', ...summarize(floor) });
  const coldSummary = summarize(cold);
  emit({ workload: 'mcp_cold_start', system: 'worktrain-mcp', ...coldSummary, goal: 'p50 < 300 ms' });

  const { client } = await connectClient(home, workflowsDir);
  const started = payloadOf(
    await client.callTool({
      name: 'start_workflow',
      arguments: { workflowId: 'bench.loop', workspacePath: work },
    }),
  );
  let token = started.continueToken;
  const rtt: number[] = [];
  while (token) {
    const t0 = performance.now();
    const res = payloadOf(
      await client.callTool({
        name: 'continue_workflow',
        arguments: {
          continueToken: token,
          intent: 'advance',
          output: { notesMarkdown: `Did iteration ${rtt.length + 1}.` },
        },
      }),
    );
    rtt.push(performance.now() - t0);
    token = res.isComplete ? undefined : res.continueToken;
  }
  await client.close();
  emit({ workload: 'continue_workflow_roundtrip', system: 'worktrain-mcp-stdio', ...summarize(rtt) });

  await continueBySteps({ work, quick, emit, summarize, connect: connectClient });
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:engine failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
