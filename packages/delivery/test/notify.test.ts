/**
 * Notifications over real HTTP on loopback: a signed generic webhook (node:http receiver that verifies the
 * signature itself) and the Slack incoming-webhook double of @worktrain/testkit.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeSlack, startFakeSlack } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createNotifier,
  DELIVERY_HEADER,
  EVENT_HEADER,
  type NotificationEventInput,
  renderSlackMessage,
  SIGNATURE_HEADER,
  signNotification,
  TIMESTAMP_HEADER,
  verifyNotification,
} from '../src/index.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver answering each request with the next status of `statuses` (then 200). */
async function receiver(statuses: number[] = []): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const status = statuses.shift() ?? 200;
      if (status === 429) res.setHeader('retry-after', '0');
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'thanks' : 'nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hooks/worktrain?token=abc`, received };
}

async function slack(): Promise<FakeSlack> {
  const s = await startFakeSlack();
  cleanups.push(() => s.close());
  return s;
}

const SECRET = 'whsec_notify-test-secret';
const completed: NotificationEventInput = {
  id: 'session.completed:sess_1',
  type: 'session.completed',
  at: '2026-11-25T20:00:00.000Z',
  sessionId: 'sess_1',
  workflowId: 'wr.coding-task',
  title: 'Fix add() <script> & co',
  summary: 'Delivered pull request #3',
  url: 'http://127.0.0.1:1/acme/widgets/pull/3',
};
const fast = { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 2000 };

