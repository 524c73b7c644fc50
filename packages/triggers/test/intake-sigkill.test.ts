import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

/**
 * Durability of webhook intake (DESIGN §3, issue 5 "zero lost"): a webhook is answered 2xx only after the
 * group commit that holds its enqueue. A child process serving signed webhooks is SIGKILLed while they are
 * in flight; every webhook it acknowledged must have its task in the database, none twice, and the sender's
 * retries after a restart complete the set without a duplicate task.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openSqliteQueue } from '@worktrain/queue';
import { waitFor } from '@worktrain/testkit';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET } from './helpers.js';

const CHILD = fileURLToPath(new URL('./children/intake-server.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const examples: Array<{ name: string; examples: Array<Record<string, unknown>> }> = createRequire(
  import.meta.url,
)('@octokit/webhooks-examples/api.github.com/index.json');
const labeled = examples.find((g) => g.name === 'issues')?.examples.find((p) => p.action === 'labeled') ?? {};

const N = 240;
const deliveries = Array.from({ length: N }, (_, i) => {
  const body = JSON.stringify({
    ...labeled,
    issue: { ...(labeled.issue as object), number: i + 1, title: `Issue ${i + 1}` },
    label: { name: 'worktrain:ready' },
    repository: { ...(labeled.repository as object), full_name: 'octo-org/octo-repo' },
  });
  return {
    id: `delivery-${i + 1}`,
    sourceId: `github:octo-org/octo-repo#issue/${i + 1}`,
    body,
    signature: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
  };
});

let dir = '';
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startServer(dbPath: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--conditions=@worktrain/source', '--import', TSX, CHILD, dbPath], {
    env: { ...process.env, GITHUB_WEBHOOK_SECRET: SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  const port = await waitFor(() => Number(/PORT (\d+)/.exec(out)?.[1]) || null, {
    timeoutMs: 30_000,
    description: `intake child to listen (output so far: ${out})`,
  });
  return { child, port };
}

async function post(port: number, d: (typeof deliveries)[number]): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/webhooks/gh-ready`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issues',
        'x-github-delivery': d.id,
        'x-hub-signature-256': d.signature,
      },
      body: d.body,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // connection refused or reset: not acknowledged
  }
}

function tasksIn(dbPath: string): { sourceIds: string[]; distinctKeys: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare('SELECT payload, dedupe_key FROM queue_tasks').all() as Array<{
      payload: string;
      dedupe_key: string;
    }>;
    return {
      sourceIds: rows.map((r) => (JSON.parse(r.payload) as { sourceId: string }).sourceId),
      distinctKeys: new Set(rows.map((r) => r.dedupe_key)).size,
    };
  } finally {
    db.close();
  }
}

describe('webhook intake survives SIGKILL', () => {
  it('every acknowledged webhook has its task after a SIGKILL, and retries complete the set once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wt-intake-kill-'));
    const dbPath = join(dir, 'worktrain.db');
    // The schema exists before the child starts, so the first requests do not race its migration.
    const q = openSqliteQueue({ path: dbPath })._unsafeUnwrap();
    await q.close();

    const first = await startServer(dbPath);
    const acked = new Set<string>();
    let next = 0;
    let killed = false;
    // 16 concurrent senders; the child is killed once 80 webhooks were acknowledged, mid-stream.
    const senders = Array.from({ length: 16 }, async () => {
      while (!killed && next < N) {
        const d = deliveries[next++];
        if (d === undefined) break;
        const status = await post(first.port, d);
        if (status === 202) acked.add(d.sourceId);
        else if (status !== 0) throw new Error(`unexpected status ${status} for ${d.id}`);
      }
    });
    await waitFor(() => acked.size >= 80, { timeoutMs: 60_000, description: '80 acknowledged webhooks' });
    const exited = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
    first.child.kill('SIGKILL');
    killed = true;
    expect(await exited).toBe('SIGKILL');
    await Promise.all(senders);
    const ackedAtKill = [...acked];
    expect(ackedAtKill.length).toBeLessThan(N); // the kill really interrupted the stream

    const afterKill = tasksIn(dbPath);
    for (const s of ackedAtKill) expect(afterKill.sourceIds).toContain(s);
    expect(afterKill.distinctKeys).toBe(afterKill.sourceIds.length);

    // The sender retries everything (GitHub redelivers unacknowledged webhooks with the same delivery id).
    const second = await startServer(dbPath);
    const statuses = new Map<string, number>();
    for (let i = 0; i < N; i += 16)
      await Promise.all(
        deliveries.slice(i, i + 16).map(async (d) => statuses.set(d.sourceId, await post(second.port, d))),
      );
    expect([...statuses.values()].every((s) => s === 200 || s === 202)).toBe(true);
    for (const s of ackedAtKill) expect(statuses.get(s)).toBe(200); // replayed delivery: duplicate
    const final = tasksIn(dbPath);
    expect(final.sourceIds.length).toBe(N);
    expect(final.distinctKeys).toBe(N);
  }, 120_000);
});
