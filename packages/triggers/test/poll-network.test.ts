import { vi } from 'vitest';

// See github-webhooks.test.ts: keeps pg (unused here) from loading under the root vitest config.
vi.mock('pg', () => ({ default: {} }));

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerScheduler } from '../src/index.js';
import { type Harness, harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A loopback port that was just released: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('pollers on an unreachable source (connection refused)', () => {
  it.each([
    [
      'github',
      (url: string) =>
        `{ id: p, provider: github, repo: o/r, apiBaseUrl: "${url}", token: t, workflowId: w, workspace: /w, poll: { intervalSeconds: 60, issues: {} } }`,
    ],
    [
      'gitlab',
      (url: string) =>
        `{ id: p, provider: gitlab, project: g/a, baseUrl: "${url}", token: t, workflowId: w, workspace: /w, poll: { intervalSeconds: 60, issues: {} } }`,
    ],
    [
      'jira',
      (url: string) =>
        `{ id: p, provider: jira, baseUrl: "${url}", email: a@b.c, token: t, project: WT, workflowId: w, workspace: /w, poll: { intervalSeconds: 60 } }`,
    ],
  ])('%s: reports a network error, backs off exponentially and records poll_error', async (_name, entry) => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    h = await harness(`triggers:\n  - ${entry(url)}\n`);
    const s = new TriggerScheduler({ router: h.router, store: h.store, clock: h.clock });
    const t0 = h.clock.now();
    const a = await s.runOnce('p');
    expect(a.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    // No status was received, so none is claimed (Octokit reports fetch failures as status 500).
    expect(a.error?.message).toMatch(/ failed: /);
    expect(a.error?.details?.status).toBeUndefined();
    expect(a.nextRunAt).toBe(t0 + 60_000);
    const b = await s.runOnce('p');
    expect(b.nextRunAt).toBe(t0 + 120_000);
    const state = h.store.getPollState('p')._unsafeUnwrap();
    expect(state.failures).toBe(2);
    expect(state.disabledReason).toBeNull();
    expect(
      h.store
        .listEvents({ triggerId: 'p' })
        ._unsafeUnwrap()
        .filter((e) => e.kind === 'poll_error'),
    ).toHaveLength(2);
  });
});