describe('signed webhook notifications', () => {
  it('posts the event JSON with a verifiable HMAC-SHA256 signature, timestamp, type and delivery id', async () => {
    const r = await receiver();
    const notifier = createNotifier({
      targets: [{ kind: 'webhook', name: 'ops', url: r.url, secret: SECRET, ...fast }],
    });
    const reports = await notifier.notify(completed);
    expect(reports).toEqual([{ target: 'ops', kind: 'webhook', ok: true, attempts: 1, status: 200 }]);
    expect(r.received).toHaveLength(1);
    const got = r.received[0] as Received;
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'session.completed',
      sessionId: 'sess_1',
      approval: null,
    });
    expect(got.headers[EVENT_HEADER]).toBe('session.completed');
    expect(got.headers[DELIVERY_HEADER]).toBe('session.completed:sess_1');
    const ts = String(got.headers[TIMESTAMP_HEADER]);
    const verdict = verifyNotification({
      secret: SECRET,
      body: got.body,
      signature: String(got.headers[SIGNATURE_HEADER]),
      timestamp: ts,
      nowSeconds: Math.floor(Date.now() / 1000),
    });
    expect(verdict).toEqual({ ok: true });
    // The secret itself never travels.
    expect(JSON.stringify(got)).not.toContain(SECRET);
  });

  it('rejects a tampered body, a wrong secret and a stale timestamp', () => {
    const body = '{"a":1}';
    const sig = signNotification(SECRET, 1000, body);
    const base = { secret: SECRET, body, signature: sig, timestamp: '1000', nowSeconds: 1100 };
    expect(verifyNotification(base)).toEqual({ ok: true });
    expect(verifyNotification({ ...base, body: '{"a":2}' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyNotification({ ...base, secret: 'other' })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyNotification({ ...base, nowSeconds: 1000 + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyNotification({ ...base, signature: undefined })).toEqual({ ok: false, reason: 'missing' });
  });

  it('retries 5xx and 429 with backoff, re-signing each attempt, and keeps the delivery id', async () => {
    const r = await receiver([503, 429, 200]);
    let ts = 1_700_000_000;
    const notifier = createNotifier({
      targets: [{ kind: 'webhook', name: 'ops', url: r.url, secret: SECRET, ...fast }],
      nowSeconds: () => ts++,
    });
    const [report] = await notifier.notify(completed);
    expect(report).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(r.received.map((x) => x.headers[DELIVERY_HEADER])).toEqual([
      'session.completed:sess_1',
      'session.completed:sess_1',
      'session.completed:sess_1',
    ]);
    expect(new Set(r.received.map((x) => x.headers[TIMESTAMP_HEADER])).size).toBe(3);
    for (const x of r.received)
      expect(
        verifyNotification({
          secret: SECRET,
          body: x.body,
          signature: String(x.headers[SIGNATURE_HEADER]),
          timestamp: String(x.headers[TIMESTAMP_HEADER]),
          nowSeconds: Number(x.headers[TIMESTAMP_HEADER]),
        }).ok,
      ).toBe(true);
  });

  it('gives up at once on a 4xx other than 408/429, and after maxAttempts on 5xx, without the URL in errors', async () => {
    const gone = await receiver([410]);
    const down = await receiver([500, 500, 500, 500]);
    const notifier = createNotifier({
      targets: [
        { kind: 'webhook', name: 'gone', url: gone.url, secret: SECRET, ...fast },
        { kind: 'webhook', name: 'down', url: down.url, secret: SECRET, ...fast, maxAttempts: 3 },
      ],
    });
    const reports = await notifier.notify(completed);
    expect(reports.map((x) => [x.target, x.ok, x.attempts, x.status])).toEqual([
      ['gone', false, 1, 410],
      ['down', false, 3, 500],
    ]);
    expect(down.received).toHaveLength(3);
    for (const x of reports) expect(x.error ?? '').not.toContain('token=abc');
  });

  it('reports a refused connection after its retries', async () => {
    const r = await receiver();
    const closedUrl = r.url;
    // Close the receiver first: nothing listens on that port any more.
    const c = cleanups.pop();
    await c?.();
    const notifier = createNotifier({
      targets: [{ kind: 'webhook', name: 'ops', url: closedUrl, secret: SECRET, ...fast, maxAttempts: 2 }],
    });
    const [report] = await notifier.notify(completed);
    expect(report).toMatchObject({ ok: false, attempts: 2, status: null });
    expect(report?.error).toMatch(/ECONNREFUSED|request failed/);
    expect(report?.error).not.toContain(closedUrl);
  });

  it('sends only the event types a target subscribed to, plus per-call targets (a trigger callback)', async () => {
    const approvalsOnly = await receiver();
    const callback = await receiver();
    const notifier = createNotifier({
      targets: [
        {
          kind: 'webhook',
          name: 'approvals',
          url: approvalsOnly.url,
          secret: SECRET,
          events: ['approval.needed'],
          ...fast,
        },
      ],
    });
    await notifier.notify(completed, [
      { kind: 'webhook', name: 'callback', url: callback.url, secret: SECRET, ...fast },
    ]);
    expect(approvalsOnly.received).toHaveLength(0);
    expect(callback.received).toHaveLength(1);
  });
});

describe('Slack incoming webhook notifications', () => {
  it('posts {text, blocks} that the Slack double accepts, with untrusted text escaped', async () => {
    const s = await slack();
    const notifier = createNotifier({
      targets: [{ kind: 'slack', name: 'team', url: s.webhookUrl, ...fast }],
    });
    const [report] = await notifier.notify({
      ...completed,
      type: 'approval.needed',
      id: 'approval.needed:appr_1',
      summary: 'A workflow file change waits for approval',
      approval: {
        id: 'appr_1',
        tier: 'high',
        action: 'touch_protected_path',
        summary: 'change protected path .github/workflows/ci.yml in acme/widgets',
        autoApproveAt: null,
      },
    });
    expect(report).toMatchObject({ ok: true, status: 200, attempts: 1 });
    expect(s.messages).toHaveLength(1);
    const msg = s.messages[0];
    expect(msg?.text).toContain('WorkTrain approval needed');
    expect(msg?.blocks?.map((b) => (b as { type: string }).type)).toEqual(['header', 'section', 'context']);
    const section = JSON.stringify(msg?.blocks?.[1]);
    expect(section).toContain('&lt;script&gt; &amp; co');
    expect(section).not.toContain('<script>');
    expect(JSON.stringify(msg?.blocks?.[2])).toContain('worktrain approvals approve|reject appr_1');
  });

  it('retries a Slack 500 and 429, and does not retry invalid_payload-class errors', async () => {
    const s = await slack();
    s.failNext(1, 500, 'rollup_error');
    s.failNext(1, 429, 'rate_limited');
    const notifier = createNotifier({
      targets: [{ kind: 'slack', name: 'team', url: s.webhookUrl, ...fast }],
    });
    const [ok] = await notifier.notify(completed);
    expect(ok).toMatchObject({ ok: true, attempts: 3 });
    s.failNext(1, 400, 'invalid_blocks');
    const [bad] = await notifier.notify(completed);
    expect(bad).toMatchObject({ ok: false, attempts: 1, status: 400, error: 'HTTP 400: invalid_blocks' });
  });

  it('keeps Block Kit limits for long titles and summaries', () => {
    const msg = renderSlackMessage({
      id: 'x',
      type: 'session.failed',
      at: '2026-11-25T20:00:00.000Z',
      sessionId: 's',
      workflowId: null,
      title: 't'.repeat(5000),
      summary: 's'.repeat(5000),
      url: null,
      sessionUrl: null,
      triggerId: null,
      approval: null,
    });
    const header = msg.blocks[0];
    const section = msg.blocks[1];
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(150);
    expect(section?.type === 'section' && section.text.text.length).toBeLessThanOrEqual(3000);
  });
});
