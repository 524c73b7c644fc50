/**
 * Daemon benchmark (issue 4): prints one JSON object per workload.
 *
 *   pnpm bench:daemon            40 measured webhooks, 50 concurrent sessions
 *   pnpm bench:daemon --quick    15 measured webhooks, 20 concurrent sessions (well under a minute)
 *
 * Both workloads run the real `worktrain-daemon` process (from source, tsx + '@worktrain/source') on a temp
 * WORKTRAIN_HOME, with signed GitHub `issues.labeled` webhooks (X-Hub-Signature-256) POSTed on 127.0.0.1.
 *
 * - webhook_to_first_model_request: the daemon uses the Anthropic provider against the testkit's fake
 *   Messages API, which records each request's arrival time. One webhook at a time (after 3 warm-ups): the
 *   latency is "client starts the webhook POST" → "the session's first model request arrives", i.e. signature
 *   check, dedupe, durable enqueue, claim, session start, worktree creation from a real git origin, prompt
 *   assembly and the SDK call. Same clock (this process). Goal p99 < 100 ms; WorkRail's polling floor is
 *   minutes. `stages_p50_ms` splits it with the daemon's own event stream (`/api/v1/events`): enqueue
 *   (signature, dedupe, durable enqueue), claim (worker wake-up), session_start (base commit, PR template,
 *   engine), worktree (`git worktree add` from the prefetched base), prompt_and_request (session records,
 *   prompt assembly, the SDK call). Sessions end after one turn (`budgets.maxTurns: 1`) so they do not load the next measurement.
 * - concurrent_scripted_sessions: N webhooks at once, `maxConcurrentSessions: N`, the scripted model running
 *   the full task → session → worktree → agent tools → commit → push → PR → issue comment lifecycle against a
 *   bare git origin and the testkit's GitHub double. Reports throughput (sessions completed per minute, first
 *   send → last task succeeded) and the daemon's peak RSS (VmHWM from /proc/<pid>/status, Linux).
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createGitFixture,
  githubWebhookRequest,
  startFakeAnthropic,
  startFakeGitHub,
} from '@worktrain/testkit';
import { spawnDaemon } from './daemon-process.js';

const QUICK = process.argv.includes('--quick');
const LATENCY_SAMPLES = QUICK ? 15 : 40;
const WARMUP = 3;
const CONCURRENT = QUICK ? 20 : 50;
const SECRET = 'bench-webhook-secret-123';
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const FIXTURES = join(ROOT, 'packages/runtime/test/fixtures');
const BUGGY_ADD = 'export function add(a, b) {\n  return a - b;\n}\n';
const FIXED_ADD = 'export function add(a, b) {\n  return a + b;\n}\n';

interface Daemon {
  readonly child: ChildProcess;
  readonly url: string;
  readonly token: string;
  api(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Daemon bus events (`/api/v1/events`) by task: when each was emitted (daemon clock, ms epoch). */
type Stamps = Map<string, Partial<Record<string, number>>>;

/** Follows the daemon's event stream and records, per task, when it was enqueued, claimed and started. */
async function followStages(d: Daemon): Promise<{ stamps: Stamps; close(): void }> {
  const stamps: Stamps = new Map();
  const abort = new AbortController();
  const res = await fetch(`${d.url}/api/v1/events`, {
    headers: { authorization: `Bearer ${d.token}` },
    signal: abort.signal,
  });
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error('no event stream');
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      buffer += decoder.decode(chunk.value, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (!line.startsWith('data: ') || line.length <= 6) continue;
        const e = JSON.parse(line.slice(6)) as { type: string; at: number; taskId?: string };
        if (e.taskId === undefined) continue;
        const t = stamps.get(e.taskId) ?? {};
        t[e.type] ??= e.at;
        stamps.set(e.taskId, t);
      }
    }
  })();
  return { stamps, close: () => abort.abort() };
}

function issuePayload(n: number): Record<string, unknown> {
  const payload = JSON.parse(
    readFileSync(join(FIXTURES, 'third-party/octokit-webhooks-examples/issues.labeled.json'), 'utf8'),
  ) as { repository: Record<string, unknown>; issue: Record<string, unknown> };
  payload.repository = {
    ...payload.repository,
    name: 'widgets',
    full_name: 'acme/widgets',
    owner: { ...(payload.repository.owner as Record<string, unknown>), login: 'acme' },
  };
  payload.issue = { ...payload.issue, number: n, title: `add() subtracts ${n}` };
  return payload;
}

