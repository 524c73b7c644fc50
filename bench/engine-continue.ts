/**
 * `continue_workflow` by session length (issue #14), part of `pnpm bench:engine`: p50/p99 of an advance
 * when the session already has 100, 1 000 and 10 000 steps, in one run.
 *
 * The history is produced once by the real engine over an in-memory store (a loop of 15 steps run 1 000
 * times), then each prefix (100, 1 000, 10 000 steps) is copied into one SQLite database as its own
 * session, with a continue token for its head node. Each length is then advanced, every advance one
 * durable (fsync'd) append, by:
 * - `worktrain-mcp-stdio`: the MCP server over stdio with the official client (the engine's default
 *   session cache), the first call of each session reported apart as `first_ms` (it loads the log);
 * - `worktrain-engine`: the engine in process over the same file, with `events_read_per_advance` counted
 *   on the store port;
 * - `worktrain-engine-uncached`: the same with `sessionCache: { maxSessions: 0 }`, i.e. reading the whole
 *   log for every advance as before the cache (the reference; fewer samples).
 * A last line gives p99 at the longest length over p99 at the shortest (goal <= 1.5).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { NewSessionEvent, Result } from '@worktrain/contracts';
import {
  createEngine,
  createFileKeyring,
  createWorkflowRegistry,
  type Engine,
  type Keyring,
  signToken,
  verifyToken,
} from '@worktrain/engine';
import {
  createMemorySessionStore,
  createSqliteSessionStore,
  type SessionStore,
} from '@worktrain/session-store';

export interface ContinueBenchContext {
  readonly work: string;
  readonly quick: boolean;
  readonly emit: (record: Record<string, unknown>) => void;
  readonly summarize: (samples: number[]) => { p50_ms: number; p99_ms: number; n: number };
  readonly connect: (home: string, workflowsDir: string) => Promise<{ client: Client }>;
}

const BODY_STEPS = 15;
const WORKFLOW_ID = 'bench.long';

function writeLongWorkflow(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const body = Array.from({ length: BODY_STEPS }, (_, i) => ({
    id: `work-${i}`,
    title: `Unit ${i}`,
    prompt: `Do unit ${i} of iteration {{currentIteration}}.`,
  }));
  const workflow = {
    id: WORKFLOW_ID,
    name: 'Benchmark long loop',
    description: `A loop of ${BODY_STEPS} steps run 1 000 times, for continue_workflow at 10 000 steps.`,
    version: '1.0.0',
    steps: [
      {
        id: 'loop',
        type: 'loop',
        title: 'Iterate',
        loop: { type: 'for', count: 1000, maxIterations: 1000 },
        body,
      },
    ],
  };
  writeFileSync(join(dir, 'bench-long.json'), JSON.stringify(workflow, null, 2));
}

function must<T, E>(result: Result<T, E>): T {
  if (result.isErr()) throw new Error(`benchmark call failed: ${JSON.stringify(result.error)}`);
  return result.value;
}

function tokenOf(response: unknown): string | undefined {
  const r = response as { continueToken?: string; isComplete?: boolean; kind?: string };
  if (r.kind !== undefined && r.kind !== 'ok') throw new Error(`unexpected response kind ${r.kind}`);
  return r.isComplete ? undefined : r.continueToken;
}

/** A session prepared for one measured system: its id, a continue token for its head, its event count. */
export interface PreparedSession {
  readonly sessionId: string;
  readonly token: string;
  readonly events: number;
}

/**
 * Runs the workflow in memory up to the longest mark and copies each prefix into `dbPath`, once per
 * name in `copies` (as session `sess_<copy>_<steps>`), so each measured system starts at exactly that
 * length; returns a continue token for each copy's head node, by copy then by steps.
 */
