import { errAsync, makeError, okAsync } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MergedChangeRequest } from '../payload.js';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import { followUpMerge } from './follow-up-merge.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

const MERGED: MergedChangeRequest = {
  kind: 'merged',
  sessionId: 'session-1',
  forge: 'gitlab',
  project: 'platform/widgets',
  number: 4,
  url: null,
  title: 'Fix add()',
};

describe('merge follow-up stage', () => {
  it('hands the merged change request to the follow-up once', async () => {
    const seen: MergedChangeRequest[] = [];
    await followUpMerge(
      {
        onMerged: (merged) => {
          seen.push(merged);
          return okAsync({ outcome: 'ticket_updated' });
        },
        logger: rig.logger,
      },
      rig.task({}),
      MERGED,
    );
    expect(seen).toEqual([MERGED]);
    expect(rig.logger.lines).toContainEqual(expect.objectContaining({ message: 'merge followed up' }));
  });

  it('retries the task when the follow-up fails', async () => {
    const failure = await followUpMerge(
      { onMerged: () => errAsync(makeError('JIRA_UNAVAILABLE', 'jira is down')), logger: rig.logger },
      rig.task({}),
      MERGED,
    ).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      failureClass: 'execution',
      message: expect.stringContaining('jira is down'),
    });
  });

  it('fails a pending approval it cannot park (no approvals wiring) like any other failure', async () => {
    const failure = await followUpMerge(
      {
        onMerged: () => errAsync(makeError('NEEDS_APPROVAL', 'waits', { approvalIds: ['a1'] })),
        approvals: null,
        logger: rig.logger,
      },
      rig.task({}),
      MERGED,
    ).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failureClass: 'execution' });
  });
});
