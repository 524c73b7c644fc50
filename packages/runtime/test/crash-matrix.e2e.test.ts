/**
 * Issue 4 acceptance: SIGKILL the daemon at ten points of the lifecycle (during an LLM call, a tool call,
 * between steps, during commit, push, PR creation…). After a restart each session completes and exactly one
 * PR (and one issue comment) exists for the task. The kill happens the moment the watched event is seen on
 * the session's live SSE stream, so it lands inside the stage that event opens.
 */
import { describe, expect, it } from 'vitest';
import { type Daemon, fixScript, sessionEvents, waitFor } from './helpers.js';
import { daemonFor, rig, sendIssueWebhook, sessionOfTask, taskState } from './rig.js';

interface StreamedEvent {
  kind: string;
  data: Record<string, unknown>;
}

interface Point {
  readonly label: string;
  readonly match: (e: StreamedEvent) => boolean;
  readonly fixDelayMs?: number;
}

const POINTS: readonly Point[] = [
  { label: 'during the first LLM call', match: (e) => e.kind === 'llm_turn_started', fixDelayMs: 2000 },
  {
    label: 'during a tool call (write_file)',
    match: (e) => e.kind === 'tool_call_started' && e.data.name === 'write_file',
  },
  {
    label: 'right after a tool call',
    match: (e) => e.kind === 'tool_call_completed' && e.data.name === 'write_file',
  },
  {
    label: 'during complete_step',
    match: (e) => e.kind === 'tool_call_started' && e.data.name === 'complete_step',
  },
  { label: 'between steps', match: (e) => e.kind === 'advance_recorded' },
  { label: 'after the workflow completed, before delivery', match: (e) => e.kind === 'session_completed' },
  { label: 'during commit', match: (e) => e.kind === 'delivery_attempted' && e.data.stage === 'commit' },
  { label: 'during push', match: (e) => e.kind === 'delivery_attempted' && e.data.stage === 'push' },
  {
    label: 'during PR creation',
    match: (e) => e.kind === 'delivery_attempted' && e.data.stage === 'pull_request',
  },
  {
    label: 'during the issue comment',
    match: (e) => e.kind === 'delivery_attempted' && e.data.stage === 'issue_comment',
  },
];

/** Follows the session's SSE stream and SIGKILLs the daemon on the first event matching `match`. */
async function killWhen(
  d: Daemon,
  sessionId: string,
  match: (e: StreamedEvent) => boolean,
): Promise<string | null> {
  const res = await d.api(`/sessions/${sessionId}/events`);
  const reader = res.body?.getReader();
  if (reader === undefined) throw new Error('no SSE body');
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return null; // the stream ended (the task finished first)
      buffer += decoder.decode(chunk.value, { stream: true });
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        if (!line.startsWith('data: ') || line.length <= 6) continue;
        const event = JSON.parse(line.slice(6)) as StreamedEvent;
        if (match(event)) {
          d.child.kill('SIGKILL');
          return event.kind;
        }
      }
    }
  } catch {
    return 'stream closed by the kill';
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

describe('SIGKILL at ten points of the lifecycle', () => {
  it.each(POINTS)(
    '$label: after restart the session completes with exactly one PR',
    async ({ match, fixDelayMs }) => {
      const r = await rig(fixScript(fixDelayMs !== undefined ? { fixDelayMs } : {}), 2000);
      const d1 = await daemonFor(r);
      const taskId = await sendIssueWebhook(d1, r.issueNumber);
      const sessionId = await sessionOfTask(d1, taskId);
      const killedAt = await killWhen(d1, sessionId, match);
      expect(killedAt).not.toBeNull();
      await d1.exited;

      const d2 = await daemonFor(r);
      await waitFor(
        'the task to succeed after the restart',
        async () => ((await taskState(d2, taskId)) === 'succeeded' ? true : undefined),
        90_000,
      );
      const pulls = r.github.state.pulls('acme', 'widgets');
      expect(pulls).toHaveLength(1);
      expect(pulls[0]?.pull).toMatchObject({ head: `worktrain/${sessionId}` });
      const issue = r.github.state.issues('acme', 'widgets').find((i) => i.number === r.issueNumber);
      expect(issue?.comments).toHaveLength(1);
      const sessions = (await (await d2.api('/sessions')).json()) as {
        sessions: Array<{ sessionId: string; status: string }>;
      };
      expect(sessions.sessions).toEqual([expect.objectContaining({ sessionId, status: 'completed' })]);
      const events = await sessionEvents(d2, sessionId);
      expect(events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === 'delivery')).toEqual([
        expect.objectContaining({ data: expect.objectContaining({ outcome: 'succeeded' }) }),
      ]);
      // One delivery commit on the branch, on top of the base.
      const log = await r.git.git(['log', '--format=%s', `main..worktrain/${sessionId}`], r.git.originDir);
      expect(log.split('\n').filter((l) => l.length > 0)).toHaveLength(1);
    },
  );
});
