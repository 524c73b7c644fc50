/**
 * Parallel steps fanned out by the daemon, not the model (issue #15): a session's parallel step starts each
 * delegation as a child session (the session is their parent), joins them, and advances with their typed
 * artifacts merged; the model never gets a turn on that step.
 */
import { createGitFixture } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { BUGGY_ADD, makeHome, sessionEvents, startDaemon, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const finding = (area: string) => ({
  name: 'complete_step',
  input: { notesMarkdown: `Area ${area} checked.`, artifacts: [{ kind: 'test.finding', area }] },
});

describe('parallel steps', () => {
  it('runs each delegation as a child session and advances with their merged artifacts', async () => {
    const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
    cleanups.push(() => git.cleanup());
    const home = makeHome({
      repoDir: git.repoDir,
      maxConcurrentSessions: 3,
      turns: [
        { step: 'investigate', match: 'Investigate area A', toolCalls: [finding('A')] },
        { step: 'investigate', match: 'Investigate area B', toolCalls: [finding('B')] },
        {
          step: 'sum-up',
          toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'A and B checked.' } }],
        },
      ],
    });
    cleanups.push(() => home.cleanup());
    const d = await startDaemon(home.home);
    cleanups.push(async () => {
      d.child.kill('SIGKILL');
      await d.exited;
    });
    const res = await d.api('/dispatch', {
      method: 'POST',
      body: JSON.stringify({
        workflowId: 'test.parallel-parent',
        goal: 'Check both areas',
        workspace: git.repoDir,
      }),
    });
    expect(res.status).toBe(202);
    const taskId = ((await res.json()) as { task: { id: string } }).task.id;
    const parent = await waitFor(
      'the parent session to complete',
      async () => {
        const r = (await (await d.api('/sessions')).json()) as {
          sessions: { sessionId: string; taskId: string | null; status: string }[];
        };
        const s = r.sessions.find((x) => x.taskId === taskId);
        return s?.status === 'completed' ? s.sessionId : undefined;
      },
      120_000,
    );

    const children = (await (await d.api(`/sessions?parent=${parent}`)).json()) as {
      sessions: { sessionId: string; workflowId: string; status: string; goal: string }[];
    };
    expect(children.sessions.map((s) => s.goal).sort()).toEqual(['Investigate area A', 'Investigate area B']);
    expect(
      children.sessions.every((s) => s.workflowId === 'test.parallel-child' && s.status === 'completed'),
    ).toBe(true);
    const events = await sessionEvents(d, parent);
    const fanout = events.find((e) => e.kind === 'output_appended' && e.data.stepId === 'fanout');
    expect(fanout?.data.artifacts).toEqual([
      { kind: 'test.finding', area: 'A' },
      { kind: 'test.finding', area: 'B' },
    ]);
    // The parent's model spent its only turn on `sum-up`: the parallel step cost no model turn.
    expect(events.filter((e) => e.kind === 'llm_turn_completed')).toHaveLength(1);
    expect(events.some((e) => e.kind === 'decision_trace' && e.data.decision === 'step_delegated')).toBe(
      true,
    );
  }, 180_000);
});
