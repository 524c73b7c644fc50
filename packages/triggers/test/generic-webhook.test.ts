import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookListener } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

const YAML = `
triggers:
  - id: alerts
    provider: webhook
    workflowId: wr.incident
    workspace: /srv
    webhook: { secret: $HOOK_SECRET }
    eventHeader: x-event
    sourceIdPath: $.alert.id
    titlePath: $.alert.summary
    maxBodyBytes: 2048
    contextMapping: { severity: $.alert.severity, service: "$.alert.labels['service']" }
    dispatchCondition: { any: [{ path: $.alert.severity, in: [critical, high] }, { path: $.alert.force, equals: true }] }
    goalTemplate: "Investigate {{$.alert.summary}} on {{$.alert.labels['service']}}"
`;

let h: Harness | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await h?.close();
  h = undefined;
  server = undefined;
});

async function post(
  body: string,
  headers: Record<string, string>,
  trigger = 'alerts',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { port } = (server?.address() ?? { port: 0 }) as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/${trigger}`, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}
const sign = (body: string) => `sha256=${createHmac('sha256', 'generic-secret').update(body).digest('hex')}`;

describe('generic HMAC webhook over real HTTP (createWebhookListener)', () => {
  it('enqueues with contextMapping, dedupes on sourceId, and maps errors to HTTP statuses', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    server = createServer(createWebhookListener({ router: h.router, clock: h.clock }));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const body = JSON.stringify({
      alert: { id: 'A-1', summary: 'disk full', severity: 'critical', labels: { service: 'db' } },
    });
    const first = await post(body, {
      'x-signature-256': sign(body),
      'x-event': 'alert.fired',
      'x-delivery-id': 'x1',
    });
    expect(first).toMatchObject({ status: 202, json: { status: 'enqueued' } });
    const task = (await h.queue.get(String(first.json.taskId)))._unsafeUnwrap();
    expect(task.payload).toMatchObject({
      sourceId: 'webhook:A-1',
      goal: 'Investigate disk full on db',
      metadata: { event: 'alert.fired', context: { severity: 'critical', service: 'db' } },
    });
    expect(
      await post(body, { 'x-signature-256': sign(body), 'x-event': 'alert.fired', 'x-delivery-id': 'x2' }),
    ).toMatchObject({
      status: 200,
      json: { status: 'duplicate' },
    });
    const low = JSON.stringify({ alert: { id: 'A-2', summary: 's', severity: 'low', labels: {} } });
    expect((await post(low, { 'x-signature-256': sign(low), 'x-delivery-id': 'x3' })).json).toMatchObject({
      status: 'ignored',
    });
    expect((await post(body, { 'x-signature-256': sign(`${body} `), 'x-delivery-id': 'x4' })).status).toBe(
      401,
    );
    const big = JSON.stringify({ alert: { id: 'A-3', pad: 'x'.repeat(4096) } });
    expect((await post(big, { 'x-signature-256': sign(big) })).status).toBe(413);
    expect((await post(body, { 'x-signature-256': sign(body) }, 'nope')).status).toBe(404);
    expect((await h.queue.list())._unsafeUnwrap()).toHaveLength(1);
  });

  it('records an error event, not an empty goal, when the template field is missing', async () => {
    h = await harness(YAML, { HOOK_SECRET: 'generic-secret' });
    const raw = Buffer.from(
      JSON.stringify({ alert: { id: 'A-9', summary: 'x', severity: 'high', labels: {} } }),
    );
    const out = h.router
      .receiveWebhook('alerts', {
        headers: { 'x-signature-256': sign(raw.toString()) },
        rawBody: raw,
        receivedAt: 0,
      })
      ._unsafeUnwrap();
    expect(out.status).toBe('ignored');
    expect(out.reason).toContain("$.alert.labels['service']");
    expect(
      h.store
        .listEvents({ triggerId: 'alerts' })
        ._unsafeUnwrap()
        .map((e) => e.kind),
    ).toEqual(['error']);
  });
});
