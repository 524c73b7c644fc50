/**
 * `worktrain sessions continue` as real child processes over a temp WORKTRAIN_HOME, a real git repository
 * with a bare origin (testkit) and the scripted model. A session is interrupted by a model script that runs
 * out after one turn (its only task attempt is dead-lettered); after the script is completed, `continue`
 * carries it on — in this process without a daemon, and through the daemon's API when one runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { createGitFixture, type GitFixture, waitFor } from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const WORKFLOW = {
  id: 'test.cli-continue',
  name: 'CLI continue (test)',
  description: 'Fix src/add.js.',
  version: '1.0.0',
  steps: [{ id: 'fix', title: 'Fix', prompt: 'Fix the bug in src/add.js.' }],
};
const FIXED = 'export function add(a, b) {\n  return a + b;\n}\n';
const FIRST_TURN = {
  step: 'fix',
  toolCalls: [{ name: 'write_file', input: { path: 'src/add.js', content: FIXED } }],
};
const LAST_TURN = { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed.' } }] };

const dir = tempDir('continue');
const home = join(dir.path, 'home');
let fx: GitFixture;

const script = (turns: unknown[]) =>
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns }));

/** Starts a session that stops after the first turn (the script runs out; one attempt, so it is dead). */
async function interruptedSession(): Promise<string> {
  script([FIRST_TURN]);
  const run = await runWorktrain(
    ['--format', 'json', 'run', WORKFLOW.id, '--goal', 'Fix add()', '--workspace', fx.repoDir],
    { home },
  );
  expect(run.code, run.stderr).toBe(1);
  const out = parseJson(run) as { sessionId: string; state: string; status: string };
  // Its task is dead: the session is failed (not "running" forever), and says why and how to go on.
  expect(out).toMatchObject({ state: 'dead', status: 'failed' });
  return out.sessionId;
}

async function sessionLog(sessionId: string) {
  const store = createSqliteSessionStore({
    path: join(home, 'worktrain.db'),
    readonly: true,
  })._unsafeUnwrap();
  try {
    const summary = (await store.getSummary(sessionId))._unsafeUnwrap();
    const events = (await store.readEvents(sessionId, { limit: 1000 }))._unsafeUnwrap();
    return { status: summary.status, events };
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  fx = await createGitFixture({
    files: { 'src/add.js': 'export function add(a, b) {\n  return a - b;\n}\n' },
  });
  mkdirSync(join(home, 'workflows'), { recursive: true });
  writeFileSync(join(home, 'workflows', `${WORKFLOW.id}.json`), JSON.stringify(WORKFLOW));
  writeFileSync(
    join(home, 'config.yaml'),
    'model: { provider: scripted, script: model-script.json }\nport: 0\nqueue: { maxAttempts: 1 }\n',
  );
});
afterAll(async () => {
  await runWorktrain(['daemon', 'stop'], { home });
  await fx.cleanup();
  dir.cleanup();
});

