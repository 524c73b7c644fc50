/**
 * Integration harness: a real engine over a real SQLite file, the conversation store in the same file, a
 * file keyring (so a child process can share it), and a temp git repository with a worktree holding a
 * small buggy package.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errAsync, type JsonObject, makeError, okAsync } from '@worktrain/contracts';
import {
  createEngine,
  createFileKeyring,
  type Engine,
  type LoadedWorkflow,
  type WorkflowRegistry,
} from '@worktrain/engine';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';
import {
  type ConversationStore,
  createScriptedProvider,
  createSqliteConversationStore,
  type ModelProvider,
  type ScriptedTurn,
  type TurnRequest,
} from '../../src/index.js';

/** Three steps like a small coding workflow; `fix` requires "Fixed" in its notes. */
export const CODING_WORKFLOW: JsonObject = {
  id: 'test.agent-coding',
  name: 'Agent coding',
  description: 'Investigate, fix, verify.',
  version: '1.0.0',
  metaGuidance: ['Run ./test.sh before completing a step that changes code.'],
  steps: [
    { id: 'investigate', title: 'Investigate', prompt: 'Find why ./test.sh fails.' },
    {
      id: 'fix',
      title: 'Fix',
      prompt: 'Fix the bug in src/add.js.',
      validationCriteria: [
        { type: 'contains', value: 'Fixed', message: 'Say "Fixed" in the notes when the bug is fixed' },
      ],
    },
    { id: 'verify', title: 'Verify', prompt: 'Run ./test.sh and report.' },
  ],
};

export const GATE_WORKFLOW: JsonObject = {
  id: 'test.agent-gate',
  name: 'Agent gate',
  description: 'A plan that needs approval.',
  version: '1.0.0',
  steps: [
    { id: 'plan', title: 'Plan', prompt: 'Plan the change.', requireConfirmation: true },
    { id: 'ship', title: 'Ship', prompt: 'Ship it.' },
  ],
};

export function staticRegistry(definitions: readonly JsonObject[]): WorkflowRegistry {
  const loaded: LoadedWorkflow[] = definitions.map((definition) => ({
    workflowId: String(definition.id),
    source: { kind: 'custom', path: `memory://${String(definition.id)}.json` },
    definition,
  }));
  return {
    list: () => okAsync({ workflows: loaded, invalid: [] }),
    get: (id) => {
      const found = loaded.find((w) => w.workflowId === id);
      return found === undefined
        ? errAsync(makeError('WORKFLOW_NOT_FOUND', `no workflow ${id}`))
        : okAsync(found);
    },
  };
}

export interface Harness {
  readonly dir: string;
  readonly dbPath: string;
  readonly keysDir: string;
  readonly worktree: string;
  readonly engine: Engine;
  readonly store: SqliteSessionStore;
  readonly conversations: ConversationStore;
  start(workflowId?: string, context?: JsonObject): Promise<{ sessionId: string; continueToken: string }>;
  close(): void;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', args, {
    cwd,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  });
}

/** Opens stores and an engine over files in `dir` (a second call on the same dir reopens them). */
export function openHarness(dir: string, worktree: string): Harness {
  const dbPath = join(dir, 'worktrain.db');
  const keysDir = join(dir, 'keys');
  const store = createSqliteSessionStore({ path: dbPath })._unsafeUnwrap();
  const conversations = createSqliteConversationStore({ database: store.database })._unsafeUnwrap();
  const keyring = createFileKeyring(keysDir)._unsafeUnwrap();
  const engine = createEngine({
    store,
    keyring,
    workflows: staticRegistry([CODING_WORKFLOW, GATE_WORKFLOW]),
  });
  return {
    dir,
    dbPath,
    keysDir,
    worktree,
    engine,
    store,
    conversations,
    async start(workflowId = 'test.agent-coding', context = {}) {
      const started = (
        await engine.startWorkflow({
          workflowId,
          goal: 'Fix the failing test',
          context,
          mode: 'autonomous',
          workspacePath: worktree,
          source: 'test',
        })
      )._unsafeUnwrap();
      return { sessionId: started.sessionId, continueToken: started.continueToken ?? '' };
    },
    close: () => {
      store.close();
    },
  };
}

/** A temp dir with a git repo, a worktree on `worktrain/test` holding a buggy add(), and open stores. */
export function makeHarness(): Harness & { cleanup(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agent-e2e-')));
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  writeFileSync(join(repo, 'src', 'add.js'), 'export function add(a, b) {\n  return a - b;\n}\n');
  writeFileSync(
    join(repo, 'test.sh'),
    '#!/bin/sh\ngrep -q "return a + b" src/add.js && echo PASS || { echo FAIL; exit 1; }\n',
    { mode: 0o755 },
  );
  writeFileSync(join(repo, 'AGENTS.md'), '# Rules\nAlways run ./test.sh.\n');
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'init');
  const worktree = join(dir, 'worktrees', 'wt');
  git(repo, 'worktree', 'add', '-q', '-b', 'worktrain/test', worktree);
  const h = openHarness(dir, worktree);
  return {
    ...h,
    cleanup: () => {
      h.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Wraps a provider and keeps every request it receives. */
export function recording(provider: ModelProvider): ModelProvider & { requests: TurnRequest[] } {
  const requests: TurnRequest[] = [];
  return {
    ...provider,
    requests,
    turn: (request) => {
      requests.push(request);
      return provider.turn(request);
    },
  };
}

export function scripted(turns: readonly ScriptedTurn[]): ModelProvider & { requests: TurnRequest[] } {
  return recording(createScriptedProvider({ turns })._unsafeUnwrap());
}

/** A scripted run of CODING_WORKFLOW: fails the test, reads, fixes, is blocked once, verifies. */
export const FIX_SCRIPT: ScriptedTurn[] = [
  {
    step: 'investigate',
    text: 'Let me look.',
    toolCalls: [
      { name: 'bash', input: { command: './test.sh' } },
      { name: 'read_file', input: { path: 'src/add.js' } },
    ],
  },
  {
    step: 'investigate',
    toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'add() subtracts.' } }],
  },
  {
    step: 'fix',
    toolCalls: [
      { name: 'edit_file', input: { path: 'src/add.js', old_string: 'a - b', new_string: 'a + b' } },
    ],
  },
  { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'changed the operator' } }] },
  { step: 'fix', toolCalls: [{ name: 'complete_step', input: { notesMarkdown: 'Fixed the operator.' } }] },
  {
    step: 'verify',
    toolCalls: [
      { name: 'bash', input: { command: './test.sh' } },
      { name: 'complete_step', input: { notesMarkdown: 'PASS' } },
    ],
  },
];

/** Polls `check` every 20 ms until it holds or `timeoutMs` passes. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
