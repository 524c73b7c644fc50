/**
 * Issue #14 "One patch validator": the CLI (`worktrain delivery apply`, a real child process) and the
 * daemon's delivery (`deliver` on a session worktree where the agent made the same change) refuse the same
 * hostile change with the same delivery code and the same reason codes.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JsonObject } from '@worktrain/contracts';
import { checkPatch, createGitHubForge, deliver } from '@worktrain/delivery';
import { createMemorySessionStore } from '@worktrain/session-store';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorktrain, tempDir } from './helpers.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const TOKEN = 'ghs_sameRulesTestToken0000000000000000';
let dir: ReturnType<typeof tempDir>;
let fx: GitFixture;
let gh: FakeGitHub;
let n = 0;

beforeAll(async () => {
  dir = tempDir('wt-same-rules-');
  fx = await createGitFixture({
    files: {
      'README.md': '# widgets\n',
      'src/page.ts': 'export const page = 1;\n',
      '.github/workflows/ci.yml': 'on: push\n',
    },
  });
  gh = await startFakeGitHub({ tokens: { [TOKEN]: 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', originDir: fx.originDir });
});

afterAll(async () => {
  await gh.close();
  await fx.cleanup();
  dir.cleanup();
});

/** A fresh worktree of origin/main (on `branch` when given). */
async function worktree(branch?: string): Promise<string> {
  n += 1;
  const path = join(fx.rootDir, `wt-${n}`);
  await fx.git(['worktree', 'add', '-q', ...(branch ? ['-b', branch] : ['--detach']), path, 'origin/main']);
  return path;
}

/** The change `make` does in a scratch worktree, as `git diff --binary` patch text. */
async function patchOf(make: (wt: string) => void): Promise<string> {
  const wt = await worktree();
  make(wt);
  await fx.git(['add', '-A'], wt);
  return fx.git(['diff', '--cached', '--binary'], wt);
}

/** `worktrain delivery apply` of the patch: delivery code and reason codes; the worktree stays untouched. */
async function cliRefusal(patch: string): Promise<{ code: string; reasons: string[] }> {
  const wt = await worktree();
  const file = join(dir.path, `p${n}.diff`);
  writeFileSync(file, `${patch}\n`);
  const run = await runWorktrain(['delivery', 'apply', file, '--worktree', wt, '--format', 'json'], {
    home: join(dir.path, 'home'),
  });
  expect(run.code).toBe(1);
  const out = JSON.parse(run.stdout || run.stderr) as {
    error: { details: { deliveryCode: string; reasons: { code: string }[] } };
  };
  expect(await fx.git(['status', '--porcelain'], wt)).toBe('');
  return { code: out.error.details.deliveryCode, reasons: out.error.details.reasons.map((r) => r.code) };
}

/** The daemon's delivery of a session whose agent left the change `make` in its worktree. */
async function daemonRefusal(make: (wt: string) => void): Promise<{ code: string; reasons: string[] }> {
  const sessionId = `sess_samerules${n + 1}`;
  const wt = await worktree(`worktrain/${sessionId}`);
  make(wt);
  const store = createMemorySessionStore();
  const handoff = {
    kind: 'wr.coding_handoff',
    version: 1,
    keyDecisions: [],
    knownLimitations: [],
    testsAdded: [],
    filesChanged: ['src/page.ts'],
  };
  (
    await store.append({
      sessionId,
      expectedSeq: 0,
      events: [
        {
          kind: 'session_created',
          data: {
            workflowId: 'wr.coding-task',
            workflowVersion: '1',
            workflowHash: `sha256:${'1'.repeat(64)}`,
            title: 'Hostile change',
            goal: 'Hostile change',
            workspacePath: wt,
            parentSessionId: null,
            source: 'test',
            context: {} as JsonObject,
          },
        },
        {
          kind: 'output_appended',
          data: { nodeId: 'n1', stepId: 'handoff', notesMarkdown: 'Done.', artifacts: [handoff] },
        },
      ],
    })
  )._unsafeUnwrap();
  const result = await deliver(
    {
      sessionId,
      worktreePath: wt,
      baseBranch: 'main',
      change: { type: 'fix', scope: 'page' },
      targets: ['**'],
    },
    {
      store,
      forge: createGitHubForge({ owner: 'acme', repo: 'widgets', token: TOKEN, baseUrl: gh.url }),
      pushToken: TOKEN,
      identity: { name: 'WorkTrain Bot', email: 'bot@worktrain.invalid' },
    },
  );
  const error = result._unsafeUnwrapErr();
  const reasons = (error.details?.reasons ?? []) as { code: string }[];
  expect(await fx.originRef(`worktrain/${sessionId}`)).toBeUndefined();
  return { code: error.code, reasons: reasons.map((r) => r.code) };
}

const write = (path: string, text: string) => (wt: string) => {
  mkdirSync(dirname(join(wt, path)), { recursive: true });
  writeFileSync(join(wt, path), text);
};

describe('the CLI and the daemon refuse the same hostile change with the same code', () => {
  it('an edit of .github/workflows waits for approval: NEEDS_APPROVAL / PROTECTED_PATH', async () => {
    const change = write('.github/workflows/ci.yml', 'on: push\njobs: { steal: { runs-on: x } }\n');
    const cli = await cliRefusal(await patchOf(change));
    const daemon = await daemonRefusal(change);
    expect(cli).toEqual({ code: 'NEEDS_APPROVAL', reasons: ['PROTECTED_PATH'] });
    expect(daemon).toEqual(cli);
  });

  it('a symlink out of the repository: PATCH_REJECTED / SYMLINK', async () => {
    const change = (wt: string) => symlinkSync('../../../../etc/passwd', join(wt, 'src', 'passwd'));
    const cli = await cliRefusal(await patchOf(change));
    const daemon = await daemonRefusal(change);
    expect(cli).toEqual({ code: 'PATCH_REJECTED', reasons: ['SYMLINK'] });
    expect(daemon).toEqual(cli);
  });

  it('an encoded traversal (src/%2e%2e/x.ts): PATCH_REJECTED / PATH_TRAVERSAL', async () => {
    const change = write('src/%2e%2e/x.ts', 'export const x = 1;\n');
    const cli = await cliRefusal(await patchOf(change));
    const daemon = await daemonRefusal(change);
    expect(cli).toEqual({ code: 'PATCH_REJECTED', reasons: ['PATH_TRAVERSAL'] });
    expect(daemon).toEqual(cli);
  });

  it('a literal ../x (git never lists one in a worktree diff): the daemon rules give the same code', async () => {
    const patch = [
      'diff --git a/../x b/../x',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/../x',
      '@@ -0,0 +1 @@',
      '+escaped',
    ].join('\n');
    const cli = await cliRefusal(patch);
    expect(cli).toEqual({ code: 'PATCH_REJECTED', reasons: ['PATH_TRAVERSAL'] });
    const verdict = checkPatch(
      [
        {
          path: '../x',
          status: 'added',
          oldMode: null,
          newMode: '100644',
          insertions: 1,
          deletions: 0,
          newSize: 8,
        },
      ],
      [{ path: '../x', line: 1, text: 'escaped' }],
      {},
    );
    expect(verdict.blocking.map((r) => r.code)).toEqual(cli.reasons);
  });
});
