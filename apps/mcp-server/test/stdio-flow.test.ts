import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callOk, connectStdio, fixturesDir, makeSandbox, type Sandbox } from './helpers.js';

const loopStop = (decision: 'continue' | 'stop') => [{ kind: 'wr.loop_control', decision }];

describe('stdio: the official MCP client drives a workflow to completion', () => {
  let sandbox: Sandbox;
  let client: Client;
  let close: () => Promise<void>;

  beforeAll(async () => {
    sandbox = makeSandbox();
    const connected = await connectStdio(sandbox);
    client = connected.client;
    close = () => connected.client.close();
  });

  afterAll(async () => {
    await close?.();
    sandbox?.cleanup();
  });

  it('lists exactly the six WorkRail v2 tools with their input parameters', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()].sort()).toEqual([
      'checkpoint_workflow',
      'continue_workflow',
      'inspect_workflow',
      'list_workflows',
      'resume_session',
      'start_workflow',
    ]);
    const continueProps = Object.keys(byName.get('continue_workflow')?.inputSchema.properties ?? {});
    for (const p of ['continueToken', 'intent', 'context', 'contextVariables', 'output', 'workspacePath']) {
      expect(continueProps).toContain(p);
    }
    expect(byName.get('continue_workflow')?.inputSchema.required).toEqual(['continueToken']);
    expect(Object.keys(byName.get('start_workflow')?.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['workflowId', 'workspacePath']),
    );
    expect(byName.get('list_workflows')?.annotations?.readOnlyHint).toBe(true);
  });

  it('lists the test workflows from --workflows', async () => {
    const { body, text } = await callOk(client, 'list_workflows', { workspacePath: sandbox.workspace });
    // Like WorkRail, the non-step tools' text is the response as JSON (clients parse it).
    expect(JSON.parse(text)).toEqual(body);
    const ids = body.workflows.map((w: { workflowId: string }) => w.workflowId);
    expect(ids).toEqual(expect.arrayContaining(['mcp-test-full', 'mcp-test-long', 'mcp-test-short']));
  });

  it('includes <workspacePath>/.worktrain/workflows/ only for the workspace a request names', async () => {
    const projectDir = join(sandbox.workspace, '.worktrain', 'workflows');
    mkdirSync(projectDir, { recursive: true });
    const definition = JSON.parse(readFileSync(join(fixturesDir, 'mcp-test-short.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(projectDir, 'project-only.json'),
      JSON.stringify({ ...definition, id: 'project-only', name: 'Project only' }),
    );
    const withWorkspace = await callOk(client, 'list_workflows', { workspacePath: sandbox.workspace });
    const project = withWorkspace.body.workflows.find(
      (w: { workflowId: string }) => w.workflowId === 'project-only',
    );
    expect(project?.source.kind).toBe('project');
    const elsewhere = await callOk(client, 'list_workflows', { workspacePath: sandbox.root });
    expect(elsewhere.body.workflows.map((w: { workflowId: string }) => w.workflowId)).not.toContain(
      'project-only',
    );
  });

  it('inspects a workflow in metadata and preview modes', async () => {
    const meta = await callOk(client, 'inspect_workflow', {
      workflowId: 'mcp-test-full',
      mode: 'metadata',
      workspacePath: sandbox.workspace,
    });
    expect(meta.body.workflowId).toBe('mcp-test-full');
    expect(meta.body.mode).toBe('metadata');
    const preview = await callOk(client, 'inspect_workflow', {
      workflowId: 'mcp-test-full',
      workspacePath: sandbox.workspace,
    });
    expect(preview.body.mode).toBe('preview');
    expect(JSON.stringify(preview.body.compiled)).toContain('confirm-plan');
  });

  it('runs through a skipped step, a loop, a blocked contract, a confirmation gate, to completion', async () => {
    const start = await callOk(client, 'start_workflow', {
      workflowId: 'mcp-test-full',
      workspacePath: sandbox.workspace,
      goal: 'exercise every step feature',
      context: { mode: 'quick' },
    });
    expect(start.body.pending.stepId).toBe('intro');
    expect(start.body.isComplete).toBe(false);
    expect(start.body.continueToken).toMatch(/^ct_/);
    expect(start.body.nextCall).toEqual({
      tool: 'continue_workflow',
      params: { continueToken: start.body.continueToken },
    });
    // The text rendering leads with the prompt and ends with the exact next call.
    expect(start.text).toContain('Describe the task in one sentence.');
    expect(start.text).toContain(JSON.stringify({ continueToken: start.body.continueToken }));
    expect(start.text.indexOf('Describe the task')).toBeLessThan(
      start.text.indexOf(start.body.continueToken),
    );

    // intro done: the runCondition step (mode == full) is skipped, the loop starts.
    let step = await callOk(client, 'continue_workflow', {
      continueToken: start.body.continueToken,
      output: { notesMarkdown: 'Introduced the task.' },
    });
    expect(step.body.kind).toBe('ok');
    expect(step.body.pending.stepId).toBe('iterate');

    // Missing loop_control artifact: the output contract blocks, with a retry token.
    const blocked = await callOk(client, 'continue_workflow', {
      continueToken: step.body.continueToken,
      output: { notesMarkdown: 'Iteration 1, forgot the artifact.' },
    });
    expect(blocked.body.kind).toBe('blocked');
    expect(blocked.body.blockers.length).toBeGreaterThan(0);
    expect(blocked.body.retryable).toBe(true);
    expect(blocked.text).toContain(blocked.body.blockers[0].code);
    const retryToken = blocked.body.retryContinueToken ?? blocked.body.continueToken;
    expect(retryToken).toMatch(/^ct_/);

    // Fixed: continue the loop once, then stop it.
    step = await callOk(client, 'continue_workflow', {
      continueToken: retryToken,
      output: { notesMarkdown: 'Iteration 1 done.', artifacts: loopStop('continue') },
    });
    expect(step.body.kind).toBe('ok');
    expect(step.body.pending.stepId).toBe('iterate');
    step = await callOk(client, 'continue_workflow', {
      continueToken: step.body.continueToken,
      output: { notesMarkdown: 'Iteration 2 done.', artifacts: loopStop('stop') },
    });
    expect(step.body.pending.stepId).toBe('confirm-plan');
    expect(step.body.nextIntent).toBe('await_user_confirmation');
    expect(step.text).toContain("user's confirmation");

    // Rehydrate (no output) shows the same pending step without advancing.
    const again = await callOk(client, 'continue_workflow', {
      continueToken: step.body.continueToken,
      workspacePath: sandbox.workspace,
    });
    expect(again.body.pending.stepId).toBe('confirm-plan');

    step = await callOk(client, 'continue_workflow', {
      continueToken: step.body.continueToken,
      output: { notesMarkdown: 'User confirmed.' },
    });
    expect(step.body.pending.stepId).toBe('finish');
    const done = await callOk(client, 'continue_workflow', {
      continueToken: step.body.continueToken,
      output: { notesMarkdown: 'All done.' },
    });
    expect(done.body.isComplete).toBe(true);
    expect(done.body.pending).toBeNull();
    expect(done.body.nextCall).toBeNull();
    expect(done.text).toContain('Workflow complete');
  });

  it('accepts WorkRail aliases: contextVariables for context, top-level notes and artifacts for output', async () => {
    const start = await callOk(client, 'start_workflow', {
      workflowId: 'mcp-test-full',
      workspacePath: sandbox.workspace,
      context: { mode: 'quick' },
    });
    // The changed fact flips the runCondition of the next step: it is no longer skipped.
    const step = await callOk(client, 'continue_workflow', {
      continueToken: start.body.continueToken,
      contextVariables: { mode: 'full' },
      notes: 'Introduced; switching to full mode.',
    });
    expect(step.body.pending.stepId).toBe('deep-dive');
    const loop = await callOk(client, 'continue_workflow', {
      continueToken: step.body.continueToken,
      notes: 'Deep dive done.',
    });
    expect(loop.body.pending.stepId).toBe('iterate');
    const after = await callOk(client, 'continue_workflow', {
      continueToken: loop.body.continueToken,
      notes: 'One iteration is enough.',
      artifacts: loopStop('stop'),
    });
    expect(after.body.kind).toBe('ok');
    expect(after.body.pending.stepId).toBe('confirm-plan');
  });

  it('checkpoints, then resumes the session from resume_session in a "new chat"', async () => {
    const start = await callOk(client, 'start_workflow', {
      workflowId: 'mcp-test-short',
      workspacePath: sandbox.workspace,
      goal: 'checkpoint the zebra migration',
    });
    const checkpoint = await callOk(client, 'checkpoint_workflow', {
      checkpointToken: start.body.checkpointToken,
    });
    expect(checkpoint.body.resumeToken).toMatch(/^st_/);
    expect(checkpoint.text).toContain(checkpoint.body.resumeToken);

    const found = await callOk(client, 'resume_session', {
      query: 'zebra migration',
      workspacePath: sandbox.workspace,
    });
    const candidate = found.body.candidates.find(
      (c: { sessionId: string }) => c.sessionId === start.body.sessionId,
    );
    expect(candidate).toBeDefined();
    expect(candidate.nextCall.params.intent).toBe('rehydrate');

    const rehydrated = await callOk(client, 'continue_workflow', {
      ...candidate.nextCall.params,
      workspacePath: sandbox.workspace,
    });
    expect(rehydrated.body.pending.stepId).toBe('one');
    // A resume token only rehydrates; advancing needs the continue token it hands back.
    const advanced = await callOk(client, 'continue_workflow', {
      continueToken: rehydrated.body.continueToken,
      output: { notesMarkdown: 'Step one done after resuming.' },
    });
    expect(advanced.body.pending.stepId).toBe('two');
    const refused = await call(client, 'continue_workflow', {
      continueToken: checkpoint.body.resumeToken,
      intent: 'advance',
      output: { notesMarkdown: 'trying to advance with a resume token' },
    });
    expect(refused.isError).toBe(true);
    expect(refused.body.code).toMatch(/^TOKEN_/);
  });
});
