/**
 * Queue benchmarks (DESIGN §14, issue 3): prints one JSON object per system and workload.
 *
 *   pnpm bench:queue            full run
 *   pnpm bench:queue --quick    under a minute
 *
 * Systems, measured in the same run on this machine: WorkTrain-SQLite (WAL, synchronous=FULL, group
 * commit), WorkTrain-PostgreSQL, pg-boss 10.4.2 and graphile-worker 0.17.3 on the same PostgreSQL (each in
 * its own schema), BullMQ on the local Redis without and with AOF `appendfsync always` (restored afterwards),
 * and two physical references: fsync'd single-row commits per second of SQLite on this disk, and of
 * PostgreSQL (synchronous_commit=on) on its disk.
 *
 * Workloads:
 * - enqueue_bulk_10k: 10 000 jobs through each system's bulk API in batches of 1 000; `lost`/`duplicated`
 *   compare the stored count with 10 000.
 * - drain_8: N jobs pre-enqueued, then 8 concurrent no-op handlers until every job ran; `lost` = jobs never
 *   run, `duplicated` = extra runs.
 * - pickup_latency: one job at a time at low load (5–15 ms gaps); p50/p99 of enqueue→handler start.
 *
 * Env: WORKTRAIN_BENCH_PG (default postgres://postgres@127.0.0.1:5432/test), WORKTRAIN_BENCH_REDIS_PORT (6379),
 * WORKTRAIN_BENCH_ONLY (comma-separated system names to run, e.g. `worktrain-sqlite,graphile-worker-0.17.3`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createPostgresQueue, openSqliteQueue, runWorker, type TaskQueue } from '@worktrain/queue';
import Database from 'better-sqlite3';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { Logger as GraphileLogger, makeWorkerUtils, type Runner, run as runGraphile } from 'graphile-worker';
import { Redis } from 'ioredis';
import pg from 'pg';
import PgBoss from 'pg-boss';

const quick = process.argv.includes('--quick');
const PG_URL = process.env.WORKTRAIN_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const ENQUEUE_N = 10_000;
const DRAIN_N = quick ? 2_000 : 10_000;
const LATENCY_SAMPLES = quick ? 20 : 200;
const work = mkdtempSync(join(tmpdir(), 'wt-bench-queue-'));
const now = (): number => performance.timeOrigin + performance.now();

function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ area: 'queue', quick, ...record })}\n`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const round = (x: number, d = 3): number => Math.round(x * 10 ** d) / 10 ** d;

/** Durable single-row commits per second of SQLite (WAL + synchronous=FULL) on this disk. */
function sqliteFsyncLimit(ms: number): number {
  const db = new Database(join(work, 'fsync.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
  const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    ins.run('x');
    n++;
  }
  const rate = n / ((performance.now() - start) / 1000);
  db.close();
  return rate;
}

/** Single-row autocommit INSERTs per second on PostgreSQL (synchronous_commit=on: one WAL flush each). */
async function pgCommitLimit(ms: number): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query('DROP SCHEMA IF EXISTS wt_bench_commit CASCADE; CREATE SCHEMA wt_bench_commit');
  await c.query('CREATE TABLE wt_bench_commit.t (id serial PRIMARY KEY, v text)');
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await c.query('INSERT INTO wt_bench_commit.t (v) VALUES ($1)', ['x']);
    n++;
  }
  const rate = n / ((performance.now() - start) / 1000);
  await c.query('DROP SCHEMA wt_bench_commit CASCADE');
  await c.end();
  return rate;
}

type Payload = Record<string, number>;

/** What each system under test provides to the workloads. */
interface BenchSystem {
  readonly name: string;
  setup(): Promise<void>;
  enqueueBulk(queue: string, payloads: Payload[]): Promise<void>;
  enqueueOne(queue: string, payload: Payload): Promise<void>;
  /** Jobs stored for `queue` (any state), to check bulk enqueue lost/duplicated nothing. */
  count(queue: string): Promise<number>;
  /** Starts 8 concurrent handlers on `queue`. */
  startWorkers(queue: string, handler: (payload: Payload) => void): Promise<void>;
  stopWorkers(): Promise<void>;
  teardown(): Promise<void>;
}

