import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeJira, startFakeJira } from '../src/index.js';

const EMAIL = 'bot@example.com';
const TOKEN = 'jira-api-token-test';
let jira: FakeJira;
beforeEach(async () => {
  jira = await startFakeJira({ users: { [EMAIL]: TOKEN }, bearerTokens: { 'oauth-token': 'acct-oauth' } });
  jira.state.addIssue({ projectKey: 'WT', summary: 'Pagination is off by one' });
});
afterEach(async () => {
  expect(jira.state.specViolations).toEqual([]);
  await jira.close();
});

const basic = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;
const api = (path: string, init: RequestInit = {}, authorization: string | null = basic) =>
  fetch(`${jira.url}/rest/api/3${path}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(authorization === null ? {} : { authorization }),
    },
  });
const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

describe('fake Jira', () => {
  it('authenticates with basic email:token or bearer; 401 otherwise', async () => {
    expect((await api('/issue/WT-1')).status).toBe(200);
    expect((await api('/issue/WT-1', {}, 'Bearer oauth-token')).status).toBe(200);
    expect((await api('/issue/WT-1', {}, null)).status).toBe(401);
    expect(
      (await api('/issue/WT-1', {}, `Basic ${Buffer.from(`${EMAIL}:wrong`).toString('base64')}`)).status,
    ).toBe(401);
  });

  it('lists transitions and moves the issue; an unknown transition id is a 400 with Jira error body', async () => {
    const list = (await (await api('/issue/WT-1/transitions')).json()) as {
      transitions: { id: string; name: string; to: { name: string } }[];
    };
    expect(list.transitions.map((t) => t.to.name)).toEqual(['In Progress', 'In Review', 'Done']);
    const review = list.transitions.find((t) => t.to.name === 'In Review');
    const moved = await api('/issue/WT-1/transitions', {
      method: 'POST',
      body: JSON.stringify({ transition: { id: review?.id } }),
    });
    expect(moved.status).toBe(204);
    const issue = (await (await api('/issue/WT-1')).json()) as { fields: { status: { name: string } } };
    expect(issue.fields.status.name).toBe('In Review');
    const bad = await api('/issue/WT-1/transitions', {
      method: 'POST',
      body: JSON.stringify({ transition: { id: '999' } }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      errorMessages: ["Transition id '999' is not valid for this issue."],
      errors: {},
    });
  });

  it('adds ADF comments, rejects a plain-string body, 404 for unknown issues', async () => {
    const added = await api('/issue/WT-1/comment', {
      method: 'POST',
      body: JSON.stringify({ body: adf('hello') }),
    });
    expect(added.status).toBe(201);
    const plain = await api('/issue/WT-1/comment', {
      method: 'POST',
      body: JSON.stringify({ body: 'hello' }),
    });
    expect(plain.status).toBe(400);
    const page = (await (await api('/issue/WT-1/comment')).json()) as { total: number };
    expect(page.total).toBe(1);
    const missing = await api('/issue/NOPE-9');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      errorMessages: [expect.stringContaining('does not exist')],
    });
  });

  it('creates a remote link once per globalId (201) and updates it afterwards (200)', async () => {
    const link = (title: string) =>
      api('/issue/WT-1/remotelink', {
        method: 'POST',
        body: JSON.stringify({ globalId: 'worktrain:mr:1', object: { url: 'http://x/mr/1', title } }),
      });
    const first = await link('MR !1');
    expect(first.status).toBe(201);
    const second = await link('MR !1 (updated)');
    expect(second.status).toBe(200);
    expect((await second.json()) as { id: number }).toEqual(await first.json());
    const links = (await (await api('/issue/WT-1/remotelink')).json()) as { object: { title: string } }[];
    expect(links.map((l) => l.object.title)).toEqual(['MR !1 (updated)']);
    const broken = await api('/issue/WT-1/remotelink', {
      method: 'POST',
      body: JSON.stringify({ globalId: 'x' }),
    });
    expect(broken.status).toBe(400);
    jira.state.specViolations.length = 0; // the spec requires `object`; recorded on purpose
  });

  it('searches with JQL (GET and POST) and pages with nextPageToken', async () => {
    jira.state.addIssue({ projectKey: 'WT', summary: 'Second', status: 'Done' });
    const get = (await (
      await api(`/search/jql?jql=${encodeURIComponent('project = WT AND status = "To Do"')}`)
    ).json()) as {
      issues: { key: string }[];
    };
    expect(get.issues.map((i) => i.key)).toEqual(['WT-1']);
    const page1 = (await (
      await api('/search/jql', {
        method: 'POST',
        body: JSON.stringify({ jql: 'key in (WT-1, WT-2) ORDER BY key', maxResults: 1 }),
      })
    ).json()) as { issues: { key: string }[]; isLast: boolean; nextPageToken?: string };
    expect(page1).toMatchObject({ isLast: false, issues: [{ key: 'WT-1' }] });
    const page2 = (await (
      await api('/search/jql', {
        method: 'POST',
        body: JSON.stringify({
          jql: 'key in (WT-1, WT-2)',
          maxResults: 1,
          nextPageToken: page1.nextPageToken,
        }),
      })
    ).json()) as { issues: { key: string }[]; isLast: boolean };
    expect(page2).toMatchObject({ isLast: true, issues: [{ key: 'WT-2' }] });
    const bad = await api(`/search/jql?jql=${encodeURIComponent('summary ~ foo')}`);
    expect(bad.status).toBe(400);
  });

  it('checks query parameters against the OpenAPI description (undeclared or mistyped → 400)', async () => {
    expect(
      (await api('/search/jql?jql=project%20%3D%20WT&maxResults=2&fields=summary,description')).status,
    ).toBe(200);
    expect((await api('/search/jql?jql=project%20%3D%20WT&startAt=0')).status).toBe(400);
    expect(jira.state.specViolations.splice(0)).toEqual([expect.stringContaining('startAt')]);
    expect((await api('/search/jql?jql=project%20%3D%20WT&maxResults=ten')).status).toBe(400);
    expect(jira.state.specViolations.splice(0)).toEqual([expect.stringContaining('not an integer')]);
  });
});
