/**
 * `pnpm demo`: the interactive core, end to end, offline, with no model.
 *
 * A SCRIPTED client (labelled as such in every line it prints) plays the part of your coding agent: it
 * starts `worktrain-mcp` over stdio with the official MCP SDK client, runs the bundled `wr.quick-task`
 * workflow, deliberately sends an incomplete step once to show a blocked result and its fix, finishes the
 * session, and then verifies the session's hash-chained log with the `worktrain` CLI.
 *
 * Usage: pnpm demo [--home <dir>]   (default: a fresh temp WORKTRAIN_HOME, kept so you can inspect it)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = resolve(import.meta.dirname, '..');
const homeFlag = process.argv.indexOf('--home');
const home =
  homeFlag > 0 ? resolve(process.argv[homeFlag + 1] ?? '') : mkdtempSync(join(tmpdir(), 'worktrain-demo-'));
const label = '[scripted client]';

type Payload = {
  sessionId?: string;
  kind?: string;
  continueToken?: string;
  retryContinueToken?: string;
  isComplete?: boolean;
  pending?: { stepId: string; title: string; prompt: string } | null;
  blockers?: { code: string; message: string }[];
  workflows?: { workflowId: string; name: string }[];
  code?: string;
  message?: string;
};

function payloadOf(result: unknown): Payload {
  const r = result as { structuredContent?: Payload; isError?: boolean };
  if (r.isError) throw new Error(`tool error: ${r.structuredContent?.code}: ${r.structuredContent?.message}`);
  return r.structuredContent ?? {};
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(): Promise<void> {
  say(`WorkTrain demo — no model is called: a scripted client stands in for your agent.`);
  say(`WORKTRAIN_HOME=${home}\n`);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(root, 'apps/mcp-server/bin/worktrain-mcp.js')],
    env: { ...process.env, WORKTRAIN_HOME: home } as Record<string, string>,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'worktrain-demo (scripted)', version: '1.0.0' });
  await client.connect(transport);
  const tools = await client.listTools();
  say(`${label} connected to worktrain-mcp; tools: ${tools.tools.map((t) => t.name).join(', ')}`);

  const listed = payloadOf(
    await client.callTool({ name: 'list_workflows', arguments: { workspacePath: root } }),
  );
  say(
    `${label} list_workflows → ${listed.workflows?.length ?? 0} workflows (${listed.workflows
      ?.map((w) => w.workflowId)
      .slice(0, 6)
      .join(', ')}, …)`,
  );

  let response = payloadOf(
    await client.callTool({
      name: 'start_workflow',
      arguments: { workflowId: 'wr.quick-task', workspacePath: root },
    }),
  );
  const sessionId = response.sessionId ?? '(unknown)';
  say(`${label} start_workflow wr.quick-task → session ${sessionId}`);

  let first = true;
  while (!response.isComplete && response.pending) {
    const step = response.pending;
    say(
      `\n  step "${step.title}" (${step.stepId}): ${step.prompt
        .split('\n')
        .find((l) => l.trim() !== '' && !l.startsWith('#'))
        ?.slice(0, 100)}…`,
    );
    if (first) {
      // Show the engine checking the step's contract: notes are required for this step.
      first = false;
      const blocked = payloadOf(
        await client.callTool({
          name: 'continue_workflow',
          arguments: { continueToken: response.continueToken, intent: 'advance', output: { artifacts: [] } },
        }),
      );
      say(
        `${label} continue_workflow without notes → ${blocked.kind}: ${blocked.blockers?.map((b) => b.code).join(', ')}`,
      );
      response = { ...response, continueToken: blocked.retryContinueToken ?? response.continueToken };
    }
    response = payloadOf(
      await client.callTool({
        name: 'continue_workflow',
        arguments: {
          continueToken: response.continueToken,
          intent: 'advance',
          output: {
            notesMarkdown: `(scripted demo notes for "${step.title}") Changed nothing; this is a demonstration run.`,
          },
        },
      }),
    );
    say(
      `${label} continue_workflow with notes → ${response.kind ?? 'ok'}${response.isComplete ? ', workflow complete' : ''}`,
    );
  }
  await client.close();

  say(`\nThe session log, verified by the CLI (worktrain sessions verify ${sessionId}):`);
  const cli = join(root, 'apps/cli/bin/worktrain.js');
  const verify = spawnSync(process.execPath, [cli, 'sessions', 'verify', sessionId, '--home', home], {
    encoding: 'utf8',
  });
  say(verify.stdout.trim() || verify.stderr.trim());
  say(`\nLook around: node apps/cli/bin/worktrain.js sessions show ${sessionId} --home ${home}`);
  if (verify.status !== 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