function makeHome(config: string[], repoDir: string, modelScript?: unknown): { root: string; home: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-bench-daemon-')));
  const home = join(root, 'home');
  mkdirSync(home);
  const workflows = join(root, 'workflows');
  cpSync(join(FIXTURES, 'workflows'), workflows, { recursive: true });
  if (modelScript !== undefined) writeFileSync(join(home, 'model-script.json'), JSON.stringify(modelScript));
  writeFileSync(
    join(home, 'config.yaml'),
    [
      'port: 0',
      `workflowDirs: [${JSON.stringify(workflows)}]`,
      'queue: { leaseMs: 30000, sweepIntervalMs: 1000, maxAttempts: 1 }',
      ...config,
    ].join('\n'),
  );
  writeFileSync(join(home, '.env'), 'GITHUB_TOKEN=ghp_benchtoken\nANTHROPIC_API_KEY=sk-ant-bench\n', {
    mode: 0o600,
  });
  writeFileSync(
    join(home, 'triggers.yaml'),
    `triggers:
  - id: gh-issues
    provider: github
    workflowId: test.daemon-fix
    workspace: ${JSON.stringify(repoDir)}
    events: [issues.labeled]
    goalTemplate: "Fix issue #{{$.issue.number}}: {{$.issue.title}}"
    repo: acme/widgets
    webhook: { secret: $GH_WEBHOOK_SECRET }
`,
  );
  return { root, home };
}

async function startDaemon(home: string): Promise<Daemon> {
  const { child, url, kill } = await spawnDaemon(home, { GH_WEBHOOK_SECRET: SECRET });
  const token = readFileSync(join(home, 'daemon.token'), 'utf8').trim();
  return {
    child,
    url,
    token,
    api: async (path) =>
      (await fetch(`${url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } })).json(),
    stop: kill,
  };
}

async function sendWebhook(d: Daemon, n: number): Promise<number> {
  return (await postWebhook(d, n)).status;
}

async function postWebhook(d: Daemon, n: number): Promise<{ status: number; taskId: string | null }> {
  const req = githubWebhookRequest('issues', issuePayload(n), SECRET);
  const res = await fetch(`${d.url}/webhooks/gh-issues`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  const body = (await res.json().catch(() => ({}))) as { taskId?: string | null };
  return { status: res.status, taskId: body.taskId ?? null };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

function peakRssBytes(pid: number | undefined): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] !== undefined ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const machine = () => ({
  cpus: cpus().length,
  loadavg1: Number(loadavg()[0]?.toFixed(2)),
  node: process.version,
});

async function latencyWorkload(): Promise<void> {
  const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD, 'README.md': '# widgets\n' } });
  const anthropic = await startFakeAnthropic({ script: () => ({ text: 'ok' }) });
  const { root, home } = makeHome(
    [
      'maxConcurrentSessions: 4',
      `model: { provider: anthropic, apiKey: $ANTHROPIC_API_KEY, baseURL: ${JSON.stringify(anthropic.url)} }`,
      'budgets: { maxTurns: 1 }',
    ],
    git.repoDir,
  );
  const d = await startDaemon(home);
  const stages = await followStages(d);
  const samples: number[] = [];
  const accepts: number[] = [];
  // Where the time goes (daemon clock = this clock, one machine): webhook sent → task enqueued (durable,
  // before the 202) → claimed by a worker → session started → worktree ready → first model request.
  const parts: Record<'enqueue' | 'claim' | 'session_start' | 'worktree' | 'prompt_and_request', number[]> = {
    enqueue: [],
    claim: [],
    session_start: [],
    worktree: [],
    prompt_and_request: [],
  };
  try {
    for (let i = 1; i <= WARMUP + LATENCY_SAMPLES; i++) {
      const marker = `Fix issue #${i}:`;
      const t0 = Date.now();
      const { status, taskId } = await postWebhook(d, i);
      const acceptedAt = Date.now();
      if (status !== 202 || taskId === null) throw new Error(`webhook ${i} answered ${status}`);
      const first = await until(
        `the first model request of issue ${i}`,
        async () => anthropic.requests.find((r) => r.rawBody.includes(marker)),
        30_000,
      );
      if (i > WARMUP) {
        samples.push(first.receivedAt - t0);
        accepts.push(acceptedAt - t0);
        const s = await until(
          'the task events',
          async () => {
            const t = stages.stamps.get(taskId);
            return t?.task_enqueued !== undefined &&
              t.task_claimed !== undefined &&
              t.session_started !== undefined &&
              t.worktree_ready !== undefined
              ? t
              : undefined;
          },
          5_000,
        );
        const enq = s.task_enqueued ?? t0;
        const claimed = s.task_claimed ?? enq;
        const started = s.session_started ?? claimed;
        parts.enqueue.push(enq - t0);
        parts.claim.push(claimed - enq);
        parts.session_start.push(started - claimed);
        const worktree = s.worktree_ready ?? started;
        parts.worktree.push(worktree - started);
        parts.prompt_and_request.push(first.receivedAt - worktree);
      }
    }
  } finally {
    stages.close();
    await d.stop();
    await anthropic.close();
    await git.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const acceptSorted = [...accepts].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      workload: 'webhook_to_first_model_request',
      samples: sorted.length,
      p50_ms: quantile(sorted, 0.5),
      p99_ms: quantile(sorted, 0.99),
      max_ms: sorted[sorted.length - 1],
      // Of which: the webhook's own answer (signature, dedupe, durable enqueue → 202).
      accept_p50_ms: quantile(acceptSorted, 0.5),
      accept_p99_ms: quantile(acceptSorted, 0.99),
      // p50 of each stage (they do not add up to p50_ms exactly: medians of parts).
      stages_p50_ms: Object.fromEntries(
        Object.entries(parts).map(([k, v]) => [
          k,
          quantile(
            [...v].sort((a, b) => a - b),
            0.5,
          ),
        ]),
      ),
      goal_p99_ms: 100,
      clock_resolution_ms: 1,
      ...machine(),
    }),
  );
}

