/**
 * Pipeline benchmark (issue #15, first part): the coordinator's own overhead per stage transition,
 * excluding model time — the runner folding the pipeline's log, recording stage_started / child_spawned /
 * child_ended / stage_completed durably (fsync'd SQLite, WAL, synchronous=FULL) and the stage's code —
 * with an instant launcher (children complete at once), so what is measured is coordination alone.
 *
 *   pnpm bench:pipeline            200 pipelines one after the other, then 100 concurrent
 *   pnpm bench:pipeline --quick    50, then 20
 *
 * Workloads (one JSON line each):
 * - `stage_transition_serial`: p50/p99 of one transition (stage start → next stage start) over pipelines run
 *   one at a time; goal p99 < 50 ms;
 * - `pipelines_concurrent`: N pipelines on one store at once (one process, as on one daemon): transitions'
 *   p50/p99, wall time, and the check that no stage was lost and no child was spawned twice.
 * The same through the real daemon with real child sessions: `pnpm bench:pipeline:daemon` (bench/pipeline-daemon.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ok } from '@worktrain/contracts';
import {
  type ChildOutcome,
  definePipeline,
  openSqlitePipelineStore,
  runPipeline,
  type SessionLauncher,
  startPipeline,
} from '@worktrain/coordinator-kit';
import * as z from 'zod';

const QUICK = process.argv.includes('--quick');
const SERIAL = QUICK ? 50 : 200;
const CONCURRENT = QUICK ? 20 : 100;
const ROUNDS = 3;

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const r2 = (n: number) => Math.round(n * 100) / 100;

/** Marks each stage start; a transition is the time from one stage's start to the next one's. */
const marks = new Map<string, number[]>();
const mark = (pipelineId: string) => {
  const list = marks.get(pipelineId) ?? [];
  list.push(performance.now());
  marks.set(pipelineId, list);
};

const State = z.strictObject({ round: z.number().int() });
/** code → (review → fix) × ROUNDS → review clean: 2 + 2×ROUNDS stages, one child each. */
const pipeline = definePipeline<z.infer<typeof State>>({
  kind: 'bench',
  description: 'code, review and fix with an instant launcher',
  start: 'code',
  stateSchema: State,
  initialState: () => ({ round: 0 }),
  stages: {
    code: {
      description: 'code',
      next: ['review'],
      async run(ctx) {
        mark(ctx.pipelineId);
        const c = (
          await ctx.spawn({
            key: 'code',
            workflowId: 'w',
            goal: 'g',
            context: {},
            workspace: '/r',
            deliver: true,
          })
        )._unsafeUnwrap();
        (await ctx.await([c]))._unsafeUnwrap();
        return { next: 'review', state: ctx.state };
      },
    },
    review: {
      description: 'review',
      next: ['fix'],
      async run(ctx) {
        mark(ctx.pipelineId);
        const c = (
          await ctx.spawn({
            key: `review-${ctx.state.round}`,
            workflowId: 'w',
            goal: 'g',
            context: {},
            workspace: '/r',
            deliver: false,
          })
        )._unsafeUnwrap();
        (await ctx.await([c]))._unsafeUnwrap();
        return ctx.state.round >= ROUNDS
          ? { end: 'completed', state: ctx.state, reason: 'clean' }
          : { next: 'fix', state: ctx.state };
      },
    },
    fix: {
      description: 'fix',
      next: ['review'],
      async run(ctx) {
        mark(ctx.pipelineId);
        const round = ctx.state.round + 1;
        const c = (
          await ctx.spawn({
            key: `fix-${round}`,
            workflowId: 'w',
            goal: 'g',
            context: {},
            workspace: '/r',
            deliver: true,
          })
        )._unsafeUnwrap();
        (await ctx.await([c]))._unsafeUnwrap();
        return { next: 'review', state: { round } };
      },
    },
  },
});

const spawns = new Map<string, number>();
const launcher: SessionLauncher = {
  async spawn(pipelineId, request) {
    const k = `${pipelineId}/${request.key}`;
    spawns.set(k, (spawns.get(k) ?? 0) + 1);
    return ok({ key: request.key, sessionId: `s-${k}` });
  },
  async await(handles) {
    // Yield once, as an await on real children would, so concurrent pipelines interleave.
    await new Promise((r) => setImmediate(r));
    return ok(
      handles.map(
        (h): ChildOutcome => ({
          status: 'completed',
          key: h.key,
          sessionId: h.sessionId,
          artifacts: [],
          delivery: null,
          usage: { turns: 1, tokens: 10, costUsd: 0 },
        }),
      ),
    );
  },
  async stop() {},
};

function transitions(ids: readonly string[]): number[] {
  return ids.flatMap((id) => {
    const m = marks.get(id) ?? [];
    return m.slice(1).map((t, i) => t - (m[i] ?? t));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wt-bench-pipeline-'));
  const store = openSqlitePipelineStore({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
  const runOne = async (id: string) => {
    startPipeline(pipeline, {
      store,
      pipelineId: id,
      input: { goal: 'g', workspace: '/r', context: {} },
    })._unsafeUnwrap();
    const r = (
      await runPipeline({ definition: pipeline, store, launcher, pipelineId: id, now: Date.now })
    )._unsafeUnwrap();
    if (r.status !== 'completed') throw new Error(`${id} ended ${r.status}`);
  };
  const expectedStages = 2 + 2 * ROUNDS;
  const serialIds = Array.from({ length: SERIAL }, (_, i) => `serial-${i}`);
  for (const id of serialIds) await runOne(id);
  const serial = transitions(serialIds);
  const common = {
    bench: 'pipeline',
    system: 'worktrain-coordinator-kit',
    storage: 'sqlite-wal-fsync',
    loadavg_1m: r2(loadavg()[0] ?? 0),
    quick: QUICK,
  };
  console.log(
    JSON.stringify({
      ...common,
      workload: 'stage_transition_serial',
      samples: serial.length,
      p50_ms: r2(quantile(serial, 0.5)),
      p99_ms: r2(quantile(serial, 0.99)),
      goal_p99_ms: 50,
      met: quantile(serial, 0.99) < 50,
    }),
  );
  const concurrentIds = Array.from({ length: CONCURRENT }, (_, i) => `conc-${i}`);
  const started = performance.now();
  await Promise.all(concurrentIds.map(runOne));
  const wall = performance.now() - started;
  const concurrent = transitions(concurrentIds);
  const lostStages = concurrentIds.filter((id) => (marks.get(id)?.length ?? 0) !== expectedStages).length;
  const duplicateChildren = [...spawns.values()].filter((n) => n > 1).length;
  console.log(
    JSON.stringify({
      ...common,
      workload: 'pipelines_concurrent',
      pipelines: CONCURRENT,
      stages_per_pipeline: expectedStages,
      samples: concurrent.length,
      p50_ms: r2(quantile(concurrent, 0.5)),
      p99_ms: r2(quantile(concurrent, 0.99)),
      wall_ms: r2(wall),
      lost_stages: lostStages,
      duplicate_children: duplicateChildren,
      met: lostStages === 0 && duplicateChildren === 0,
    }),
  );
  store.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