describe('worktrain sessions continue', () => {
  it('without a daemon, continues an interrupted session in-process and hands the agent the message', {
    timeout: 180_000,
  }, async () => {
    const sessionId = await interruptedSession();
    const listed = parseJson(await runWorktrain(['--format', 'json', 'sessions', 'list'], { home })) as {
      sessions: Array<{
        sessionId: string;
        status: string;
        failure: { reason: string; hint: string } | null;
      }>;
    };
    expect(listed.sessions.find((s) => s.sessionId === sessionId)).toMatchObject({
      status: 'failed',
      failure: {
        reason: expect.stringContaining('The model script has no turn left'),
        hint: expect.stringContaining(`worktrain sessions continue ${sessionId}`),
      },
    });
    const list = await runWorktrain(['sessions', 'list'], { home });
    expect(list.stdout).toContain(
      `${sessionId}: agent failed (MODEL_ERROR): The model script has no turn left`,
    );
    expect(list.stdout).toContain(`(carry on: worktrain sessions continue ${sessionId})`);
    const show = await runWorktrain(['sessions', 'show', sessionId], { home });
    expect(show.stdout).toMatch(/^Status {4}failed$/m);
    expect(show.stdout).toMatch(
      /^Failure {3}agent failed \(MODEL_ERROR\): The model script has no turn left/m,
    );
    expect(show.stdout).toMatch(new RegExp(`^Next {6}.*worktrain sessions continue ${sessionId}`, 'm'));
    script([FIRST_TURN, LAST_TURN]);
    const run = await runWorktrain(
      [
        '--format',
        'json',
        'sessions',
        'continue',
        sessionId,
        '--message',
        'finish the fix, then complete the step',
      ],
      { home },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(parseJson(run)).toMatchObject({
      sessionId,
      action: 'resumed',
      via: 'in-process',
      taskState: 'succeeded',
      status: 'completed',
    });
    const log = await sessionLog(sessionId);
    expect(log.status).toBe('completed');
    expect(log.events.find((e) => e.kind === 'steer_injected')?.data).toMatchObject({
      message: 'finish the fix, then complete the step',
      actor: expect.stringMatching(/^cli:/),
    });

    const again = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
    expect(again.code).toBe(1);
    expect(parseJson(again)).toMatchObject({
      error: { code: 'DAEMON_ERROR', details: { daemonCode: 'INVALID_STATE', status: 'completed' } },
    });
    const unknown = await runWorktrain(['--format', 'json', 'sessions', 'continue', 'sess_nope'], { home });
    expect(unknown.code).toBe(1);
    expect(parseJson(unknown)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
  });

  it('continues a session a budget ended once the budget is raised, and records it', {
    timeout: 240_000,
  }, async () => {
    const config = (extra: string) =>
      writeFileSync(
        join(home, 'config.yaml'),
        `model: { provider: scripted, script: model-script.json }\nport: 0\nqueue: { maxAttempts: 1 }\n${extra}`,
      );
    script([FIRST_TURN, LAST_TURN]);
    config('budgets: { maxTurns: 1 }\n');
    try {
      const run = await runWorktrain(
        ['--format', 'json', 'run', WORKFLOW.id, '--goal', 'Fix add()', '--workspace', fx.repoDir],
        { home },
      );
      expect(run.code, run.stderr).toBe(1);
      const out = parseJson(run) as { sessionId: string; state: string; status: string };
      expect(out).toMatchObject({ state: 'dead', status: 'failed' });
      const sessionId = out.sessionId;
      expect(
        (await sessionLog(sessionId)).events.find((e) => e.kind === 'budget_exceeded')?.data,
      ).toMatchObject({ budget: 'turns', limit: 1, observed: 1 });

      // The same budget: refused, with the key to raise.
      const same = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
      expect(same.code).toBe(1);
      expect(parseJson(same)).toMatchObject({
        error: {
          code: 'DAEMON_ERROR',
          details: {
            daemonCode: 'INVALID_STATE',
            status: 'failed',
            budget: 'turns',
            limit: 1,
            observed: 1,
            hint: expect.stringContaining('budgets.maxTurns'),
          },
        },
      });
      expect((await sessionLog(sessionId)).status).toBe('failed');

      config('budgets: { maxTurns: 5 }\n');
      const cont = await runWorktrain(
        ['--format', 'json', 'sessions', 'continue', sessionId, '--message', 'you have more turns now'],
        { home, env: { USER: 'ada' } },
      );
      expect(cont.code, cont.stderr).toBe(0);
      expect(parseJson(cont)).toMatchObject({
        sessionId,
        action: 'resumed',
        via: 'in-process',
        taskState: 'succeeded',
        status: 'completed',
      });
      const log = await sessionLog(sessionId);
      expect(log.status).toBe('completed');
      const kinds = log.events.map((e) => e.kind);
      expect(kinds.indexOf('session_continued')).toBeGreaterThan(kinds.indexOf('budget_exceeded'));
      expect(log.events.find((e) => e.kind === 'session_continued')?.data).toMatchObject({
        actor: 'cli:ada',
        previousStatus: 'failed',
        budget: 'turns',
        limits: { maxTurns: 5 },
        message: 'you have more turns now',
      });
      expect(log.events.filter((e) => e.kind === 'llm_turn_completed')).toHaveLength(2);

      // Completed now: refused as any completed session.
      const again = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
      expect(again.code).toBe(1);
      expect(parseJson(again)).toMatchObject({
        error: { details: { daemonCode: 'INVALID_STATE', status: 'completed' } },
      });
    } finally {
      config('');
    }
  });

  it('refuses to continue a session aborted by a user, with a clear error', {
    timeout: 180_000,
  }, async () => {
    const sessionId = await interruptedSession();
    const store = createSqliteSessionStore({ path: join(home, 'worktrain.db') })._unsafeUnwrap();
    try {
      const last = (await store.getSummary(sessionId))._unsafeUnwrap().lastSeq;
      (
        await store.append({
          sessionId,
          expectedSeq: last,
          events: [
            { kind: 'session_aborted', data: { reason: 'not wanted', actor: 'cli:ada', code: 'KILLED' } },
          ],
        })
      )._unsafeUnwrap();
    } finally {
      store.close();
    }
    const run = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
    expect(run.code).toBe(1);
    // Its task was dead-lettered first (failed), then a user aborted it: it stays ended.
    expect(parseJson(run)).toMatchObject({
      error: {
        code: 'DAEMON_ERROR',
        message: expect.stringContaining('has ended (failed, then aborted)'),
        details: { daemonCode: 'INVALID_STATE', status: 'failed', hint: expect.stringContaining('aborted') },
      },
    });
  });

  it('with a daemon, queues the session on it and the daemon completes it', {
    timeout: 240_000,
  }, async () => {
    const sessionId = await interruptedSession();
    const start = await runWorktrain(['--format', 'json', 'daemon', 'start', '--port', '0'], { home });
    expect(start.code, start.stderr).toBe(0);
    // status agrees with the daemon: nothing active, nothing "running"; the dead-lettered session failed.
    const status = parseJson(await runWorktrain(['--format', 'json', 'status'], { home })) as {
      daemon: { running: boolean; activeSessions: number };
      sessions: Record<string, number>;
    };
    expect(status.daemon).toMatchObject({ running: true, activeSessions: 0 });
    expect(status.sessions.running ?? 0).toBe(0);
    expect(status.sessions.failed).toBeGreaterThanOrEqual(1);
    const shown = parseJson(
      await runWorktrain(['--format', 'json', 'sessions', 'show', sessionId], { home }),
    ) as { summary: { status: string }; failure: { taskId: string } | null };
    expect(shown).toMatchObject({ summary: { status: 'failed' }, failure: { taskId: expect.any(String) } });
    script([FIRST_TURN, LAST_TURN]);
    const run = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
    expect(run.code, run.stderr).toBe(0);
    expect(parseJson(run)).toMatchObject({
      sessionId,
      action: 'resumed',
      via: 'daemon',
      taskId: expect.any(String),
    });
    await waitFor(async () => (await sessionLog(sessionId)).status === 'completed', {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'the daemon to complete the continued session',
    });
    const refused = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
    expect(refused.code).toBe(1);
    expect(parseJson(refused)).toMatchObject({
      error: {
        code: 'DAEMON_ERROR',
        details: { daemonCode: 'INVALID_STATE', status: 'completed', hint: expect.any(String) },
      },
    });
  });

  it("through the daemon, continues a session a budget ended with the daemon's larger budget", {
    timeout: 240_000,
  }, async () => {
    // The daemon of the previous test runs with the default budgets; this run is in-process with 1 turn.
    const health = await runWorktrain(['--format', 'json', 'status'], { home });
    expect(parseJson(health)).toMatchObject({ daemon: { running: true } });
    script([FIRST_TURN, LAST_TURN]);
    writeFileSync(
      join(home, 'config.yaml'),
      'model: { provider: scripted, script: model-script.json }\nport: 0\nqueue: { maxAttempts: 1 }\nbudgets: { maxTurns: 1 }\n',
    );
    let sessionId = '';
    try {
      const run = await runWorktrain(
        ['--format', 'json', 'run', WORKFLOW.id, '--goal', 'Fix add()', '--workspace', fx.repoDir],
        { home },
      );
      expect(run.code, run.stderr).toBe(1);
      const out = parseJson(run) as { sessionId: string; status: string };
      expect(out.status).toBe('failed');
      sessionId = out.sessionId;
    } finally {
      writeFileSync(
        join(home, 'config.yaml'),
        'model: { provider: scripted, script: model-script.json }\nport: 0\nqueue: { maxAttempts: 1 }\n',
      );
    }
    const cont = await runWorktrain(['--format', 'json', 'sessions', 'continue', sessionId], { home });
    expect(cont.code, cont.stderr).toBe(0);
    expect(parseJson(cont)).toMatchObject({ sessionId, action: 'resumed', via: 'daemon' });
    await waitFor(async () => (await sessionLog(sessionId)).status === 'completed', {
      timeoutMs: 60_000,
      intervalMs: 250,
      description: 'the daemon to complete the session continued after its budget',
    });
    const continued = (await sessionLog(sessionId)).events.find((e) => e.kind === 'session_continued');
    expect(continued?.data).toMatchObject({
      previousStatus: 'failed',
      budget: 'turns',
      limits: { maxTurns: 200 },
    });
  });

  it('rejects an empty --message as a usage error (exit 2)', async () => {
    const run = await runWorktrain(['sessions', 'continue', 'sess_x', '--message', ' '], { home });
    expect(run.code).toBe(2);
  });
});
