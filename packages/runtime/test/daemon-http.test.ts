import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createGitFixture,
  type GitFixture,
  githubWebhookRequest,
  signGitHubWebhook,
} from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUGGY_ADD,
  type Daemon,
  fixScript,
  type Home,
  makeHome,
  postOnce,
  readWebhookExample,
  runDaemonToExit,
  startDaemon,
  WEBHOOK_SECRET,
  waitFor,
} from './helpers.js';

let git: GitFixture;
let home: Home;
let daemon: Daemon;

beforeAll(async () => {
  git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
  home = makeHome({ turns: fixScript(), repoDir: git.repoDir, triggers: true });
  daemon = await startDaemon(home.home);
});

afterAll(async () => {
  daemon?.child.kill('SIGKILL');
  await daemon?.exited;
  home?.cleanup();
  await git?.cleanup();
});

const webhook = (init: { headers: Record<string, string>; body: string }, trigger = 'gh-issues') =>
  fetch(`${daemon.url}/webhooks/${trigger}`, { method: 'POST', headers: init.headers, body: init.body });

describe('worktrain-daemon HTTP API (real process on loopback)', () => {
  it('answers /health and binds to 127.0.0.1; the token file is 0600', async () => {
    const res = await fetch(`${daemon.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', pid: daemon.child.pid });
    expect(daemon.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(join(home.home, 'daemon.token')).mode & 0o777).toBe(0o600);
    expect(daemon.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects /api/v1 without or with a wrong bearer token (401, JSON error)', async () => {
    const none = await fetch(`${daemon.url}/api/v1/sessions`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED', details: {} });
    const wrong = await fetch(`${daemon.url}/api/v1/sessions`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const right = await daemon.api('/sessions');
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({ sessions: [] });
  });

  it('validates API bodies: non-JSON and schema mismatches are 400, oversized bodies 413', async () => {
    const notJson = await daemon.api('/dispatch', { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: 'BODY_INVALID' });
    const bad = await daemon.api('/dispatch', { method: 'POST', body: JSON.stringify({ workflowId: '' }) });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { details: { issues: Array<{ path: string }> } };
    expect(body.details.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['workflowId', 'goal', 'workspace']),
    );
    const huge = await postOnce(
      `${daemon.url}/api/v1/dispatch`,
      { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' },
      JSON.stringify({ goal: 'x'.repeat(2_000_000) }),
    );
    expect(huge.status).toBe(413);
    expect(JSON.parse(huge.text)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const unknown = await daemon.api('/sessions/sess_nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'SESSION_NOT_FOUND' });
  });

  it('webhooks: 404 unknown trigger, 401 missing/bad signature, 413 oversized, 400 non-JSON', async () => {
    const payload = readWebhookExample();
    const good = githubWebhookRequest('issues', payload, WEBHOOK_SECRET);
    expect((await webhook(good, 'no-such-trigger')).status).toBe(404);

    const unsigned = githubWebhookRequest('issues', payload, WEBHOOK_SECRET, { unsigned: true });
    const r401 = await webhook(unsigned);
    expect(r401.status).toBe(401);
    expect(await r401.json()).toMatchObject({ code: 'SIGNATURE_INVALID' });
    const forged = githubWebhookRequest('issues', payload, 'another-secret-456');
    expect((await webhook(forged)).status).toBe(401);
    const tampered = { ...good, body: good.body.replace('"labeled"', '"unlabeled"') };
    expect((await webhook(tampered)).status).toBe(401);

    const big = JSON.stringify({ ...payload, padding: 'x'.repeat(70_000) });
    const r413 = await webhook({
      headers: { ...good.headers, 'X-Hub-Signature-256': signGitHubWebhook(big, WEBHOOK_SECRET) },
      body: big,
    });
    expect(r413.status).toBe(413);

    const text = 'this is not json';
    const r400 = await webhook({
      headers: { ...good.headers, 'X-Hub-Signature-256': signGitHubWebhook(text, WEBHOOK_SECRET) },
      body: text,
    });
    expect(r400.status).toBe(400);
    expect(await r400.json()).toMatchObject({ code: 'PAYLOAD_INVALID' });

    const list = await daemon.api('/queue');
    expect(((await list.json()) as { tasks: unknown[] }).tasks).toEqual([]);
  });

  it('webhooks: the route reads at most 25 MiB, then answers 413 (declared length or streamed body)', async () => {
    const headers = { 'content-type': 'application/json', 'x-github-event': 'issues' };
    const cap = 25 * 1024 * 1024;
    const declared = await fetch(`${daemon.url}/webhooks/gh-issues`, {
      method: 'POST',
      headers,
      body: Buffer.alloc(cap + 1, 0x20),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: cap } });

    // Chunked, no Content-Length: refused once the cap is passed, and the connection still gets its answer.
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > cap) controller.close();
        else {
          sent += chunk.length;
          controller.enqueue(chunk);
        }
      },
    });
    const streamed = await fetch(`${daemon.url}/webhooks/gh-issues`, {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // The daemon is still serving.
    expect((await fetch(`${daemon.url}/health`)).status).toBe(200);
  });

  it('webhooks: a signed issues.labeled delivery is 202 with a task; a replay is not a second task', async () => {
    const req = githubWebhookRequest('issues', readWebhookExample(), WEBHOOK_SECRET, {
      deliveryId: 'delivery-1',
    });
    const res = await webhook(req);
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { status: string; taskId: string };
    expect(accepted).toMatchObject({ status: 'enqueued', taskId: expect.any(String) });
    const replay = await webhook(req);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ status: 'duplicate' });

    // The task runs: a session of test.daemon-fix is created for it.
    const session = await waitFor('a session for the webhook task', async () => {
      const r = (await (await daemon.api('/sessions')).json()) as {
        sessions: Array<{ sessionId: string; taskId: string | null; workflowId: string }>;
      };
      return r.sessions.find((s) => s.taskId === accepted.taskId);
    });
    expect(session.workflowId).toBe('test.daemon-fix');
  });

  it('serves Prometheus metrics with queue depth, sessions by status and webhook counts', async () => {
    const text = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(text).toContain('# TYPE worktrain_queue_tasks gauge');
    expect(text).toMatch(/worktrain_queue_tasks\{queue="tasks",state="(pending|leased|succeeded)"\} 1/);
    expect(text).toMatch(/worktrain_sessions\{status="aborted"\} 0/);
    expect(text).toContain('worktrain_webhooks_total{trigger="gh-issues",status="401"} 3');
    expect(text).toContain('worktrain_webhooks_total{trigger="gh-issues",status="202"} 1');
    expect(text).toContain('worktrain_webhooks_total{trigger="(unknown)",status="404"} 1');
  });

  it('lists triggers', async () => {
    const r = (await (await daemon.api('/triggers')).json()) as { triggers: unknown[] };
    expect(r.triggers).toEqual([
      expect.objectContaining({
        id: 'gh-issues',
        provider: 'github',
        webhook: true,
        workflowId: 'test.daemon-fix',
      }),
    ]);
  });

  it('a second daemon on the same port exits 1 with LISTEN_FAILED before claiming anything', async () => {
    const port = new URL(daemon.url).port;
    const second = await runDaemonToExit(home.home, ['--port', port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('Cannot listen');
    const health = await fetch(`${daemon.url}/health`);
    expect(((await health.json()) as { pid: number }).pid).toBe(daemon.child.pid);
  });

  it('refuses an invalid config.yaml with the exact path (exit 1)', async () => {
    const other = makeHome({ turns: [] });
    try {
      writeFileSync(join(other.home, 'config.yaml'), 'port: 0\nmaxConcurrentSessions: zero\n');
      const run = await runDaemonToExit(other.home, []);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('maxConcurrentSessions');
    } finally {
      other.cleanup();
    }
  });

  it('hot-reloads triggers.yaml: an invalid edit keeps the old triggers, a valid one replaces them', async () => {
    const file = join(home.home, 'triggers.yaml');
    const original = readFileSync(file, 'utf8');
    const ids = async () =>
      ((await (await daemon.api('/triggers')).json()) as { triggers: Array<{ id: string }> }).triggers.map(
        (t) => t.id,
      );
    writeFileSync(file, 'triggers:\n  - id: [broken\n');
    await waitFor('the daemon to log the refused reload', () =>
      readFileSync(join(home.home, 'logs', 'daemon.log'), 'utf8').includes('reload refused')
        ? true
        : undefined,
    );
    expect(await ids()).toEqual(['gh-issues']);
    writeFileSync(
      file,
      `${original}  - id: gh-second\n    provider: github\n    workflowId: test.daemon-fix\n    workspace: ${JSON.stringify(git.repoDir)}\n    webhook: { secret: $GH_WEBHOOK_SECRET }\n`,
    );
    await waitFor('the new trigger', async () => ((await ids()).includes('gh-second') ? true : undefined));
    expect(await ids()).toEqual(['gh-issues', 'gh-second']);
  });

  it('webhooks go through the trigger group commit: N concurrent deliveries, N tasks, counted in /metrics', async () => {
    // A trigger on a queue no worker claims from, so the tasks stay put (and no session runs).
    const file = join(home.home, 'triggers.yaml');
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8')}  - id: gh-intake\n    provider: github\n    workflowId: test.daemon-fix\n    workspace: ${JSON.stringify(git.repoDir)}\n    queue: intake-only\n    webhook: { secret: $GH_WEBHOOK_SECRET }\n`,
    );
    await waitFor('the gh-intake trigger', async () => {
      const r = (await (await daemon.api('/triggers')).json()) as { triggers: Array<{ id: string }> };
      return r.triggers.some((t) => t.id === 'gh-intake') ? true : undefined;
    });
    const counter = async (name: string) => {
      const text = await (await fetch(`${daemon.url}/metrics`)).text();
      const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
      if (m === null) throw new Error(`${name} is missing from /metrics`);
      return Number(m[1]);
    };
    const before = {
      batches: await counter('worktrain_trigger_group_commits_total'),
      calls: await counter('worktrain_trigger_group_commit_calls_total'),
    };
    const n = 8;
    const responses = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        webhook(
          githubWebhookRequest('issues', readWebhookExample(100 + i), WEBHOOK_SECRET, {
            deliveryId: `intake-${i}`,
          }),
          'gh-intake',
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(n).fill(202));
    const ids = ((await Promise.all(responses.map((r) => r.json()))) as Array<{ taskId: string }>).map(
      (b) => b.taskId,
    );
    expect(new Set(ids).size).toBe(n);
    // Every admission rode a group commit (how many share one depends on timing; see
    // webhook-group-commit.test.ts for the deterministic count).
    expect((await counter('worktrain_trigger_group_commit_calls_total')) - before.calls).toBe(n);
    const batches = (await counter('worktrain_trigger_group_commits_total')) - before.batches;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(n);
    // One pending task per delivery on that queue (the API's /queue lists the workers' queue only).
    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toContain(`worktrain_queue_tasks{queue="intake-only",state="pending"} ${n}`);
  });

  it('resolves webhook secrets from $WORKTRAIN_HOME/.env and reloads the triggers when .env changes', async () => {
    // The daemon's environment has no GH_WEBHOOK_SECRET (helpers.ts): every signed delivery so far was
    // verified with the secret from .env. An event outside `events:` is verified, then ignored (200).
    const envFile = join(home.home, '.env');
    const original = readFileSync(envFile, 'utf8');
    const rotated = 'rotated-webhook-secret-456';
    const opened = (secret: string) =>
      webhook(githubWebhookRequest('issues', { ...readWebhookExample(), action: 'opened' }, secret));
    expect((await opened(WEBHOOK_SECRET)).status).toBe(200);
    expect((await opened(rotated)).status).toBe(401);
    try {
      writeFileSync(
        envFile,
        original.replace(`GH_WEBHOOK_SECRET=${WEBHOOK_SECRET}`, `GH_WEBHOOK_SECRET=${rotated}`),
      );
      await waitFor('the rotated secret to be in force', async () =>
        (await opened(rotated)).status === 200 ? true : undefined,
      );
      expect((await opened(WEBHOOK_SECRET)).status).toBe(401);
    } finally {
      writeFileSync(envFile, original);
    }
    await waitFor('the original secret to be back', async () =>
      (await opened(WEBHOOK_SECRET)).status === 200 ? true : undefined,
    );
  });
});
