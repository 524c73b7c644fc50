import { errAsync, okAsync, silentLogger } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness, TOKEN } from '../../test/setup.js';
import { deliveryError } from '../errors.js';
import { createStageRecorder } from '../recorder.js';
import { createStageRunner, failureDetails, redactor } from './run-stage.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const recorder = () => createStageRecorder(h.store, h.sessionId, '1', 'github');
const recorded = async () =>
  (await h.store.readEvents(h.sessionId))
    ._unsafeUnwrap()
    .flatMap((e) => (e.kind === 'delivery_recorded' ? [e.data] : []));

describe('createStageRunner', () => {
  it('records a success once and reuses it from the record on the next run', async () => {
    let runs = 0;
    const run = () => {
      runs += 1;
      return okAsync({
        value: 'sha',
        record: { outcome: 'succeeded' as const, commitSha: 'sha', details: {} },
      });
    };
    const stage = createStageRunner(recorder(), silentLogger);
    expect((await stage('push', run, (r) => r.commitSha ?? ''))._unsafeUnwrap()).toBe('sha');
    expect((await stage('push', run, (r) => `from-record:${r.commitSha}`))._unsafeUnwrap()).toBe(
      'from-record:sha',
    );
    expect(runs).toBe(1);
    expect(await recorded()).toHaveLength(1);
  });

  it('records a failure with the token redacted, and NEEDS_APPROVAL as awaiting_approval', async () => {
    const stage = createStageRunner(recorder(), silentLogger, TOKEN);
    const failed = await stage('push', () =>
      errAsync(
        deliveryError('PUSH_REJECTED', `push to https://x:${TOKEN}@host failed`, { stderrTail: TOKEN }),
      ),
    );
    expect(failed._unsafeUnwrapErr().message).not.toContain(TOKEN);
    await stage('validate', () => errAsync(deliveryError('NEEDS_APPROVAL', 'protected path')));
    const outcomes = (await recorded()).map((d) => [d.stage, d.outcome]);
    expect(outcomes).toEqual([
      ['push', 'failed'],
      ['validate', 'awaiting_approval'],
    ]);
    expect(JSON.stringify(await recorded())).not.toContain(TOKEN);
  });
});

describe('failureDetails and redactor', () => {
  it('leaves stderr out of the details and scrubs the token everywhere', () => {
    const e = deliveryError('GIT_FAILED', 'failed', { stderrTail: 'remote: secret', exitCode: 1 });
    expect(failureDetails(e)).toEqual({ code: 'GIT_FAILED', message: 'failed', exitCode: 1 });
    const scrubbed = redactor('tok_12345')(
      deliveryError('GIT_FAILED', 'tok_12345 leaked', { url: 'x tok_12345' }),
    );
    expect(scrubbed).toMatchObject({ message: '*** leaked', details: { url: 'x ***' } });
  });
});