function fixScript(): unknown {
  return {
    turns: [
      { step: 'fix', toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: FIXED_ADD } }] },
      { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed add().' } }] },
      {
        step: 'handoff',
        toolCalls: [
          {
            name: 'complete_step',
            input: {
              notesMarkdown: 'add() now adds.',
              artifacts: [
                {
                  kind: 'wr.coding_handoff',
                  version: 1,
                  keyDecisions: ['Use + instead of -'],
                  knownLimitations: [],
                  testsAdded: [],
                  filesChanged: ['src/add.js'],
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

async function throughputWorkload(): Promise<void> {
  const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD, 'README.md': '# widgets\n' } });
  const github = await startFakeGitHub();
  github.state.addRepo({ owner: 'acme', name: 'widgets', originDir: git.originDir });
  const issues: number[] = [];
  for (let i = 0; i < CONCURRENT; i++)
    issues.push(
      github.state.addIssue('acme', 'widgets', { title: `add() subtracts ${i}`, labels: ['bug'] }).number,
    );
  const { root, home } = makeHome(
    [
      `maxConcurrentSessions: ${CONCURRENT}`,
      'model: { provider: scripted, script: model-script.json }',
      `forge: { github: { token: $GITHUB_TOKEN, apiBaseUrl: ${JSON.stringify(github.url)} } }`,
    ],
    git.repoDir,
    fixScript(),
  );
  const d = await startDaemon(home);
  try {
    const t0 = Date.now();
    const statuses = await Promise.all(issues.map((n) => sendWebhook(d, n)));
    const accepted = statuses.filter((s) => s === 202).length;
    const states = await until(
      'every task to finish',
      async () => {
        const q = (await d.api('/queue')) as { tasks: Array<{ state: string }> };
        const done = q.tasks.filter((t) => !['pending', 'leased', 'failed'].includes(t.state));
        return q.tasks.length >= accepted && done.length === q.tasks.length
          ? q.tasks.map((t) => t.state)
          : undefined;
      },
      600_000,
    );
    const elapsedMs = Date.now() - t0;
    const succeeded = states.filter((s) => s === 'succeeded').length;
    console.log(
      JSON.stringify({
        workload: 'concurrent_scripted_sessions',
        sessions: CONCURRENT,
        accepted,
        succeeded,
        other_states: states.filter((s) => s !== 'succeeded'),
        pull_requests: github.state.pulls('acme', 'widgets').length,
        elapsed_ms: elapsedMs,
        sessions_per_min: Number(((succeeded * 60_000) / elapsedMs).toFixed(1)),
        daemon_peak_rss_mb: Number(((peakRssBytes(d.child.pid) ?? Number.NaN) / 1_048_576).toFixed(1)),
        ...machine(),
      }),
    );
  } finally {
    await d.stop();
    await github.close();
    await git.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
}

await latencyWorkload();
await throughputWorkload();
