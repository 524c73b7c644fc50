import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  adfContains,
  createJiraReturnPath,
  deliver,
  type JiraReturnPathOptions,
  remoteLinkGlobalId,
  ticketMarker,
} from '../src/index.js';
import { createGitLabHarness, type GitLabHarness, JIRA_EMAIL, JIRA_TOKEN, PROJECT } from './gitlab-setup.js';

let h: GitLabHarness;
beforeEach(async () => {
  h = await createGitLabHarness();
});
afterEach(async () => {
  expect(h.jira.state.specViolations).toEqual([]);
  expect(h.gl.state.schemaViolations).toEqual([]);
  await h.close();
});

const jiraPath = (extra: Partial<JiraReturnPathOptions> = {}) =>
  createJiraReturnPath({ host: h.jira.url, auth: { email: JIRA_EMAIL, apiToken: JIRA_TOKEN }, ...extra });
const ticket = () => {
  const issue = h.jira.state.issue('WT-1');
  if (issue === undefined) throw new Error('no ticket');
  return issue;
};

/** Delivers to the fake GitLab and returns the MR as the return path sees it. */
async function deliverMergeRequest() {
  await h.write({ 'src/page.ts': 'export const page = 2;\n' });
  const result = (await deliver(h.input(), h.deps()))._unsafeUnwrap();
  return {
    target: `gitlab:${PROJECT}`,
    number: result.pullRequest.number,
    url: result.pullRequest.url,
    title: 'fix(page): Clamp the page index',
  };
}

describe('Jira return path on the fake Jira (checked against the OpenAPI description)', () => {
  it('on MR opened: In Review by status name, one remote link, one comment; retries change nothing', async () => {
    const changeRequest = await deliverMergeRequest();
    const input = { issueKey: 'WT-1', changeRequest, sessionId: h.sessionId };
    const first = (await jiraPath().onChangeRequestOpened(input))._unsafeUnwrap();
    expect(first).toMatchObject({
      status: { from: 'To Do', to: 'In Review', transitioned: true },
      remoteLink: { created: true },
      comment: { created: true },
    });
    // The workflow's transition is called "Start review"; we asked for the status name.
    const doTransitions = h.jira.state.requests.filter((r) => r.operationId === 'doTransition');
    expect(doTransitions.map((r) => r.body)).toEqual([{ transition: { id: '31' } }]);
    // Simulated crashes: the whole return path runs again, twice.
    for (let i = 0; i < 2; i += 1) {
      const again = (await jiraPath().onChangeRequestOpened(input))._unsafeUnwrap();
      expect(again).toMatchObject({
        status: { transitioned: false, to: 'In Review' },
        remoteLink: { id: first.remoteLink.id, created: false },
        comment: { id: first.comment.id, created: false },
      });
    }
    expect(h.jira.state.statusName(ticket())).toBe('In Review');
    expect(ticket().remoteLinks).toHaveLength(1);
    expect(ticket().remoteLinks[0]).toMatchObject({
      globalId: remoteLinkGlobalId(changeRequest),
      object: { url: changeRequest.url, title: `MR !${changeRequest.number}: ${changeRequest.title}` },
    });
    expect(ticket().comments).toHaveLength(1);
    expect(adfContains(ticket().comments[0]?.body, changeRequest.url)).toBe(true);
    expect(adfContains(ticket().comments[0]?.body, ticketMarker(h.sessionId, 'opened'))).toBe(true);
  });

  it('on merge: Done, the same link marked resolved, a second comment; with a bearer token', async () => {
    const changeRequest = await deliverMergeRequest();
    const input = { issueKey: 'WT-1', changeRequest, sessionId: h.sessionId };
    (await jiraPath().onChangeRequestOpened(input))._unsafeUnwrap();
    const merged = (
      await jiraPath({ auth: { accessToken: 'jira-oauth' } }).onChangeRequestMerged(input)
    )._unsafeUnwrap();
    expect(merged.status).toEqual({ from: 'In Review', to: 'Done', transitioned: true });
    expect(h.jira.state.statusName(ticket())).toBe('Done');
    expect(ticket().statusHistory.map((id) => h.jira.state.status(id)?.name)).toEqual([
      'To Do',
      'In Review',
      'Done',
    ]);
    expect(ticket().remoteLinks).toHaveLength(1);
    expect(ticket().remoteLinks[0]?.object.status).toEqual({ resolved: true });
    expect(ticket().comments).toHaveLength(2);
    expect(
      h.jira.state.requests.filter((r) => r.operationId === 'addComment').map((r) => r.accountId),
    ).toEqual(['acct-bot', 'acct-o']);
  });

  it('an unknown status name is a clear error listing the available transitions; nothing is written', async () => {
    const changeRequest = await deliverMergeRequest();
    const error = (
      await jiraPath({ reviewStatus: 'Code Review' }).onChangeRequestOpened({
        issueKey: 'WT-1',
        changeRequest,
        sessionId: h.sessionId,
      })
    )._unsafeUnwrapErr();
    expect(error.code).toBe('TRANSITION_NOT_FOUND');
    expect(error.message).toBe(
      'Jira issue WT-1 has no transition to "Code Review". Available: "Start progress" → In Progress (id 21), "Start review" → In Review (id 31), "Done" → Done (id 41)',
    );
    expect(error.details).toMatchObject({ issueKey: 'WT-1', status: 'Code Review' });
    expect(h.jira.state.statusName(ticket())).toBe('To Do');
    expect(ticket().remoteLinks).toHaveLength(0);
    expect(ticket().comments).toHaveLength(0);
  });

  it('resolves by transition name too, and a transition id Jira rejects surfaces its 400 message', async () => {
    expect((await jiraPath().resolveTransition('WT-1', 'start PROGRESS'))._unsafeUnwrap()).toEqual({
      id: '21',
      name: 'Start progress',
    });
    // A workflow edited between our lookup and our transition: Jira answers 400 for the now-unknown id.
    const changeRequest = await deliverMergeRequest();
    h.jira.state.transitions.splice(2, 1, { id: '32', name: 'Start review', toStatusId: '10001' });
    h.jira.state.injectFault({
      operationId: 'doTransition',
      status: 400,
      message: "Transition id '31' is not valid for this issue.",
    });
    const error = (
      await jiraPath().onChangeRequestOpened({ issueKey: 'WT-1', changeRequest, sessionId: h.sessionId })
    )._unsafeUnwrapErr();
    expect(error).toMatchObject({
      code: 'FORGE_FAILED',
      details: { status: 400, jiraMessage: "Transition id '31' is not valid for this issue." },
    });
  });

  it('an unknown ticket is FORGE_NOT_FOUND; an expired Jira token is FORGE_AUTH_FAILED without the token', async () => {
    const changeRequest = await deliverMergeRequest();
    const missing = (
      await jiraPath().onChangeRequestOpened({ issueKey: 'WT-99', changeRequest, sessionId: h.sessionId })
    )._unsafeUnwrapErr();
    expect(missing.code).toBe('FORGE_NOT_FOUND');
    expect(missing.message).toContain('Issue does not exist');
    h.jira.state.revokeAll();
    const expired = (
      await jiraPath().onChangeRequestOpened({ issueKey: 'WT-1', changeRequest, sessionId: h.sessionId })
    )._unsafeUnwrapErr();
    expect(expired.code).toBe('FORGE_AUTH_FAILED');
    expect(JSON.stringify(expired)).not.toContain(JIRA_TOKEN);
  });
});
