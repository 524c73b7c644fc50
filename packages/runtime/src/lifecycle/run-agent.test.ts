import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScriptedProvider, createSqliteConversationStore } from '@worktrain/agent';
import { err, makeError, ok, type Sandbox } from '@worktrain/contracts';
import { TaskFailure } from '@worktrain/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUGGY_ADD, FIXED_ADD, fixScript } from '../../test/helpers.js';
import { createActiveSessions } from '../active.js';
import { parseRuntimeConfig } from '../config.js';
import { runtimeError } from '../errors.js';
import { readAll } from '../session-log.js';
import { createSessionSandbox, type SessionSandbox } from '../session-sandbox.js';
import { createStageRig, type StageRig } from './__fixtures__/stage-rig.js';
import { type AgentRunInput, runAgent } from './run-agent.js';

let rig: StageRig;
beforeEach(() => {
  rig = createStageRig();
});
afterEach(() => rig.cleanup());

/** The daemon's sandbox in mode `off`, counting the runners it opens and closes. */
async function countingSandbox(): Promise<{ session: SessionSandbox; opened: number[]; closed: number[] }> {
  const config = parseRuntimeConfig('sandbox:\n  mode: "off"\n', {})._unsafeUnwrap();
  const session = await createSessionSandbox(
    config.sandbox,
    { home: rig.dir, sandbox: join(rig.dir, 'sandbox') },
    rig.logger,
  );
  const inner = session.sandbox;
  if (inner === null) throw new Error('mode off always has a sandbox');
  const opened: number[] = [];
  const closed: number[] = [];
  const sandbox: Sandbox = {
    info: inner.info,
    wrap: (request, policy) => inner.wrap(request, policy),
    open: async (policy) => {
      const runner = await inner.open(policy);
      if (runner.isErr()) return runner;
      opened.push(opened.length + 1);
      return ok({
        run: (request) => runner.value.run(request),
        close: async () => {
          closed.push(closed.length + 1);
          await runner.value.close();
        },
      });
    },
  };
  return { session: { ...session, sandbox }, opened, closed };
}

function deps(sandbox: SessionSandbox, provider = () => createScriptedProvider({ turns: fixScript() })) {
  return {
    engine: rig.engine,
    store: rig.store,
    conversations: createSqliteConversationStore({ database: rig.store.database })._unsafeUnwrap(),
    provider: () => provider().mapErr((e) => runtimeError('MODEL_FAILED', e.message, { modelCode: e.code })),
    budget: {},
    active: createActiveSessions(),
    sandbox,
    events: rig.events,
    clock: rig.clock,
    logger: rig.logger,
  };
}

async function input(): Promise<AgentRunInput> {
  const worktree = join(rig.dir, 'worktree');
  mkdirSync(join(worktree, 'src'), { recursive: true });
  writeFileSync(join(worktree, 'src/add.js'), BUGGY_ADD);
  const { sessionId, continueToken } = await rig.startSession({ taskId: 'task-1', repoPath: worktree });
  return {
    sessionId,
    taskId: 'task-1',
    worktree,
    gitRef: undefined,
    continueToken,
    signal: new AbortController().signal,
    actionGate: null,
  };
}

describe('run agent stage', () => {
  it('runs the agent in one long-lived sandbox it opens and closes, and records the sandbox in force', async () => {
    const { session, opened, closed } = await countingSandbox();
    const d = deps(session);
    const run = await input();
    const outcome = await runAgent(d, run);
    expect(outcome.kind).toBe('completed');
    expect(readFileSync(join(run.worktree, 'src/add.js'), 'utf8')).toBe(FIXED_ADD);
    expect(opened).toEqual([1]);
    expect(closed).toEqual([1]);
    expect(d.active.get(run.sessionId)).toBeUndefined();
    const events = (await readAll(rig.store, run.sessionId))._unsafeUnwrap();
    expect(events).toContainEqual(
      expect.objectContaining({
        kind: 'decision_trace',
        data: expect.objectContaining({ decision: 'sandbox_off' }),
      }),
    );
  });

  it('fails closed when the daemon has no sandbox: no agent run, retried once fixed', async () => {
    const { session } = await countingSandbox();
    const none: SessionSandbox = {
      ...session,
      mode: 'enforce',
      sandbox: null,
      error: makeError('SANDBOX_UNAVAILABLE', 'No sandbox backend works here.', {
        reasons: [],
        fix: 'install bwrap',
      }),
    };
    const failure = await runAgent(deps(none), await input()).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect(failure).toMatchObject({ failureClass: 'execution' });
    expect(String(failure)).toContain('install bwrap');
  });

  it('dead-letters the task as validation when no model is configured', async () => {
    const { session, opened } = await countingSandbox();
    const d = {
      ...deps(session),
      provider: () =>
        err(runtimeError('MODEL_FAILED', 'no model is configured', { modelCode: 'MODEL_NOT_CONFIGURED' })),
    };
    const failure = await runAgent(d, await input()).catch((e: unknown) => e);
    expect(failure).toMatchObject({ failureClass: 'validation' });
    expect(opened).toEqual([]);
  });
});