export async function prepareSessions(
  dbPath: string,
  keyring: Keyring,
  workflowsDir: string,
  marks: readonly number[],
  copies: readonly string[],
): Promise<Map<string, Map<number, PreparedSession>>> {
  const memory = createMemorySessionStore();
  const engine = createEngine({
    store: memory,
    keyring,
    workflows: createWorkflowRegistry({ sources: [{ kind: 'custom', dir: workflowsDir }] }),
  });
  const started = must(await engine.startWorkflow({ workflowId: WORKFLOW_ID, source: 'test' }));
  let token = started.continueToken;
  const atMark = new Map<number, { token: string; lastSeq: number }>();
  const longest = Math.max(...marks);
  for (let step = 0; step < longest; step++) {
    if (token === undefined) throw new Error('the benchmark workflow ended early');
    token = tokenOf(
      must(
        await engine.continueWorkflow({ continueToken: token, output: { notesMarkdown: `Did ${step}.` } }),
      ),
    );
    if (marks.includes(step + 1) && token !== undefined) {
      const summary = must(await memory.getSummary(started.sessionId));
      atMark.set(step + 1, { token, lastSeq: summary.lastSeq });
    }
  }
  const events = must(await memory.readEvents(started.sessionId));
  const created = events[0];
  if (created?.kind !== 'session_created') throw new Error('no session_created');
  const hash = created.data.workflowHash;
  const store = must(createSqliteSessionStore({ path: dbPath }));
  must(await store.putWorkflowSnapshot(hash, must(await memory.getWorkflowSnapshot(hash))));
  const prepared = new Map<string, Map<number, PreparedSession>>();
  for (const copy of copies) {
    const bySteps = new Map<number, PreparedSession>();
    for (const [steps, mark] of atMark) {
      const sessionId = `sess_${copy}_${steps}`;
      let seq = 0;
      while (seq < mark.lastSeq) {
        const batch = events
          .slice(seq, Math.min(seq + 1000, mark.lastSeq))
          .map((e) => ({ kind: e.kind, data: e.data }) as NewSessionEvent);
        seq = must(await store.append({ sessionId, expectedSeq: seq, events: batch })).lastSeq;
      }
      const head = must(verifyToken(keyring, mark.token, { kinds: ['continue'] }));
      const headToken = signToken(keyring, { kind: 'continue', sessionId, nodeId: head.nodeId, attempt: 0 });
      bySteps.set(steps, { sessionId, token: headToken, events: mark.lastSeq });
    }
    prepared.set(copy, bySteps);
  }
  store.close();
  return prepared;
}

/** The store port with the events returned by readEvents counted. */
function counting(inner: SessionStore): { store: SessionStore; events: () => number } {
  let events = 0;
  const store: SessionStore = {
    append: (input) => inner.append(input),
    readEvents: (sessionId, options) =>
      inner.readEvents(sessionId, options).map((read) => {
        events += read.length;
        return read;
      }),
    getSummary: (sessionId) => inner.getSummary(sessionId),
    listSessions: (query) => inner.listSessions(query),
    verify: (sessionId) => inner.verify(sessionId),
    subscribe: (sessionId, listener) => inner.subscribe(sessionId, listener),
    putWorkflowSnapshot: (hash, snapshot) => inner.putWorkflowSnapshot(hash, snapshot),
    getWorkflowSnapshot: (hash) => inner.getWorkflowSnapshot(hash),
    close: () => inner.close(),
  };
  return { store, events: () => events };
}

/** Samples of one session length: the first (log-loading) call apart, then the measured advances. */
interface LengthRun {
  readonly firstMs: number;
  readonly samples: number[];
}

/**
 * Advances every session once unmeasured (its first call loads the log: `firstMs`), then `n` rounds of
 * one timed advance per session, round-robin (100, 1 000, 10 000, 100, …), so that a busy or noisy machine
 * weighs on every length alike rather than on whichever ran during a spike.
 */
async function timeRoundRobin(
  call: (token: string, i: number) => Promise<string | undefined>,
  sessions: ReadonlyMap<number, PreparedSession>,
  n: number,
): Promise<Map<number, LengthRun>> {
  const tokens = new Map<number, string>();
  const runs = new Map<number, LengthRun>();
  for (const [steps, session] of sessions) {
    const t0 = performance.now();
    const next = await call(session.token, 0);
    runs.set(steps, { firstMs: performance.now() - t0, samples: [] });
    if (next !== undefined) tokens.set(steps, next);
  }
  for (let i = 1; i <= n; i++) {
    for (const [steps, run] of runs) {
      const token = tokens.get(steps);
      if (token === undefined) throw new Error('the benchmark session completed while being measured');
      const t = performance.now();
      const next = await call(token, i);
      run.samples.push(performance.now() - t);
      if (next === undefined) tokens.delete(steps);
      else tokens.set(steps, next);
    }
  }
  return runs;
}

const SYSTEMS = ['mcp', 'engine', 'uncached'] as const;

