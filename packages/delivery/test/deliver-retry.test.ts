import { existsSync } from 'node:fs';
import { errAsync, type SessionEvent } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubForge, deliver, stageKey } from '../src/index.js';
import { createHarness, type Harness, OWNER, pullsFor, REPO, TOKEN } from './setup.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  expect(h.gh.state.specViolations).toEqual([]);
  await h.close();
});

const branch = () => `worktrain/${h.sessionId}`;

/** A store whose append of one idempotency key fails (the process "dies" before the record lands). */
function crashingStore(store: SessionStore, key: string): SessionStore {
  return {
    ...store,
    append: (input) =>
      input.idempotencyKey === key
        ? errAsync({ code: 'STORE_IO' as const, message: 'simulated crash before the record was written' })
        : store.append(input),
  };
}

async function events(): Promise<SessionEvent[]> {
  return [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()];
}

async function expectExactlyOnce() {
  expect(await h.git(['rev-list', '--count', `main..${branch()}`], h.fx.originDir)).toBe('1');
  expect(pullsFor(h.gh, branch())).toHaveLength(1);
  const issue = h.gh.state.repo(OWNER, REPO)?.items.find((i) => i.number === h.issueNumber);
  expect(issue?.comments.filter((c) => c.body.includes(`worktrain:session=${h.sessionId}`))).toHaveLength(1);
  const succeeded = (await events()).filter(
    (e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded',
  );
  expect(succeeded.map((e) => e.kind === 'delivery_recorded' && e.data.stage)).toEqual([
    'handoff',
    'validate',
    'commit',
    'push',
    'pull_request',
    'issue_comment',
    'delivery',
  ]);
}

describe('a delivery retried after a crash at any stage', () => {
  it.each(['handoff', 'validate', 'commit', 'push', 'pull_request', 'issue_comment', 'delivery'] as const)(
    'makes exactly one commit, PR and comment when it died after the %s side effect',
    async (stage) => {
      await h.write({ 'src/page.ts': 'export const page = 10;\n' });
      const crashed = await deliver(
        h.input(),
        h.deps({ store: crashingStore(h.store, stageKey('1', stage, 1, 'recorded')) }),
      );
      expect(crashed._unsafeUnwrapErr().code).toBe('STORE_FAILED');
      const retried = await deliver(h.input(), h.deps());
      expect(retried._unsafeUnwrap().replayed).toBe(false);
      await expectExactlyOnce();
      // Each attempted event is written once, whatever the retries.
      const keys = (await events()).flatMap((e) => (e.idempotencyKey === null ? [] : [e.idempotencyKey]));
      expect(new Set(keys).size).toBe(keys.length);
    },
  );
});

describe('GitHub answers', () => {
  it('treats 422 "A pull request already exists" as: look it up and update it', async () => {
    await h.write({ 'src/page.ts': 'export const page = 11;\n' });
    let raced = false;
    // Someone (another daemon) opens the PR between our lookup and our create.
    const racingFetch: typeof fetch = async (url, init) => {
      if (!raced && init?.method === 'POST' && String(url).endsWith('/pulls')) {
        raced = true;
        const theirs = JSON.parse(String(init.body)) as Record<string, unknown>;
        await fetch(url, { ...init, body: JSON.stringify({ ...theirs, title: 'their title' }) });
      }
      return fetch(url, init);
    };
    const forge = createGitHubForge({
      owner: OWNER,
      repo: REPO,
      token: TOKEN,
      baseUrl: h.gh.url,
      fetch: racingFetch,
    });
    const result = (await deliver(h.input(), h.deps({ forge })))._unsafeUnwrap();
    const pulls = pullsFor(h.gh, branch());
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.number).toBe(result.pullRequest.number);
    expect(pulls[0]?.title).toBe('fix(page): Clamp the page index');
    const creates = h.gh.state.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/pulls'));
    expect(creates.map((r) => r.status)).toEqual([201, 422]);
  });

  it('does not reopen a PR a human closed; reports PR_CLOSED', async () => {
    await h.write({ 'src/page.ts': 'export const page = 12;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const pr = pullsFor(h.gh, branch())[0];
    if (pr === undefined) throw new Error('no PR');
    pr.state = 'closed';
    await h.write({ 'src/page.ts': 'export const page = 13;\n' });
    const second = (await deliver(h.input({ deliveryId: '2' }), h.deps()))._unsafeUnwrapErr();
    expect(second).toMatchObject({ code: 'PR_CLOSED', details: { number: pr.number } });
    expect(pullsFor(h.gh, branch())).toHaveLength(1);
    expect(pr.state).toBe('closed');
  });

  it('updates the same PR in a later delivery round', async () => {
    await h.write({ 'src/page.ts': 'export const page = 14;\n' });
    const first = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    await h.write({ 'src/page.ts': 'export const page = 15;\n' });
    const second = (
      await deliver(
        h.input({ deliveryId: '2', change: { summary: 'Clamp the page index, take two' } }),
        h.deps(),
      )
    )._unsafeUnwrap();
    expect(second.pullRequest.number).toBe(first.pullRequest.number);
    expect(second.commitSha).not.toBe(first.commitSha);
    expect(await h.fx.originRef(branch())).toBe(second.commitSha);
    expect(pullsFor(h.gh, branch())).toHaveLength(1);
    expect(pullsFor(h.gh, branch())[0]?.title).toBe('fix: Clamp the page index, take two');
  });

  it('maps a bad token to FORGE_AUTH_FAILED and records the failure', async () => {
    await h.write({ 'src/page.ts': 'export const page = 16;\n' });
    const forge = createGitHubForge({ owner: OWNER, repo: REPO, token: 'ghp_wrong', baseUrl: h.gh.url });
    const error = (await deliver(h.input(), h.deps({ forge })))._unsafeUnwrapErr();
    expect(error).toMatchObject({ code: 'FORGE_AUTH_FAILED', details: { status: 401 } });
    const last = (await events()).at(-1);
    expect(last).toMatchObject({
      kind: 'delivery_recorded',
      data: { stage: 'pull_request', outcome: 'failed' },
    });
    expect(JSON.stringify(await events())).not.toContain('ghp_wrong');
  });
});

describe('push rejected by the remote', () => {
  async function pushElsewhere(files: Record<string, string>) {
    await h.fx.git(['checkout', '-q', '-b', 'elsewhere']);
    await h.fx.commitFiles(files, 'a human pushed to the session branch');
    await h.fx.git(['push', '-q', 'origin', `elsewhere:refs/heads/${branch()}`]);
    await h.fx.git(['checkout', '-q', 'main']);
  }

  it('fetches and rebases once when the remote branch moved without conflict', async () => {
    await pushElsewhere({ 'NOTES.md': 'human note\n' });
    await h.write({ 'src/page.ts': 'export const page = 20;\n' });
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(await h.fx.originRef(branch())).toBe(result.commitSha);
    expect(await h.git(['show', `${result.commitSha}:NOTES.md`])).toBe('human note');
    const push = (await events()).find((e) => e.kind === 'delivery_recorded' && e.data.stage === 'push');
    expect(push).toMatchObject({ data: { outcome: 'succeeded', details: { rebased: true } } });
  });

  it('fails with PUSH_REJECTED when our commit does not rebase cleanly, leaving no rebase in progress', async () => {
    const theirs = await (async () => {
      await pushElsewhere({ 'src/page.ts': 'export const page = "theirs";\n' });
      return h.fx.originRef(branch());
    })();
    await h.write({ 'src/page.ts': 'export const page = "ours";\n' });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error).toMatchObject({ code: 'PUSH_REJECTED', details: { rebaseConflict: true } });
    expect(await h.fx.originRef(branch())).toBe(theirs);
    expect(pullsFor(h.gh, branch())).toEqual([]);
    const rebaseDir = await h.git(['rev-parse', '--git-path', 'rebase-merge']);
    expect(existsSync(rebaseDir.startsWith('/') ? rebaseDir : `${h.worktree}/${rebaseDir}`)).toBe(false);
    const push = (await events()).filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'push');
    expect(push).toEqual([expect.objectContaining({ data: expect.objectContaining({ outcome: 'failed' }) })]);
  });

  it('reports PUSH_REJECTED from a hook that declines the update, without retrying', async () => {
    const { writeFileSync, chmodSync } = await import('node:fs');
    const hook = `${h.fx.originDir}/hooks/pre-receive`;
    writeFileSync(hook, '#!/bin/sh\necho "protected by policy" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    await h.write({ 'src/page.ts': 'export const page = 21;\n' });
    const error = (await deliver(h.input(), h.deps()))._unsafeUnwrapErr();
    expect(error.code).toBe('PUSH_REJECTED');
    expect(error.details?.nonFastForward).toBe(false);
  });
});
