/**
 * `PipelineService.dispatch` with a `pipelineId` (what a trigger's task passes, derived from its task id)
 * over the daemon's real stores in one SQLite file: dispatching the same id again — a retried task — records
 * no second pipeline, opens no second proof record and enqueues no second coordinator task.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, systemClock } from '@worktrain/contracts';
import {
  createFeaturePipeline,
  openSigningKeyring,
  openSqlitePipelineStore,
  openSqliteProofStore,
} from '@worktrain/coordinator-kit';
import { defaultPolicy, openApprovalStore } from '@worktrain/delivery';
import { openSqliteQueue } from '@worktrain/queue';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from '../src/config.js';
import { createForges } from '../src/forges.js';
import { createMergeGatePorts, openMergeLog } from '../src/pipelines/merge-gate.js';
import { createPipelineService, PIPELINE_QUEUE, pipelineKind } from '../src/pipelines/service.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openService() {
  const dir = mkdtempSync(join(tmpdir(), 'wt-pipeline-dispatch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'worktrain.db');
  const now = () => new Date(systemClock.now());
  const sessions = createSqliteSessionStore({
    path,
    clock: systemClock,
    logger: silentLogger,
  })._unsafeUnwrap();
  const queue = openSqliteQueue({ path, clock: systemClock })._unsafeUnwrap();
  const store = openSqlitePipelineStore({ path, now })._unsafeUnwrap();
  const ring = openSigningKeyring(join(dir, 'keys'))._unsafeUnwrap();
  const proofs = openSqliteProofStore({ path, sign: (m) => ring.sign(m), now })._unsafeUnwrap();
  const approvals = openApprovalStore({ path, sessionStore: sessions })._unsafeUnwrap();
  cleanups.push(async () => {
    approvals.close();
    proofs.close();
    store.close();
    await queue.close();
    sessions.close();
  });
  const config = parseRuntimeConfig('', {}, { file: join(dir, 'config.yaml'), envFile: join(dir, '.env') });
  const mergeLog = openMergeLog(sessions.database, systemClock);
  const mergeGate = createMergeGatePorts({
    forges: createForges(config._unsafeUnwrap()),
    policy: defaultPolicy(),
    approvals,
    mergeLog,
    targetOf: () => null,
    clock: systemClock,
    logger: silentLogger,
  });
  const service = createPipelineService({
    definitions: (gate) => ({ feature: pipelineKind(createFeaturePipeline({ mergeGate: gate })) }),
    mergeGate,
    store,
    proofs,
    mergeLog,
    sessions,
    queue,
    launcher: () => {
      throw new Error('dispatch launches no session');
    },
    clock: systemClock,
    logger: silentLogger,
  });
  return { service, queue, proofs };
}

const TARGET = {
  forge: 'github',
  repo: 'acme/widgets',
  issueNumber: 7,
  noteOn: 'issue',
  jiraIssueKey: null,
} as const;

describe('PipelineService.dispatch with a pipelineId', () => {
  it('starts one pipeline however often the same id is dispatched', async () => {
    const { service, queue, proofs } = openService();
    const request = {
      pipelineId: 'pl_0123456789abcdef0123',
      kind: 'feature',
      goal: 'Add a dark mode',
      workspace: '/repos/widgets',
      title: 'Add a dark mode',
      target: TARGET,
      actor: 'trigger:gh-feature',
    };
    const first = (await service.dispatch(request))._unsafeUnwrap();
    const again = (await service.dispatch(request))._unsafeUnwrap();
    expect(first.pipelineId).toBe('pl_0123456789abcdef0123');
    expect(again).toMatchObject({ pipelineId: first.pipelineId, taskId: first.taskId });
    expect(
      service
        .list()
        ._unsafeUnwrap()
        .map((p) => p.pipelineId),
    ).toEqual([first.pipelineId]);
    expect(proofs.read(first.pipelineId)._unsafeUnwrap().entries).toHaveLength(1);
    const tasks = (await queue.list({ queue: PIPELINE_QUEUE, limit: 10 }))._unsafeUnwrap();
    expect(tasks.map((t) => t.id)).toEqual([first.taskId]);
    // Without an id, every dispatch is a new pipeline.
    const { pipelineId: _drop, ...fresh } = request;
    const other = (await service.dispatch(fresh))._unsafeUnwrap();
    expect(other.pipelineId).not.toBe(first.pipelineId);
  });
});