export async function continueBySteps(ctx: ContinueBenchContext): Promise<void> {
  const marks = [100, 1000, 10_000];
  const n = ctx.quick ? { mcp: 200, engine: 200, uncached: 15 } : { mcp: 1000, engine: 1000, uncached: 60 };
  const home = join(ctx.work, 'home-steps');
  const workflowsDir = join(ctx.work, 'workflows-steps');
  writeLongWorkflow(workflowsDir);
  mkdirSync(home, { recursive: true });
  const keyring = must(createFileKeyring(join(home, 'keys')));
  const dbPath = join(home, 'worktrain.db');
  const t0 = performance.now();
  const sessions = await prepareSessions(dbPath, keyring, workflowsDir, marks, SYSTEMS);
  ctx.emit({
    workload: 'continue_workflow_by_steps_setup',
    seconds: Math.round(performance.now() - t0) / 1000,
  });
  const sessionsOf = (copy: (typeof SYSTEMS)[number]): ReadonlyMap<number, PreparedSession> => {
    const found = sessions.get(copy);
    if (found === undefined) throw new Error(`no ${copy} sessions`);
    return found;
  };
  const ms = (x: number) => Math.round(x * 1000) / 1000;
  const output = (i: number) => ({ notesMarkdown: `Measured advance ${i}.` });
  const report = (
    system: string,
    copy: (typeof SYSTEMS)[number],
    runs: Map<number, LengthRun>,
    extra: (steps: number) => Record<string, unknown> = () => ({}),
  ) => {
    const p99 = new Map<number, number>();
    for (const [steps, run] of runs) {
      const summary = ctx.summarize(run.samples);
      p99.set(steps, summary.p99_ms);
      ctx.emit({
        workload: 'continue_workflow_by_steps',
        system,
        steps,
        ...summary,
        session_events: sessionsOf(copy).get(steps)?.events,
        first_ms: ms(run.firstMs),
        ...extra(steps),
      });
    }
    const shortest = p99.get(marks[0] ?? 0) ?? Number.NaN;
    const longest = p99.get(marks[marks.length - 1] ?? 0) ?? Number.NaN;
    ctx.emit({
      workload: 'continue_workflow_scaling',
      system,
      p99_ms_by_steps: Object.fromEntries(p99),
      p99_ratio_longest_to_shortest: Math.round((longest / shortest) * 100) / 100,
      goal: copy === 'uncached' ? 'reference (no session cache)' : '<= 1.5',
    });
  };

  const { client } = await ctx.connect(home, workflowsDir);
  try {
    const runs = await timeRoundRobin(
      async (token, i) =>
        tokenOf(
          (
            (await client.callTool({
              name: 'continue_workflow',
              arguments: { continueToken: token, intent: 'advance', output: output(i) },
            })) as { structuredContent?: unknown }
          ).structuredContent,
        ),
      sessionsOf('mcp'),
      n.mcp,
    );
    report('worktrain-mcp-stdio', 'mcp', runs);
  } finally {
    await client.close();
  }

  const store = must(createSqliteSessionStore({ path: dbPath }));
  const registry = createWorkflowRegistry({ sources: [{ kind: 'custom', dir: workflowsDir }] });
  try {
    for (const [copy, system, cache, samples] of [
      ['engine', 'worktrain-engine', undefined, n.engine],
      ['uncached', 'worktrain-engine-uncached', { maxSessions: 0 }, n.uncached],
    ] as const) {
      const port = counting(store);
      const engine: Engine = createEngine({
        store: port.store,
        keyring,
        workflows: registry,
        ...(cache === undefined ? {} : { sessionCache: cache }),
      });
      const read = new Map<number, number>();
      const sessionSteps = new Map([...sessionsOf(copy)].map(([steps, s]) => [s.sessionId, steps]));
      const runs = await timeRoundRobin(
        async (token, i) => {
          const payload = must(verifyToken(keyring, token, { kinds: ['continue'] }));
          const steps = sessionSteps.get(payload.sessionId) ?? 0;
          const before = port.events();
          const next = tokenOf(
            must(await engine.continueWorkflow({ continueToken: token, output: output(i) })),
          );
          if (i > 0) read.set(steps, (read.get(steps) ?? 0) + port.events() - before);
          return next;
        },
        sessionsOf(copy),
        samples,
      );
      report(system, copy, runs, (steps) => ({
        events_read_per_advance: Math.round(((read.get(steps) ?? 0) / samples) * 10) / 10,
      }));
    }
  } finally {
    store.close();
  }
}
