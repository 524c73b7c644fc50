import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionEvent } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliver } from '../src/index.js';
import { createHarness, type Harness, OWNER, pullsFor, REPO, TOKEN } from './setup.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  expect(h.gh.state.specViolations).toEqual([]);
  await h.close();
});

const deliveryEvents = async (): Promise<SessionEvent[]> =>
  [...(await h.store.readEvents(h.sessionId))._unsafeUnwrap()].filter((e) => e.kind.startsWith('delivery_'));

describe('deliver (GitHub)', () => {
  it('commits, pushes, opens a PR with the footer and comments on the issue, recording every stage', async () => {
    await h.write({
      'src/page.ts': 'export const page = (n: number) => Math.max(n, 1);\n',
      'test/page.test.ts': 'ok\n',
    });
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();

    const branch = `worktrain/${h.sessionId}`;
    expect(result).toMatchObject({ branch, replayed: false, pullRequest: { number: 2 } });
    expect(await h.fx.originRef(branch)).toBe(result.commitSha);
    const message = await h.git(['log', '-1', '--format=%B', result.commitSha]);
    expect(message.split('\n')[0]).toBe('fix(page): Clamp the page index');
    expect(message).toContain('Refs #1');
    expect(message).toMatch(
      /WorkTrain-Session: sess_deliver1\nCo-authored-by: WorkTrain <worktrain@users\.noreply\.github\.com>$/,
    );
    expect(await h.git(['log', '-1', '--format=%an <%ae>', result.commitSha])).toBe(
      'WorkTrain Bot <bot@worktrain.invalid>',
    );

    const [pr] = pullsFor(h.gh, branch);
    expect(pr?.title).toBe('fix(page): Clamp the page index');
    expect(pr?.body).toContain('Clamped the page index so page 0 no longer crashes.');
    expect(pr?.body).toContain('Closes #1');
    expect(pr?.body).toContain('- `src/page.ts`');
    expect(pr?.body).toContain('<!-- worktrain:session=sess_deliver1 -->');
    expect(pr?.pull?.base).toBe('main');

    const issue = h.gh.state.repo(OWNER, REPO)?.items.find((i) => i.number === h.issueNumber);
    expect(issue?.comments).toHaveLength(1);
    expect(issue?.comments[0]?.body).toContain(result.pullRequest.url);
    expect(issue?.comments[0]?.body).toContain('<!-- worktrain:session=sess_deliver1 -->');

    const events = await deliveryEvents();
    expect(events.map((e) => `${e.kind}:${'stage' in e.data ? e.data.stage : ''}`)).toEqual(
      ['handoff', 'validate', 'commit', 'push', 'pull_request', 'issue_comment', 'delivery'].flatMap((s) => [
        `delivery_attempted:${s}`,
        `delivery_recorded:${s}`,
      ]),
    );
    expect(
      events
        .filter((e) => e.kind === 'delivery_recorded')
        .every((e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded'),
    ).toBe(true);
  });

  it('keeps the token out of argv-visible events, the repository config and the session log', async () => {
    await h.write({ 'src/page.ts': 'export const page = 2;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const events = JSON.stringify((await h.store.readEvents(h.sessionId))._unsafeUnwrap());
    expect(events).not.toContain(TOKEN);
    expect(events).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(readFileSync(join(h.fx.repoDir, '.git', 'config'), 'utf8')).not.toMatch(/extraheader|ghs_/i);
    expect(await h.git(['config', '--list'])).not.toMatch(/extraheader|ghs_/i);
    // Every forge request authenticated with the delivery token.
    expect(new Set(h.gh.state.requests.map((r) => r.login))).toEqual(new Set(['worktrain-bot']));
  });

  it('a retried delivery after success does nothing and returns the recorded result', async () => {
    await h.write({ 'src/page.ts': 'export const page = 3;\n' });
    const first = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const requests = h.gh.state.requests.length;
    const events = (await deliveryEvents()).length;
    const again = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(again).toEqual({ ...first, replayed: true });
    expect(h.gh.state.requests.length).toBe(requests);
    expect((await deliveryEvents()).length).toBe(events);
  });

  it('uses the repository pull request template, filled by section', async () => {
    await h.fx.commitFiles(
      {
        '.github/PULL_REQUEST_TEMPLATE.md':
          '## What does this change?\n<!-- explain -->\n\n## How to test\n\n## Related issue\n\n## Checklist\n- [ ] Changelog\n',
      },
      'add PR template',
    );
    await h.fx.git(['push', '-q', 'origin', 'main']);
    await h.git(['rebase', '-q', 'origin/main']);
    await h.write({ 'src/page.ts': 'export const page = 4;\n' });
    (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    const body = pullsFor(h.gh, `worktrain/${h.sessionId}`)[0]?.body ?? '';
    expect(body).toContain('## What does this change?\n\nClamped the page index');
    expect(body).not.toContain('<!-- explain -->');
    expect(body).toContain('## How to test\n\nTests added:\n- `test/page.test.ts`');
    expect(body).toContain('## Related issue\n\nCloses #1');
    expect(body).toContain('## Checklist\n- [ ] Changelog');
    expect(body).toContain('<!-- worktrain:session=sess_deliver1 -->');
  });

  it('does not make a second commit when the tree is unchanged since the agent committed', async () => {
    await h.write({ 'src/page.ts': 'export const page = 5;\n' });
    await h.git(['add', '-A']);
    await h.git(['commit', '-q', '-m', 'agent commit']);
    const agentHead = await h.git(['rev-parse', 'HEAD']);
    const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
    expect(result.commitSha).toBe(agentHead);
    const commit = (await deliveryEvents()).find(
      (e) => e.kind === 'delivery_recorded' && e.data.stage === 'commit',
    );
    expect(commit?.kind === 'delivery_recorded' && commit.data.details?.created).toBe(false);
  });

  it('reports a missing handoff and an empty change', async () => {
    const bare = await createHarness({ handoff: null });
    try {
      expect((await deliver(bare.input(), bare.deps()))._unsafeUnwrapErr().code).toBe('HANDOFF_MISSING');
    } finally {
      await bare.close();
    }
    const result = await deliver(h.input(), h.deps());
    expect(result._unsafeUnwrapErr().code).toBe('NOTHING_TO_DELIVER');
    const recorded = (await deliveryEvents()).filter((e) => e.kind === 'delivery_recorded');
    expect(recorded.at(-1)).toMatchObject({
      data: { stage: 'commit', outcome: 'failed', details: { code: 'NOTHING_TO_DELIVER' } },
    });
    expect(pullsFor(h.gh, `worktrain/${h.sessionId}`)).toEqual([]);
  });

  it('rejects an invalid handoff with the failing fields', async () => {
    const bad = await createHarness({
      handoff: { kind: 'wr.coding_handoff', version: 1, filesChanged: 'src/a.ts' },
    });
    try {
      const error = (await deliver(bad.input(), bad.deps()))._unsafeUnwrapErr();
      expect(error.code).toBe('HANDOFF_INVALID');
      expect(JSON.stringify(error.details)).toContain('filesChanged');
    } finally {
      await bad.close();
    }
  });
});
