/**
 * Engine benchmarks (DESIGN §14, issue "Foundation"): prints one JSON object per line.
 *
 *   pnpm bench:engine            full run
 *   pnpm bench:engine --quick    under a minute
 *
 * Workloads and the reference each is compared against in the same run on the same disk:
 * - fsync_commit_limit: raw better-sqlite3, WAL + synchronous=FULL, one INSERT per transaction — the
 *   physical limit of durable single commits on this disk.
 * - durable_append_single: SessionStore.append of one event per call (one fsync'd transaction each);
 *   `ratio_to_fsync_limit` is the goal metric (>= 0.8).
 * - durable_append_batched: 20 events per append (one transaction) — events/s beyond the fsync limit.
 * - session_load_10k: open + readEvents + projectSession of a 10 000-event session (goal p50 < 50 ms).
 * - mcp_cold_start: spawn `worktrain-mcp` to a completed MCP initialize handshake (goal p50 < 300 ms),
 *   against `node -e ''` start-up measured the same way (the floor no Node server can beat).
 * - continue_workflow_roundtrip: p50/p99 of continue_workflow over stdio with the official MCP client.
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

/** Durable single-row commits per second of raw SQLite on this disk (the physical limit). */
function fsyncCommitLimit(durationMs: number): number {
  const db = new Database(join(work, 'fsync-limit.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const tx = db.transaction((v: string) => insert.run(v));
  const payload = 'x'.repeat(300); // about one event's size
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    tx.immediate(payload);
    n++;
  }
  const rate = n / ((performance.now() - start) / 1000);
  db.close();
  return rate;
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

async function appendRate(
  eventsPerAppend: number,
  durationMs: number,
): Promise<{ appends: number; events: number; seconds: number }> {
  const store = openStore(join(work, `append-${eventsPerAppend}.db`));
  const sessionId = `sess_bench${eventsPerAppend}`;
  let seq = 0;
  const first = await store.append({ sessionId, expectedSeq: 0, events: [createdEvent()] });
  if (first.isErr()) throw new Error(first.error.message);
  seq = first.value.lastSeq;
  let appends = 0;
  const start = performance.now();
  while (performance.now() - start < durationMs) {
    const events = Array.from({ length: eventsPerAppend }, (_, i) => traceEvent(seq + i));
    const res = await store.append({ sessionId, expectedSeq: seq, events });
    if (res.isErr()) throw new Error(res.error.message);
    seq = res.value.lastSeq;
    appends++;
  }
  const seconds = (performance.now() - start) / 1000;
  store.close();
  return { appends, events: appends * eventsPerAppend, seconds };
}

async function sessionLoad(events: number, runs: number): Promise<number[]> {
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
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const s = openStore(file);
    const read = await s.readEvents(sessionId);
    if (read.isErr()) throw new Error(read.error.message);
    const projection = projectSession(read.value);
    samples.push(performance.now() - t0);
    if (projection.metrics.events !== events)
      throw new Error(`expected ${events} events, projected ${projection.metrics.events}`);
    s.close();
  }
  return samples;
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
  const fsyncMs = quick ? 1500 : 5000;
  const limit = fsyncCommitLimit(fsyncMs);
  emit({ workload: 'fsync_commit_limit', system: 'sqlite-raw', commits_per_s: Math.round(limit) });

  const single = await appendRate(1, fsyncMs);
  const singleRate = single.appends / single.seconds;
  emit({
    workload: 'durable_append_single',
    system: 'worktrain-session-store',
    appends_per_s: Math.round(singleRate),
    events_per_s: Math.round(single.events / single.seconds),
    fsync_commit_limit_per_s: Math.round(limit),
    ratio_to_fsync_limit: Math.round((singleRate / limit) * 1000) / 1000,
    goal: '>= 0.8',
  });
  const batched = await appendRate(20, fsyncMs);
  emit({
    workload: 'durable_append_batched',
    system: 'worktrain-session-store',
    events_per_append: 20,
    events_per_s: Math.round(batched.events / batched.seconds),
    ratio_to_fsync_limit: Math.round((batched.events / batched.seconds / limit) * 1000) / 1000,
  });

  const load = summarize(await sessionLoad(10_000, quick ? 5 : 20));
  emit({ workload: 'session_load_10k', system: 'worktrain-session-store', ...load, goal: 'p50 < 50 ms' });

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
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:engine failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(work, { recursive: true, force: true }));
