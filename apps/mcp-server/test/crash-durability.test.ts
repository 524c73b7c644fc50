import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createSqliteSessionStore } from '@worktrain/session-store';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { call, connectStdio, makeSandbox, type Sandbox } from './helpers.js';

/**
 * SIGKILLs the stdio server at random moments while a client advances a 200-advance session (199 loop
 * ticks plus a final step). After each kill the client restarts the server and continues from the last
 * token the server acknowledged: it first re-sends the same advance (an idempotent replay when the killed
 * server had committed it), and falls back to rehydrating with the last acknowledged token.
 *
 * Checks: after each restart the session rehydrates; every acknowledged advance is in the log exactly
 * once; the session advanced exactly 200 times; the hash chain verifies; the session
 * completes.
 */

const TOTAL_ADVANCES = 200;

interface Conn {
  client: Client;
  transport: StdioClientTransport;
}

async function open(sandbox: Sandbox): Promise<Conn> {
  const { client, transport } = await connectStdio(sandbox);
  return { client, transport };
}

function kill(conn: Conn): void {
  const pid = conn.transport.pid;
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  conn.client.close().catch(() => undefined);
}

describe('crash durability over stdio', () => {
  const sandbox = makeSandbox();
  afterAll(() => sandbox.cleanup());

  it('loses no acknowledged advance across random SIGKILLs, verifies, resumes and completes', async () => {
    // Deterministic "random" kill schedule (fast-check's generator, fixed seed): kill after 8..40 advances,
    // 0..4 ms after sending the next request, so kills land before, during and after commits.
    const schedule = fc.sample(
      fc.record({ after: fc.integer({ min: 8, max: 40 }), delayMs: fc.integer({ min: 0, max: 4 }) }),
      {
        numRuns: 60,
        seed: 20261125,
      },
    );
    let conn = await open(sandbox);
    const start = await call(conn.client, 'start_workflow', {
      workflowId: 'mcp-test-long',
      workspacePath: sandbox.workspace,
      goal: 'crash test',
    });
    expect(start.isError, start.text).toBe(false);
    const sessionId: string = start.body.sessionId;
    let token: string = start.body.continueToken;
    let pendingStep: string = start.body.pending.stepId;
    const acknowledged: string[] = [];
    let complete = false;
    let kills = 0;
    let sinceKill = 0;
    let sent = 0;
    let lostResponses = 0;
    let replays = 0;
    let rehydrations = 0;

    while (!complete) {
      sent++;
      const notes = `advance ${sent} at ${pendingStep}`;
      const plan = schedule[kills % schedule.length];
      const killNow = plan !== undefined && sinceKill >= plan.after && kills < schedule.length;
      const request = call(conn.client, 'continue_workflow', {
        continueToken: token,
        output: { notesMarkdown: notes },
      });
      if (killNow) {
        if (plan.delayMs > 0) await new Promise((r) => setTimeout(r, plan.delayMs));
        kill(conn);
        kills++;
        sinceKill = 0;
        const lost = await request.then(
          (r) => (r.isError ? null : r),
          () => null,
        );
        if (lost === null) lostResponses++;
        conn = await open(sandbox);
        // The restarted server rehydrates the session from the last acknowledged token.
        const state = await call(conn.client, 'continue_workflow', {
          continueToken: token,
          intent: 'rehydrate',
          workspacePath: sandbox.workspace,
        });
        expect(state.isError, state.text).toBe(false);
        expect(state.body.sessionId).toBe(sessionId);
        expect(state.body.pending?.stepId ?? 'complete').toMatch(/^(tick|done|complete)$/);
        // The response may have been lost: replay the same advance with the last acknowledged token.
        const replay =
          lost ??
          (await call(conn.client, 'continue_workflow', {
            continueToken: token,
            output: { notesMarkdown: notes },
          }));
        if (lost === null && !replay.isError && replay.body.replayed === true) replays++;
        if (replay.isError) {
          rehydrations++;
          // Not replayable: continue from the rehydrated state.
          token = state.body.continueToken;
          pendingStep = state.body.pending.stepId;
          continue;
        }
        acknowledged.push(notes);
        complete = replay.body.isComplete;
        if (!complete) {
          token = replay.body.continueToken;
          pendingStep = replay.body.pending.stepId;
        }
        continue;
      }
      const response = await request;
      expect(response.isError, response.text).toBe(false);
      acknowledged.push(notes);
      sinceKill++;
      complete = response.body.isComplete;
      if (!complete) {
        token = response.body.continueToken;
        pendingStep = response.body.pending.stepId;
      }
    }
    await conn.client.close();

    console.info(
      JSON.stringify({ kills, lostResponses, replays, rehydrations, acknowledged: acknowledged.length }),
    );
    expect(kills).toBeGreaterThanOrEqual(5);
    // Some kills landed while a request was in flight (that is what makes the test meaningful).
    expect(lostResponses).toBeGreaterThanOrEqual(1);
    // An advance committed just before a kill but not replayable would be in the log without an ack.
    expect(acknowledged.length).toBeGreaterThanOrEqual(TOTAL_ADVANCES - kills);

    const opened = createSqliteSessionStore({ path: join(sandbox.home, 'worktrain.db'), readonly: true });
    if (opened.isErr()) throw new Error(opened.error.message);
    const store = opened.value;
    try {
      const events = (await store.readEvents(sessionId))._unsafeUnwrap();
      const notesInLog = events.flatMap((e) =>
        e.kind === 'output_appended' && typeof e.data.notesMarkdown === 'string'
          ? [e.data.notesMarkdown]
          : [],
      );
      for (const notes of acknowledged)
        expect(
          notesInLog.filter((x) => x === notes),
          notes,
        ).toHaveLength(1);
      // The session advanced exactly TOTAL_ADVANCES times: no advance was applied twice.
      expect(events.filter((e) => e.kind === 'advance_recorded')).toHaveLength(TOTAL_ADVANCES);
      expect(events.some((e) => e.kind === 'session_completed')).toBe(true);
      const verified = (await store.verify(sessionId))._unsafeUnwrap();
      expect(verified.ok).toBe(true);
    } finally {
      store.close();
    }
    // Each restart recompiles nothing (tsx caches) but still pays a cold start; allow for a loaded machine.
  }, 150_000);
});
