import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, createFileKeyring, createWorkflowRegistry } from '@worktrain/engine';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDocs } from './fixtures/workflows.js';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

/**
 * A session written by the real engine (in this process) into the same SQLite file the CLI child reads,
 * as the MCP server or the daemon would write it.
 */
describe('worktrain sessions over a session run by the engine', () => {
  const dir = tempDir('engine');
  const home = join(dir.path, 'home');
  const workflows = join(dir.path, 'workflows');
  let sessionId = '';
  afterAll(dir.cleanup);

  beforeAll(async () => {
    mkdirSync(home);
    mkdirSync(workflows);
    writeFileSync(join(workflows, 'write-docs.json'), JSON.stringify(writeDocs));
    const store = createSqliteSessionStore({ path: join(home, 'worktrain.db') })._unsafeUnwrap();
    const keyring = createFileKeyring(join(home, 'keys'))._unsafeUnwrap();
    const engine = createEngine({
      store,
      keyring,
      workflows: createWorkflowRegistry({ sources: [{ kind: 'custom', dir: workflows }] }),
    });
    const started = (
      await engine.startWorkflow({
        workflowId: 'team.write-docs',
        goal: 'Document the queue',
        source: 'test',
      })
    )._unsafeUnwrap();
    sessionId = started.sessionId;
    expect(started.pending?.stepId).toBe('outline');
    const advanced = await engine.continueWorkflow({
      continueToken: started.continueToken ?? '',
      output: { notesMarkdown: 'Outline: intro, API, guarantees.' },
      context: { audience: 'operators' },
    });
    expect(advanced._unsafeUnwrap()).toMatchObject({ kind: 'ok', pending: { stepId: 'draft' } });
    store.close();
  });

  it('lists the session', async () => {
    const run = await runWorktrain(
      ['sessions', 'list', '--workflow', 'team.write-docs', '--format', 'json'],
      { home },
    );
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({
      sessions: [{ sessionId, workflowId: 'team.write-docs', status: 'running', currentStepId: 'draft' }],
    });
  });

  it('shows the current step, the run graph, the notes and the context', async () => {
    const run = await runWorktrain(['sessions', 'show', sessionId, '--format', 'json'], { home });
    expect(run.code).toBe(0);
    const projection = parseJson(run) as {
      summary: { currentStepId: string; goal: string };
      nodes: { stepId: string | null }[];
      outputs: { stepId: string; notesMarkdown?: string }[];
      context: Record<string, unknown>;
      metrics: { advances: number };
    };
    expect(projection.summary).toMatchObject({ currentStepId: 'draft', goal: 'Document the queue' });
    expect(projection.nodes.map((n) => n.stepId)).toEqual(['outline', 'draft']);
    expect(projection.outputs).toMatchObject([
      { stepId: 'outline', notesMarkdown: 'Outline: intro, API, guarantees.' },
    ]);
    expect(projection.context).toMatchObject({ audience: 'operators' });
    expect(projection.metrics.advances).toBe(1);
  });

  it('prints the events the engine recorded, starting with session_created', async () => {
    const run = await runWorktrain(['sessions', 'events', sessionId, '--format', 'json'], { home });
    const events = (parseJson(run) as { events: { seq: number; kind: string }[] }).events;
    expect(events[0]).toMatchObject({ seq: 1, kind: 'session_created' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.kind)).toContain('advance_recorded');
  });

  it('verifies the hash chain the engine wrote', async () => {
    const run = await runWorktrain(['sessions', 'verify', sessionId], { home });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok: /);
  });
});
