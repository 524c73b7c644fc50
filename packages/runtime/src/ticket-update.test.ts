import { createJiraReturnPath } from '@worktrain/delivery';
import { type FakeJira, startFakeJira } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStageRig, type StageRig } from './lifecycle/__fixtures__/stage-rig.js';
import { readAll } from './session-log.js';
import { updateTicket } from './ticket-update.js';

const EMAIL = 'bot@acme.test';
const TOKEN = 'jira-token';
const CHANGE = { target: 'github:acme/widgets', number: 3, url: 'https://github.test/acme/widgets/pull/3' };

let rig: StageRig;
let jira: FakeJira;
beforeEach(async () => {
  rig = createStageRig();
  jira = await startFakeJira({ users: { [EMAIL]: TOKEN } });
});
afterEach(async () => {
  rig.cleanup();
  await jira.close();
});

async function ticketRecords(sessionId: string) {
  const events = (await readAll(rig.store, sessionId))._unsafeUnwrap();
  return events.flatMap((e) =>
    e.kind === 'delivery_recorded' || e.kind === 'delivery_attempted' ? [{ kind: e.kind, ...e.data }] : [],
  );
}

describe('recorded ticket updates', () => {
  it('records a skipped ticket update when config.yaml has no jira section', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const update = await updateTicket(rig.store, null, { sessionId }, 'WT-1', CHANGE);
    expect(update._unsafeUnwrap()).toBeNull();
    expect(await ticketRecords(sessionId)).toEqual([
      { kind: 'delivery_attempted', stage: 'ticket_update', target: 'jira:WT-1', attempt: 1 },
      expect.objectContaining({ stage: 'ticket_update', outcome: 'skipped' }),
    ]);
  });

  it('moves and links the ticket once: a second call replays the record', async () => {
    const ticket = jira.state.addIssue({ projectKey: 'WT', summary: 'add() subtracts' });
    const path = createJiraReturnPath({ host: jira.url, auth: { email: EMAIL, apiToken: TOKEN } });
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const first = await updateTicket(rig.store, path, { sessionId }, ticket.key, CHANGE);
    expect(first._unsafeUnwrap()).not.toBeNull();
    const second = await updateTicket(rig.store, path, { sessionId }, ticket.key, CHANGE);
    expect(second._unsafeUnwrap()).toBeNull();
    const records = (await ticketRecords(sessionId)).filter((r) => r.kind === 'delivery_recorded');
    expect(records).toEqual([expect.objectContaining({ stage: 'ticket_update', outcome: 'succeeded' })]);
  });
});
