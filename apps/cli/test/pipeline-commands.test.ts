/**
 * `worktrain pipeline run|show|list|cancel`, `tell`, `spawn`, `await` and `sessions list --tree` as real child
 * processes against one real daemon (scripted model, a temp git repository with a bare origin). The
 * classify child of the feature pipeline and the `test.cli-slow` session wait in a scripted turn (aborted
 * when they are cancelled or killed), so they stay running while the commands look at them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture, type GitFixture, waitFor } from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

const CHILD = {
  id: 'test.cli-child',
  name: 'CLI child (test)',
  description: 'Hand off at once.',
  version: '1.0.0',
  steps: [{ id: 'work', title: 'Work', prompt: 'Hand off.' }],
};
const SLOW = { ...CHILD, id: 'test.cli-slow', steps: [{ id: 'slow', title: 'Slow', prompt: 'Take long.' }] };
const HANDOFF = {
  kind: 'wr.coding_handoff',
  version: 1,
  keyDecisions: ['Nothing to change'],
  knownLimitations: [],
  testsAdded: [],
  filesChanged: [],
};
const TURNS = [
  {
    step: 'work',
    toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Done.', artifacts: [HANDOFF] } }],
  },
  // Both wait until they are aborted (kill, pipeline cancel, daemon stop).
  { step: 'slow', delayMs: 600_000, toolCalls: [] },
  { step: 'gather-evidence', delayMs: 600_000, toolCalls: [] },
];

const dir = tempDir('pipeline');
const home = join(dir.path, 'home');
let fx: GitFixture;

const cli = (args: readonly string[]) => runWorktrain(['--format', 'json', ...args], { home });

beforeAll(async () => {
  fx = await createGitFixture({ files: { 'README.md': '# widgets\n' } });
  mkdirSync(join(home, 'workflows'), { recursive: true });
  for (const w of [CHILD, SLOW]) writeFileSync(join(home, 'workflows', `${w.id}.json`), JSON.stringify(w));
  writeFileSync(join(home, 'model-script.json'), JSON.stringify({ turns: TURNS }));
  writeFileSync(
    join(home, 'config.yaml'),
    'model: { provider: scripted, script: model-script.json }\nport: 0\nmaxConcurrentSessions: 4\n',
  );
  const start = await runWorktrain(['daemon', 'start', '--port', '0'], { home, timeoutMs: 120_000 });
  expect(start.code, start.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await runWorktrain(['sessions', 'kill', '--all'], { home });
  await runWorktrain(['daemon', 'stop'], { home, timeoutMs: 120_000 });
  await fx.cleanup();
  dir.cleanup();
}, 180_000);

describe('pipeline, spawn, await and sessions list --tree against a daemon', () => {
  it('pipeline run --dry-run prints the feature plan and the budget with the overrides applied', async () => {
    const args = [
      'pipeline',
      'run',
      '--goal',
      'Add a subtract()',
      '--workspace',
      fx.repoDir,
      '--max-sessions',
      '5',
      '--max-usd',
      '2.5',
      '--max-wall-clock',
      '2h',
      '--dry-run',
    ];
    const json = await cli(args);
    expect(json.code, json.stderr).toBe(0);
    const out = parseJson(json) as {
      dryRun: boolean;
      plan: { kind: string; stages: Array<{ name: string; next: string[] }>; budget: Record<string, number> };
    };
    expect(out.dryRun).toBe(true);
    expect(out.plan.kind).toBe('feature');
    expect(out.plan.stages.map((s) => s.name)).toEqual(
      expect.arrayContaining(['classify', 'discovery', 'code', 'review', 'fix', 'merge']),
    );
    expect(out.plan.stages[0]?.name).toBe('classify');
    expect(out.plan.budget).toMatchObject({ maxSessions: 5, maxCostUsd: 2.5, maxWallClockMs: 7_200_000 });

    const text = await runWorktrain(args, { home });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}1\. classify \(1 session\): /m);
    expect(text.stdout).toMatch(/^budget: 5 sessions, .*\$2\.50, 2h wall clock$/m);
    expect(text.stdout).toContain('dry run: nothing was recorded or started');
    // Nothing was started.
    expect(parseJson(await cli(['pipeline', 'list']))).toEqual({ pipelines: [] });
  });

  it('pipeline show of an unknown id exits 1 with PIPELINE_NOT_FOUND', async () => {
    const json = await cli(['pipeline', 'show', 'pl_nope']);
    expect(json.code).toBe(1);
    expect(parseJson(json)).toMatchObject({ error: { code: 'PIPELINE_NOT_FOUND' } });
    const text = await runWorktrain(['pipeline', 'show', 'pl_nope'], { home });
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error: .*pl_nope/m);
  });

  it('spawn --parent makes a child session; await prints its outcome; sessions list --tree nests it', {
    timeout: 120_000,
  }, async () => {
    const parent = await cli([
      'spawn',
      CHILD.id,
      '--goal',
      'parent work',
      '--workspace',
      fx.repoDir,
      '--wait',
      '30s',
    ]);
    expect(parent.code, parent.stderr).toBe(0);
    const p = parseJson(parent) as { sessionId: string; taskId: string; parentSessionId: null };
    expect(p).toMatchObject({ sessionId: expect.stringMatching(/^sess_/), parentSessionId: null });

    const child = await cli([
      'spawn',
      CHILD.id,
      '--goal',
      'child work',
      '--workspace',
      fx.repoDir,
      '--parent',
      p.sessionId,
      '--wait',
      '30s',
    ]);
    expect(child.code, child.stderr).toBe(0);
    const c = parseJson(child) as { sessionId: string };
    expect(c).toMatchObject({ parentSessionId: p.sessionId, parentKind: 'session' });

    const awaited = await cli(['await', c.sessionId, p.sessionId, '--timeout', '60s']);
    expect(awaited.code, awaited.stdout).toBe(0);
    expect(parseJson(awaited)).toMatchObject({
      ok: true,
      timedOut: false,
      outcomes: [
        { sessionId: c.sessionId, status: 'completed', ended: true, artifacts: ['wr.coding_handoff'] },
        { sessionId: p.sessionId, status: 'completed', ended: true },
      ],
    });
    const text = await runWorktrain(['await', c.sessionId], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${c.sessionId}  completed  artifacts: wr.coding_handoff`);

    const tree = parseJson(await cli(['sessions', 'list', '--tree'])) as {
      sessions: Array<{ sessionId: string; children: Array<{ sessionId: string }> }>;
    };
    // The tree asks the daemon for each session's children (`?parent=`): the child's recorded parent.
    const root = tree.sessions.find((s) => s.sessionId === p.sessionId);
    expect(root?.children.map((s) => s.sessionId)).toEqual([c.sessionId]);
    expect(tree.sessions.some((s) => s.sessionId === c.sessionId)).toBe(false);
    const treeText = await runWorktrain(['sessions', 'list', '--tree'], { home });
    expect(treeText.stdout).toMatch(new RegExp(`^${p.sessionId} .*\\n {2}${c.sessionId} `, 'm'));

    const orphan = await cli([
      'spawn',
      CHILD.id,
      '--goal',
      'x',
      '--workspace',
      fx.repoDir,
      '--parent',
      'sess_nope',
    ]);
    expect(orphan.code).toBe(1);
    expect(parseJson(orphan)).toMatchObject({ error: { code: 'SESSION_NOT_FOUND' } });
  });

  it('await with a short --timeout on a running session exits 1 and names it', {
    timeout: 120_000,
  }, async () => {
    const slow = await cli([
      'spawn',
      SLOW.id,
      '--goal',
      'slow work',
      '--workspace',
      fx.repoDir,
      '--wait',
      '30s',
    ]);
    expect(slow.code, slow.stderr).toBe(0);
    const { sessionId } = parseJson(slow) as { sessionId: string };
    const awaited = await runWorktrain(['await', sessionId, '--timeout', '1s'], { home });
    expect(awaited.code).toBe(1);
    expect(awaited.stdout).toContain(`${sessionId}  running (still running)`);
    expect(awaited.stdout).toContain(`timed out after 1s: still running: ${sessionId}`);
    expect((await runWorktrain(['sessions', 'kill', sessionId], { home })).code).toBe(0);
  });

  it('pipeline run starts a pipeline; show has its classify child; cancel ends it cancelled', {
    timeout: 180_000,
  }, async () => {
    const run = await cli([
      'pipeline',
      'run',
      'feature',
      '--goal',
      'Add a subtract()',
      '--workspace',
      fx.repoDir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { pipelineId } = parseJson(run) as { pipelineId: string };
    expect(pipelineId).toMatch(/^pl_/);

    const detail = await waitFor(
      async () => {
        const d = parseJson(await cli(['pipeline', 'show', pipelineId])) as {
          view: { status: string; stage: string };
          children: Array<{ key: string; sessionId: string; sessionStatus: string }>;
        };
        return d.children.some((c) => c.key === 'classify' && c.sessionStatus === 'running') ? d : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(detail.view).toMatchObject({ status: 'running', stage: 'classify' });
    const classify = detail.children.find((c) => c.key === 'classify');
    const text = await runWorktrain(['pipeline', 'show', pipelineId], { home });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Status {4}running$/m);
    expect(text.stdout).toMatch(/^Stage {5}classify \(attempt 1\)$/m);
    expect(text.stdout).toMatch(
      new RegExp(`^ {2}classify +${classify?.sessionId} +wr\\.classify-task +running`, 'm'),
    );
    expect(text.stdout).toMatch(/^Proof {5}pl_\w+ \(\d+ entr(y|ies), \d+ seals?\)$/m);

    const listed = parseJson(await cli(['pipeline', 'list', '--status', 'running'])) as {
      pipelines: Array<{ pipelineId: string }>;
    };
    expect(listed.pipelines.map((p) => p.pipelineId)).toContain(pipelineId);
    const tree = parseJson(await cli(['sessions', 'list', '--tree'])) as {
      pipelines: Array<{ pipelineId: string; children: Array<{ sessionId: string }> }>;
    };
    expect(tree.pipelines.find((p) => p.pipelineId === pipelineId)?.children.map((c) => c.sessionId)).toEqual(
      [classify?.sessionId],
    );

    // Operator guidance: recorded in the pipeline for the children started after it.
    const told = await cli(['tell', pipelineId, 'Keep the change to one line.']);
    expect(told.code, told.stdout).toBe(0);
    expect(parseJson(told)).toEqual({ target: pipelineId, kind: 'pipeline', accepted: true });
    const withGuidance = parseJson(await cli(['pipeline', 'show', pipelineId])) as {
      view: { guidance: Array<{ text: string }> };
    };
    expect(withGuidance.view.guidance.map((g) => g.text)).toEqual(['Keep the change to one line.']);

    const cancel = await cli(['pipeline', 'cancel', pipelineId, '--reason', 'test over']);
    expect(cancel.code, cancel.stdout).toBe(0);
    expect(parseJson(cancel)).toEqual({ pipelineId, cancelRequested: true });
    const ended = await waitFor(
      async () => {
        const d = parseJson(await cli(['pipeline', 'show', pipelineId])) as {
          view: { status: string; endReason: string | null };
        };
        return d.view.status !== 'running' ? d.view : null;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(ended).toMatchObject({ status: 'cancelled', endReason: expect.stringContaining('test over') });
  });
});
