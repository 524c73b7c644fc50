import { errAsync, makeError, okAsync, type WorktreeGitRef } from '@worktrain/contracts';
import { TaskFailure } from '@worktrain/queue';
import { createWorkspaceManager } from '@worktrain/workspace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliverFn, DeliverRequest } from '../delivery.js';
import { appendAtHead, readAll } from '../session-log.js';
import { createStageRig, NO_TARGET, type StageRig } from './__fixtures__/stage-rig.js';
import { deliverWork } from './deliver-work.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

const GIT: WorktreeGitRef = { worktree: '/wt/s', gitDir: '/r/.git/worktrees/s', commonDir: '/r/.git' };
const TARGET = { ...NO_TARGET, repo: 'acme/widgets', issueNumber: 7 };

function deps(deliver: DeliverFn | null, completed: string[] = []) {
  return {
    store: rig.store,
    deliver,
    approvals: null,
    notifications: {
      flush: async () => {},
      completed: (_sessionId: string, summary: string) => {
        completed.push(summary);
      },
      failed: () => {},
      approvalNeeded: () => {},
    },
    workspaces: createWorkspaceManager({
      worktreesDir: `${rig.dir}/worktrees`,
      clock: rig.clock,
      logger: rig.logger,
    }),
    events: rig.events,
    logger: rig.logger,
  };
}

async function deliveryRecords(sessionId: string) {
  const events = (await readAll(rig.store, sessionId))._unsafeUnwrap();
  return events.flatMap((e) => (e.kind === 'delivery_recorded' ? [e.data] : []));
}

describe('deliver stage', () => {
  it('records a skipped delivery once when the task names no repository', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const completed: string[] = [];
    const input = { sessionId, worktreeGit: GIT, baseBranch: 'main', target: NO_TARGET, repoPath: '/r' };
    await deliverWork(deps(null, completed), input);
    await deliverWork(deps(null, completed), input);
    expect(await deliveryRecords(sessionId)).toEqual([
      {
        stage: 'delivery',
        outcome: 'skipped',
        details: { reason: 'the task names no repository to deliver to' },
      },
    ]);
    expect(completed).toEqual(['Completed; not delivered: the task names no repository to deliver to']);
  });

  it('hands the worktree, base branch and target to the delivery function and reports the URL', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const requests: DeliverRequest[] = [];
    const deliver: DeliverFn = (request) => {
      requests.push(request);
      return okAsync({ url: 'https://github.test/acme/widgets/pull/1', replayed: false });
    };
    await deliverWork(deps(deliver), {
      sessionId,
      worktreeGit: GIT,
      baseBranch: 'develop',
      target: TARGET,
      repoPath: '/r',
    });
    expect(requests).toEqual([
      expect.objectContaining({
        sessionId,
        worktreePath: '/wt/s',
        baseBranch: 'develop',
        repo: 'acme/widgets',
        issueNumber: 7,
      }),
    ]);
    expect(rig.emitted).toContainEqual(
      expect.objectContaining({
        type: 'delivery_finished',
        data: { url: 'https://github.test/acme/widgets/pull/1' },
      }),
    );
  });

  it('dead-letters a delivery error no retry fixes and retries others', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const failing =
      (code: string): DeliverFn =>
      () =>
        errAsync(makeError(code, `${code} happened`));
    const input = { sessionId, worktreeGit: GIT, baseBranch: 'main', target: TARGET, repoPath: '/r' };
    const final = await deliverWork(deps(failing('PR_CLOSED')), input).catch((e: unknown) => e);
    expect(final).toBeInstanceOf(TaskFailure);
    expect(final).toMatchObject({ failureClass: 'execution', retryable: false });
    const retried = await deliverWork(deps(failing('PUSH_FAILED')), input).catch((e: unknown) => e);
    expect(retried).toMatchObject({ failureClass: 'execution', retryable: undefined });
  });

  it('fails a delivery that needs an approval no request covers, not retried', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    const deliver: DeliverFn = () => errAsync(makeError('NEEDS_APPROVAL', 'push waits', { approvalIds: [] }));
    const failure = await deliverWork(deps(deliver), {
      sessionId,
      worktreeGit: GIT,
      baseBranch: 'main',
      target: TARGET,
      repoPath: '/r',
    }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failureClass: 'execution', retryable: false });
  });

  it('delivers nothing again once a person rejected the delivery', async () => {
    const { sessionId } = await rig.startSession({ taskId: 't', repoPath: '/r' });
    (
      await appendAtHead(rig.store, sessionId, [
        {
          kind: 'delivery_recorded',
          data: { stage: 'delivery', outcome: 'failed', details: { code: 'APPROVAL_REJECTED' } },
        },
      ])
    )._unsafeUnwrap();
    let called = false;
    const deliver: DeliverFn = () => {
      called = true;
      return errAsync(makeError('PUSH_FAILED', 'should not run'));
    };
    await deliverWork(deps(deliver), {
      sessionId,
      worktreeGit: GIT,
      baseBranch: 'main',
      target: TARGET,
      repoPath: '/r',
    });
    expect(called).toBe(false);
  });
});