/**
 * pg-boss 10: 8 `work()` subscriptions (v10 has no per-subscription concurrency). Each polls every 0.5 s
 * (v10's minimum) and sleeps out the interval even after a full fetch, so a batch of 50 per fetch is used to
 * let it drain at all; latency is bounded by the polling interval (v10 has no LISTEN/NOTIFY).
 */
function pgBoss(): BenchSystem {
  const schema = `pgboss_bench_${process.pid}`;
  const boss = new PgBoss({ connectionString: PG_URL, schema, schedule: false, supervise: false });
  boss.on('error', () => undefined);
  const created = new Set<string>();
  const ensure = async (q: string) => {
    if (!created.has(q)) {
      await boss.createQueue(q);
      created.add(q);
    }
  };
  let working: string[] = [];
  return {
    name: 'pg-boss-10.4.2',
    async setup() {
      await boss.start();
    },
    async enqueueBulk(queue, payloads) {
      await ensure(queue);
      await boss.insert(payloads.map((data) => ({ name: queue, data })));
    },
    async enqueueOne(queue, payload) {
      await ensure(queue);
      await boss.send(queue, payload);
    },
    async count(queue) {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      const r = await c.query(`SELECT count(*)::int AS n FROM "${schema}".job WHERE name = $1`, [queue]);
      await c.end();
      return r.rows[0].n as number;
    },
    async startWorkers(queue, handler) {
      await ensure(queue);
      for (let i = 0; i < 8; i++) {
        await boss.work<Payload>(queue, { batchSize: 50, pollingIntervalSeconds: 0.5 }, async (jobs) => {
          for (const j of jobs) handler(j.data);
        });
      }
      working.push(queue);
    },
    async stopWorkers() {
      for (const q of working) await boss.offWork(q);
      working = [];
    },
    async teardown() {
      await boss.stop({ graceful: false, wait: true });
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

/** graphile-worker 0.17.3: `run()` with concurrency 8 (LISTEN/NOTIFY wake-ups), `addJobs` for bulk. */
function graphile(): BenchSystem {
  const schema = `graphile_bench_${process.pid}`;
  const logger = new GraphileLogger(() => () => undefined);
  let utils: Awaited<ReturnType<typeof makeWorkerUtils>>;
  let runner: Runner | null = null;
  return {
    name: 'graphile-worker-0.17.3',
    async setup() {
      utils = await makeWorkerUtils({ connectionString: PG_URL, schema, logger });
      await utils.migrate();
    },
    async enqueueBulk(queue, payloads) {
      await utils.addJobs(payloads.map((payload) => ({ identifier: queue, payload })));
    },
    async enqueueOne(queue, payload) {
      await utils.addJob(queue, payload);
    },
    async count(queue) {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      const r = await c.query(`SELECT count(*)::int AS n FROM "${schema}".jobs WHERE task_identifier = $1`, [
        queue,
      ]);
      await c.end();
      return r.rows[0].n as number;
    },
    async startWorkers(queue, handler) {
      runner = await runGraphile({
        connectionString: PG_URL,
        schema,
        logger,
        concurrency: 8,
        noHandleSignals: true,
        taskList: { [queue]: async (payload) => handler(payload as Payload) },
      });
    },
    async stopWorkers() {
      await runner?.stop();
      runner = null;
    },
    async teardown() {
      await utils.release();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  };
}

/** BullMQ on the local Redis; `aof` turns on `appendonly yes` + `appendfsync always` and restores after. */
function bullmq(aof: boolean): BenchSystem {
  const connection = { host: '127.0.0.1', port: Number(process.env.WORKTRAIN_BENCH_REDIS_PORT ?? 6379) };
  const prefix = `bench${process.pid}${aof ? 'aof' : ''}`;
  const queues = new Map<string, BullQueue>();
  const q = (name: string): BullQueue => {
    let existing = queues.get(name);
    if (existing === undefined) {
      existing = new BullQueue(name, { connection, prefix });
      queues.set(name, existing);
    }
    return existing;
  };
  let workers: BullWorker[] = [];
  let restore: Array<[string, string]> = [];
  return {
    name: aof ? 'bullmq-aof-always' : 'bullmq',
    async setup() {
      const client = new Redis(connection);
      const settings: Array<[string, string]> = aof
        ? [
            ['appendonly', 'yes'],
            ['appendfsync', 'always'],
          ]
        : [['appendonly', 'no']];
      for (const [key, v] of settings) {
        const prev = (await client.config('GET', key)) as string[];
        restore.push([key, prev[1] ?? '']);
        await client.config('SET', key, v);
      }
      client.disconnect();
    },
    async enqueueBulk(queue, payloads) {
      await q(queue).addBulk(
        payloads.map((data) => ({ name: 'job', data, opts: { removeOnComplete: false } })),
      );
    },
    async enqueueOne(queue, payload) {
      await q(queue).add('job', payload);
    },
    async count(queue) {
      const c = await q(queue).getJobCounts('waiting', 'active', 'completed', 'delayed', 'prioritized');
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    async startWorkers(queue, handler) {
      const w = new BullWorker(queue, async (job) => handler(job.data as Payload), {
        connection: { ...connection, maxRetriesPerRequest: null },
        prefix,
        concurrency: 8,
      });
      await w.waitUntilReady();
      workers.push(w);
    },
    async stopWorkers() {
      for (const w of workers) await w.close();
      workers = [];
    },
    async teardown() {
      for (const queue of queues.values()) {
        await queue.obliterate({ force: true }).catch(() => undefined);
      }
      const client = new Redis(connection);
      for (const [key, v] of restore.reverse()) await client.config('SET', key, v);
      client.disconnect();
      restore = [];
      for (const queue of queues.values()) await queue.close();
    },
  };
}

/** WorkTrain as a {@link BenchSystem}. SQLite: one owning handle; PostgreSQL: producer and consumer handles. */
function worktrain(kind: 'sqlite' | 'postgres'): BenchSystem {
  let producer: TaskQueue;
  let consumer: TaskQueue;
  const schema = `wt_bench_${process.pid}`;
  const stops: Array<() => Promise<void>> = [];
  return {
    name: kind === 'sqlite' ? 'worktrain-sqlite' : 'worktrain-postgres',
    async setup() {
      if (kind === 'sqlite') {
        producer = openSqliteQueue({ path: join(work, 'worktrain.db') })._unsafeUnwrap();
        consumer = producer;
      } else {
        const opts = { connectionString: PG_URL, schema, poolSize: 8 };
        producer = (await createPostgresQueue(opts))._unsafeUnwrap();
        consumer = (await createPostgresQueue(opts))._unsafeUnwrap();
      }
    },
    async enqueueBulk(queue, payloads) {
      (await producer.enqueueMany(payloads.map((payload) => ({ queue, payload }))))._unsafeUnwrap();
    },
    async enqueueOne(queue, payload) {
      (await producer.enqueue({ queue, payload }))._unsafeUnwrap();
    },
    async count(queue) {
      const s = (await producer.stats())._unsafeUnwrap();
      const c = s.queues[queue];
      return c === undefined ? 0 : c.pending + c.leased + c.failed + c.succeeded;
    },
    async startWorkers(queue, handler) {
      const w = runWorker({
        queue: consumer,
        name: queue,
        workerId: `bench-${process.pid}`,
        concurrency: 8,
        prefetch: 1000,
        leaseMs: 60_000,
        pollIntervalMs: 1000,
        handler: async (task) => handler(task.payload as Record<string, number>),
      });
      stops.push(() => w.stop());
    },
    async stopWorkers() {
      while (stops.length > 0) await stops.pop()!();
    },
    async teardown() {
      await producer.close();
      if (consumer !== producer) await consumer.close();
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.end();
      }
    },
  };
}

async function enqueueWorkload(sys: BenchSystem): Promise<void> {
  const queue = 'bench_enqueue';
  const start = performance.now();
  for (let i = 0; i < ENQUEUE_N; i += 1000) {
    await sys.enqueueBulk(
      queue,
      Array.from({ length: Math.min(1000, ENQUEUE_N - i) }, (_, j) => ({ i: i + j })),
    );
  }
  const seconds = (performance.now() - start) / 1000;
  const stored = await sys.count(queue);
  emit({
    system: sys.name,
    workload: 'enqueue_bulk_10k',
    jobs_per_s: Math.round(ENQUEUE_N / seconds),
    p50_ms: null,
    p99_ms: null,
    lost: Math.max(0, ENQUEUE_N - stored),
    duplicated: Math.max(0, stored - ENQUEUE_N),
  });
}

async function drainWorkload(sys: BenchSystem): Promise<void> {
  const queue = 'bench_drain';
  for (let i = 0; i < DRAIN_N; i += 1000) {
    await sys.enqueueBulk(
      queue,
      Array.from({ length: Math.min(1000, DRAIN_N - i) }, (_, j) => ({ i: i + j })),
    );
  }
  const runs = new Map<number, number>();
  let total = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let cpuAtEnd: NodeJS.CpuUsage | null = null;
  let end = 0;
  await sys.startWorkers(queue, (p) => {
    total++;
    runs.set(p.i!, (runs.get(p.i!) ?? 0) + 1);
    if (runs.size === DRAIN_N && end === 0) {
      end = performance.now();
      cpuAtEnd = process.cpuUsage(cpuStart);
      finish();
    }
  });
  const timeout = setTimeout(finish, quick ? 20_000 : 120_000);
  await finished;
  clearTimeout(timeout);
  if (end === 0) end = performance.now();
  const cpu = cpuAtEnd ?? process.cpuUsage(cpuStart);
  await new Promise((r) => setTimeout(r, 200)); // let late duplicates show up
  await sys.stopWorkers();
  emit({
    system: sys.name,
    workload: 'drain_8',
    jobs: DRAIN_N,
    jobs_per_s: Math.round(runs.size / ((end - start) / 1000)),
    p50_ms: null,
    p99_ms: null,
    lost: DRAIN_N - runs.size,
    duplicated: total - runs.size,
    // CPU time of this (client) process per job while draining: steadier than jobs_per_s on a shared,
    // loaded machine. For SQLite it is the whole cost; for the server-based systems only the client's share.
    client_cpu_us_per_job: Math.round(((cpu.user + cpu.system) / Math.max(1, runs.size)) * 10) / 10,
  });
}

async function latencyWorkload(sys: BenchSystem): Promise<void> {
  const queue = 'bench_latency';
  const samples: number[] = [];
  let waiter: ((i: number) => void) | null = null;
  await sys.startWorkers(queue, (p) => {
    samples.push(now() - p.sentAt!);
    waiter?.(p.i!);
  });
  // Warm-up job (connections, prepared statements), not sampled.
  for (let i = -1; i < LATENCY_SAMPLES; i++) {
    const handled = new Promise<void>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`${sys.name}: job ${i} not picked up within 10 s`)),
        10_000,
      );
      waiter = (got) => {
        if (got === i) {
          clearTimeout(t);
          resolve();
        }
      };
    });
    await sys.enqueueOne(queue, { i, sentAt: now() });
    await handled;
    if (i === -1) samples.length = 0;
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
  await sys.stopWorkers();
  const sorted = [...samples].sort((a, b) => a - b);
  emit({
    system: sys.name,
    workload: 'pickup_latency',
    samples: sorted.length,
    jobs_per_s: null,
    p50_ms: round(percentile(sorted, 50)),
    p99_ms: round(percentile(sorted, 99)),
    lost: LATENCY_SAMPLES - sorted.length,
    duplicated: 0,
  });
}

