import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '@worktrain/contracts';
import { createGitHubForge, deliver } from '@worktrain/delivery';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runWorktrain, tempDir } from './helpers.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const TOKEN = 'ghs_cliRollbackTestToken000000000000';
const SESSION = 'sess_rollback1';

let dir: ReturnType<typeof tempDir>;
let fx: GitFixture;
let gh: FakeGitHub;
let home: string;

/** A session delivered to the fake GitHub by the real delivery code, in the SQLite store of `home`. */
async function deliveredSession(
  options: { deliver?: boolean } = {},
): Promise<{ commitSha: string; branch: string }> {
  const worktree = join(fx.rootDir, 'wt');
  await fx.git(['worktree', 'add', '-q', '-b', `worktrain/${SESSION}`, worktree, 'refs/remotes/origin/main']);
  writeFileSync(join(worktree, 'a.txt'), 'changed\n');
  const store = createSqliteSessionStore({ path: join(home, 'worktrain.db') })._unsafeUnwrap();
  try {
    (
      await store.append({
        sessionId: SESSION,
        expectedSeq: 0,
        events: [
          {
            kind: 'session_created',
            data: {
              workflowId: 'wr.coding-task',
              workflowVersion: '1',
              workflowHash: `sha256:${'1'.repeat(64)}`,
              title: 'Change a',
              goal: 'Change a',
              workspacePath: worktree,
              parentSessionId: null,
              source: 'daemon',
              context: {
                daemon: {
                  taskId: 't1',
                  repoPath: fx.repoDir,
                  repo: 'acme/widgets',
                  forge: 'github',
                  issueNumber: 7,
                },
              } as JsonObject,
            },
          },
          {
            kind: 'decision_trace',
            data: {
              nodeId: null,
              decision: 'worktree_ready',
              reason: 'worktree created',
              data: { path: worktree, branch: `worktrain/${SESSION}`, baseBranch: 'main' },
            },
          },
          {
            kind: 'output_appended',
            data: {
              nodeId: 'n1',
              stepId: 'handoff',
              notesMarkdown: 'Changed a.',
              artifacts: [
                {
                  kind: 'wr.coding_handoff',
                  version: 1,
                  keyDecisions: [],
                  knownLimitations: [],
                  testsAdded: [],
                  filesChanged: ['a.txt'],
                },
              ],
            },
          },
        ],
      })
    )._unsafeUnwrap();
    if (options.deliver === false) return { commitSha: '', branch: `worktrain/${SESSION}` };
    const forge = createGitHubForge({ owner: 'acme', repo: 'widgets', token: TOKEN, baseUrl: gh.url });
    const r = (
      await deliver(
        { sessionId: SESSION, worktreePath: worktree, baseBranch: 'main' },
        { store, forge, pushToken: TOKEN, identity: { name: 'Bot', email: 'bot@worktrain.invalid' } },
      )
    )._unsafeUnwrap();
    return { commitSha: r.commitSha, branch: r.branch };
  } finally {
    store.close();
  }
}

