import { join } from 'node:path';
import type { JsonObject, JsonValue } from '@worktrain/contracts';
import { createMemorySessionStore, type SessionStore } from '@worktrain/session-store';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { createGitHubForge, type DeliverDeps, type DeliverInput } from '../src/index.js';

// Git in these tests must not depend on the machine's global or system config (signing, hooks paths, …).
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

export const OWNER = 'acme';
export const REPO = 'widgets';
export const TOKEN = 'ghs_fakeTokenForTestsOnly000000000000';

export interface Harness {
  readonly fx: GitFixture;
  readonly gh: FakeGitHub;
  readonly store: SessionStore;
  readonly sessionId: string;
  readonly worktree: string;
  readonly issueNumber: number;
  git(args: readonly string[], cwd?: string): Promise<string>;
  write(files: Record<string, string>): Promise<void>;
  input(extra?: Partial<DeliverInput>): DeliverInput;
  deps(extra?: Partial<DeliverDeps>): DeliverDeps;
  close(): Promise<void>;
}

export const HANDOFF = {
  kind: 'wr.coding_handoff',
  version: 1,
  keyDecisions: ['Clamp the page index instead of throwing'],
  knownLimitations: [],
  testsAdded: ['test/page.test.ts'],
  filesChanged: ['src/page.ts'],
};

/**
 * A repository with a bare origin (testkit), the fake GitHub serving it, a memory session store holding a
 * session whose last step output carries `handoff`, and the session's worktree on `worktrain/<id>`.
 */
export async function createHarness(
  options: { files?: Record<string, string>; handoff?: JsonValue | null; notes?: string } = {},
): Promise<Harness> {
  const fx = await createGitFixture({
    files: options.files ?? { 'README.md': '# widgets\n', 'src/page.ts': 'export const page = 1;\n' },
  });
  const gh = await startFakeGitHub({ tokens: { [TOKEN]: 'worktrain-bot' } });
  gh.state.addRepo({ owner: OWNER, name: REPO, originDir: fx.originDir });
  const issue = gh.state.addIssue(OWNER, REPO, { title: 'Pagination is off by one', body: 'Page 0 crashes' });
  const sessionId = 'sess_deliver1';
  const worktree = join(fx.rootDir, 'worktrees', sessionId);
  await fx.git([
    'worktree',
    'add',
    '-q',
    '--no-track',
    '-b',
    `worktrain/${sessionId}`,
    worktree,
    'refs/remotes/origin/main',
  ]);
  const store = createMemorySessionStore();
  const created = await store.append({
    sessionId,
    expectedSeq: 0,
    events: [
      {
        kind: 'session_created',
        data: {
          workflowId: 'wr.coding-task',
          workflowVersion: '1',
          workflowHash: `sha256:${'1'.repeat(64)}`,
          title: 'Clamp the page index',
          goal: 'Fix issue #1',
          workspacePath: worktree,
          parentSessionId: null,
          source: 'test',
          context: {} as JsonObject,
        },
      },
      ...(options.handoff === null
        ? []
        : [
            {
              kind: 'output_appended' as const,
              data: {
                nodeId: 'node_1',
                stepId: 'handoff',
                notesMarkdown: options.notes ?? 'Clamped the page index so page 0 no longer crashes.',
                artifacts: [options.handoff ?? HANDOFF],
              },
            },
          ]),
    ],
  });
  if (created.isErr()) throw new Error(created.error.message);
  return {
    fx,
    gh,
    store,
    sessionId,
    worktree,
    issueNumber: issue.number,
    git: (args, cwd = worktree) => fx.git(args, cwd),
    write: async (files) => {
      const { mkdir, writeFile } = await import('node:fs/promises');
      const { dirname } = await import('node:path');
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(worktree, path)), { recursive: true });
        await writeFile(join(worktree, path), content);
      }
    },
    input: (extra = {}) => ({
      sessionId,
      worktreePath: worktree,
      baseBranch: 'main',
      issueNumber: issue.number,
      change: { type: 'fix', scope: 'page' },
      ...extra,
    }),
    deps: (extra = {}) => ({
      store,
      forge: createGitHubForge({ owner: OWNER, repo: REPO, token: TOKEN, baseUrl: gh.url }),
      pushToken: TOKEN,
      identity: { name: 'WorkTrain Bot', email: 'bot@worktrain.invalid' },
      ...extra,
    }),
    close: async () => {
      await gh.close();
      await fx.cleanup();
    },
  };
}

/** Pull requests of the fake repo whose head is `branch`. */
export function pullsFor(gh: FakeGitHub, branch: string) {
  return gh.state.repo(OWNER, REPO)?.items.filter((i) => i.pull?.head === branch) ?? [];
}