async function main(): Promise<void> {
  const limitMs = quick ? 500 : 2000;
  emit({
    system: 'sqlite-fsync-limit',
    workload: 'fsync_commit',
    jobs_per_s: Math.round(sqliteFsyncLimit(limitMs)),
    p50_ms: null,
    p99_ms: null,
    lost: null,
    duplicated: null,
  });
  emit({
    system: 'postgres-commit-limit',
    workload: 'fsync_commit',
    jobs_per_s: Math.round(await pgCommitLimit(limitMs)),
    p50_ms: null,
    p99_ms: null,
    lost: null,
    duplicated: null,
  });
  const all = [worktrain('sqlite'), worktrain('postgres'), pgBoss(), graphile(), bullmq(false), bullmq(true)];
  const only = process.env.WORKTRAIN_BENCH_ONLY?.split(',');
  for (const sys of all.filter((s) => only === undefined || only.includes(s.name))) {
    try {
      await sys.setup();
      await enqueueWorkload(sys);
      await drainWorkload(sys);
      await latencyWorkload(sys);
    } catch (thrown) {
      emit({ system: sys.name, error: thrown instanceof Error ? thrown.message : String(thrown) });
    } finally {
      await sys.teardown().catch(() => undefined);
    }
  }
  rmSync(work, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (thrown: unknown) => {
    console.error(thrown);
    process.exit(1);
  },
);