beforeEach(async () => {
  dir = tempDir('rollback');
  home = join(dir.path, 'home');
  mkdirSync(home, { recursive: true });
  fx = await createGitFixture({ files: { 'a.txt': 'original\n' } });
  gh = await startFakeGitHub({ tokens: { [TOKEN]: 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', originDir: fx.originDir });
  writeFileSync(
    join(home, 'config.yaml'),
    `forge:\n  github:\n    token: $GITHUB_TOKEN\n    apiBaseUrl: ${gh.url}\n`,
  );
});
afterEach(async () => {
  await gh.close();
  await fx.cleanup();
  dir.cleanup();
});

const env = {
  GITHUB_TOKEN: TOKEN,
  USER: 'alice',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Alice',
  GIT_AUTHOR_EMAIL: 'alice@worktrain.invalid',
  GIT_COMMITTER_NAME: 'Alice',
  GIT_COMMITTER_EMAIL: 'alice@worktrain.invalid',
};

describe('worktrain delivery rollback', () => {
  it('reverts the branch and closes the PR with a note; running it again changes nothing', async () => {
    const { commitSha, branch } = await deliveredSession();
    const run = await runWorktrain(
      ['delivery', 'rollback', SESSION, '--reason', 'broke prod', '--format', 'json'],
      { home, env },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = parseJson(run) as {
      reverted: boolean;
      revertSha: string;
      changeRequest: { closedNow: boolean };
    };
    expect(out).toMatchObject({
      reverted: true,
      replayed: false,
      changeRequest: { number: 1, closedNow: true },
    });
    expect(await fx.originRef(branch)).toBe(out.revertSha);
    expect(await fx.git(['rev-parse', `${out.revertSha}^`], fx.originDir)).toBe(commitSha);
    const pr = gh.state.repo('acme', 'widgets')?.items.find((i) => i.pull?.head === branch);
    expect(pr?.state).toBe('closed');
    expect(pr?.comments[0]?.body).toContain('asked by cli:alice');
    expect(pr?.comments[0]?.body).toContain('Reason: broke prod');

    const again = await runWorktrain(['delivery', 'rollback', SESSION], { home, env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already rolled back');
    expect(pr?.comments).toHaveLength(1);
  });

  it('exits 1 with a clear error when the session delivered nothing', async () => {
    const store = createSqliteSessionStore({ path: join(home, 'worktrain.db') })._unsafeUnwrap();
    (
      await store.append({
        sessionId: 'sess_nothing',
        expectedSeq: 0,
        events: [
          {
            kind: 'session_created',
            data: {
              workflowId: 'wr.coding-task',
              workflowVersion: '1',
              workflowHash: `sha256:${'1'.repeat(64)}`,
              goal: 'x',
              workspacePath: fx.repoDir,
              parentSessionId: null,
              source: 'cli',
              context: {},
            },
          },
        ],
      })
    )._unsafeUnwrap();
    store.close();
    const run = await runWorktrain(['delivery', 'rollback', 'sess_nothing', '--format', 'json'], {
      home,
      env,
    });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('NOTHING_DELIVERED');
  });
});

describe('worktrain delivery apply', () => {
  it('reports a 3-way conflict with files and hunks, exit 1', async () => {
    writeFileSync(join(fx.repoDir, 'a.txt'), 'from the patch\n');
    const patch = await fx.git(['diff']);
    writeFileSync(join(dir.path, 'p.diff'), `${patch}\n`);
    await fx.commitFiles({ 'a.txt': 'from the worktree\n' }, 'diverge');
    const run = await runWorktrain(
      ['delivery', 'apply', join(dir.path, 'p.diff'), '--worktree', fx.repoDir, '--format', 'json'],
      { home, env },
    );
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout || run.stderr) as {
      error: { code: string; details: { deliveryCode: string; conflicts: unknown } };
    };
    expect(out.error.code).toBe('DELIVERY_ERROR');
    expect(out.error.details.deliveryCode).toBe('APPLY_CONFLICT');
    expect(out.error.details.conflicts).toEqual([
      {
        path: 'a.txt',
        hunks: [{ startLine: 1, endLine: 5, ours: 'from the worktree', theirs: 'from the patch' }],
      },
    ]);
  });

  it('--check applies nothing and exits 0 when the patch applies', async () => {
    writeFileSync(join(fx.repoDir, 'a.txt'), 'new\n');
    const patch = await fx.git(['diff']);
    await fx.git(['checkout', '--', 'a.txt']);
    writeFileSync(join(dir.path, 'ok.diff'), `${patch}\n`);
    const run = await runWorktrain(
      ['delivery', 'apply', join(dir.path, 'ok.diff'), '--worktree', fx.repoDir, '--check'],
      {
        home,
        env,
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('would apply (plain): a.txt');
    expect(await fx.git(['status', '--porcelain'])).toBe('');
  });
});

describe('worktrain delivery plan', () => {
  it("prints the dry run of a session's delivery and pushes nothing", async () => {
    gh.state.addIssue('acme', 'widgets', { title: 'x' });
    await deliveredSession({ deliver: false });
    const run = await runWorktrain(['delivery', 'plan', SESSION, '--format', 'json'], { home, env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(parseJson(run)).toMatchObject({
      target: 'github:acme/widgets',
      branch: `worktrain/${SESSION}`,
      baseBranch: 'main',
      issueNumber: 7,
      diffStat: { files: [{ path: 'a.txt', status: 'modified', insertions: 1, deletions: 1 }] },
      changeRequest: { title: 'fix: Change a' },
    });
    expect(await fx.originRef(`worktrain/${SESSION}`)).toBeUndefined();
    expect(gh.state.requests).toEqual([]);
    const text = await runWorktrain(['delivery', 'plan', SESSION], { home, env });
    expect(text.stdout).toContain('dry run: nothing was committed, pushed or opened');
    expect(text.stdout).toContain('1 file changed');
  });
});
