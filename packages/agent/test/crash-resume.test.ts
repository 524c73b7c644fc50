/**
 * Durable conversation: a child process runs a session and is SIGKILLed in the middle of a tool call;
 * `resumeSession` in this process continues with the stored history and completes the workflow.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isEventKind } from '@worktrain/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createScriptedProvider, type ModelScript, resumeSession } from '../src/index.js';
import { type Harness, makeHarness, recording, until } from './helpers/harness.js';

const here = dirname(new URL(import.meta.url).pathname);
const repoRoot = join(here, '..', '..', '..');

let h: (Harness & { cleanup(): void }) | undefined;
let orphanGroup: number | undefined;
afterEach(() => {
  if (orphanGroup !== undefined) {
    try {
      process.kill(-orphanGroup, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  h?.cleanup();
  h = undefined;
});

const SCRIPT: ModelScript = {
  model: 'scripted-crash-test',
  turns: [
    { step: 'investigate', toolCalls: [{ name: 'read_file', input: { path: 'src/add.js' } }] },
    {
      step: 'investigate',
      toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'add() subtracts.' } }],
    },
    { step: 'fix', toolCalls: [{ name: 'bash', input: { command: 'echo $$ > bash.pid; sleep 60' } }] },
    {
      step: 'fix',
      toolCalls: [
        { name: 'edit_file', input: { path: 'src/add.js', old_string: 'a - b', new_string: 'a + b' } },
      ],
    },
    { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed.' } }] },
    {
      step: 'verify',
      toolCalls: [
        { name: 'bash', input: { command: './test.sh' } },
        { name: 'complete_step', input: { notesMarkdown: 'PASS' } },
      ],
    },
  ],
};

describe('crash and resume', () => {
  it('resumes a SIGKILLed session with its conversation and completes it', async () => {
    h = makeHarness();
    const harness = h;
    const { sessionId, continueToken } = await harness.start();
    const scriptFile = join(harness.dir, 'script.yaml');
    writeFileSync(scriptFile, stringify(SCRIPT));

    const child = spawn(
      process.execPath,
      [
        '--conditions=@worktrain/source',
        '--import',
        'tsx',
        join(here, 'fixtures', 'run-child.ts'),
        harness.dir,
        harness.worktree,
        sessionId,
        continueToken,
        scriptFile,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    const inBash = await until(async () => {
      const log = (await harness.store.readEvents(sessionId))._unsafeUnwrap();
      return log.some((e) => isEventKind(e, 'tool_call_started') && e.data.name === 'bash');
    }, 30_000);
    expect(inBash, stderr).toBe(true);
    await until(() => {
      try {
        orphanGroup = Number(readFileSync(join(harness.worktree, 'bash.pid'), 'utf8'));
        return orphanGroup > 0;
      } catch {
        return false;
      }
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const before = harness.conversations.load(sessionId)._unsafeUnwrap();
    expect(before.filter((m) => m.role === 'assistant')).toHaveLength(3);
    const turnsBefore = (await harness.store.readEvents(sessionId))
      ._unsafeUnwrap()
      .filter((e) => isEventKind(e, 'llm_turn_completed')).length;
    expect(turnsBefore).toBe(3);

    const provider = recording(createScriptedProvider(SCRIPT)._unsafeUnwrap());
    const outcome = await resumeSession({
      engine: harness.engine,
      store: harness.store,
      conversations: harness.conversations,
      provider,
      worktree: harness.worktree,
      sessionId,
    });
    expect(outcome.kind).toBe('completed');
    expect(outcome.stats.turns).toBe(6);
    expect(readFileSync(join(harness.worktree, 'src/add.js'), 'utf8')).toContain('a + b');

    // The first resumed request carries the whole earlier conversation, plus an "interrupted" result for the
    // bash call the crash cut, and no second copy of the step prompt.
    const first = JSON.stringify(provider.requests[0]?.messages);
    expect(first).toContain('return a - b');
    expect(first).toContain('add() subtracts.');
    expect(first).toContain('was interrupted');
    expect(first.split('Step id: fix').length - 1).toBe(1);
    expect(first).toContain('The session was resumed');
    const after = harness.conversations.load(sessionId)._unsafeUnwrap();
    expect(after.slice(0, before.length)).toEqual(before);
    expect((await harness.store.getSummary(sessionId))._unsafeUnwrap().status).toBe('completed');
  });

  it('reports SESSION_NOT_FOUND for an unknown session', async () => {
    h = makeHarness();
    const outcome = await resumeSession({
      engine: h.engine,
      store: h.store,
      conversations: h.conversations,
      provider: createScriptedProvider(SCRIPT)._unsafeUnwrap(),
      worktree: h.worktree,
      sessionId: 'sess_unknown',
    });
    expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'SESSION_NOT_FOUND' } });
  });
});
