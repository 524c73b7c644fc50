/**
 * Issue #15 acceptance: SIGKILL the daemon while it runs the `feature` pipeline — after a review verdict,
 * during a fix session, before the merge call (the gate waiting for CI) and right after the merge call —
 * then restart it on the same home. Each time the pipeline completes with exactly one PR, at most one merge,
 * the same two fix rounds, and `worktrain verify <pr-url>` ok.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { describe, expect, it } from 'vitest';
import {
  GOAL,
  OWNER,
  playCi,
  projectFiles,
  REPO,
  tinyProject,
  writeHome,
} from '../../../scripts/demo-pipeline/project.js';
import { type Daemon, repoRoot, startDaemon, waitFor } from './helpers.js';

interface Detail {
  view: {
    status: string;
    endReason: string | null;
    state: { fixRounds?: number; pr?: { url: string } } | null;
  };
  children: { key: string; sessionId: string; ended: string | null }[];
  proof: { entries: { gate: string; verdict: string }[] } | null;
}

interface Rig {
  root: string;
  home: string;
  git: GitFixture;
  gh: FakeGitHub;
  /** CI turns green only on heads `ciAllowed` accepts (the test holds the final head back to stop at the gate). */
  ciAllowed: (sha: string) => boolean;
  stopCi(): void;
}

async function rig(): Promise<Rig> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'wt-pipeline-crash-')));
  const git = await createGitFixture({ files: projectFiles(), parentDir: root });
  const gh = await startFakeGitHub();
  gh.state.addRepo({ owner: OWNER, name: REPO, originDir: git.originDir });
  const r: Rig = {
    root,
    home: writeHome(root, { githubUrl: gh.url, project: tinyProject(), mergePollIntervalMs: 100 }),
    git,
    gh,
    ciAllowed: () => true,
    stopCi: () => undefined,
  };
  const stop = playCi(gh, [{ name: REPO, originDir: git.originDir }], {
    intervalMs: 50,
    allow: (sha) => r.ciAllowed(sha),
  });
  r.stopCi = stop;
  return r;
}

const detailOf = async (d: Daemon, id: string): Promise<Detail> =>
  (await (await d.api(`/pipelines/${id}`)).json()) as Detail;

/** Starts the pipeline, SIGKILLs the daemon once `when` holds, restarts it and waits for the end. */
async function crashAndRecover(r: Rig, when: (d: Daemon, id: string) => Promise<boolean>): Promise<Detail> {
  const first = await startDaemon(r.home);
  const res = await first.api('/pipelines', {
    method: 'POST',
    body: JSON.stringify({ kind: 'feature', goal: GOAL, workspace: r.git.repoDir, repo: `${OWNER}/${REPO}` }),
  });
  expect(res.status).toBe(202);
  const { pipelineId } = (await res.json()) as { pipelineId: string };
  await waitFor('the kill point', async () => ((await when(first, pipelineId)) ? true : undefined), 180_000);
  first.child.kill('SIGKILL');
  await first.exited;
  r.ciAllowed = () => true;
  const second = await startDaemon(r.home);
  try {
    return await waitFor(
      'the pipeline to end after the restart',
      async () => {
        const d = await detailOf(second, pipelineId);
        return d.view.status === 'running' ? undefined : d;
      },
      180_000,
    );
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
}

function expectRecovered(r: Rig, detail: Detail): void {
  expect(detail.view).toMatchObject({ status: 'completed', state: { fixRounds: 2 } });
  const pulls = r.gh.state.repo(OWNER, REPO)?.items.filter((i) => i.pull !== undefined) ?? [];
  expect(pulls).toHaveLength(1);
  expect(pulls[0]?.pull?.merged).toBe(true);
  // One merge: main's history holds exactly one squash commit on top of the initial one.
  const log = execFileSync('git', ['--git-dir', r.git.originDir, 'log', '--oneline', 'main'], {
    encoding: 'utf8',
  });
  expect(log.trim().split('\n')).toHaveLength(2);
  expect(detail.children.filter((c) => c.key.startsWith('fix-')).map((c) => c.key)).toEqual([
    'fix-1',
    'fix-2',
  ]);
  const url = detail.view.state?.pr?.url ?? '';
  const verify = spawnSync(
    process.execPath,
    [
      '--conditions=@worktrain/source',
      '--import',
      'tsx',
      join(repoRoot, 'apps/cli/src/main.ts'),
      'verify',
      url,
      '--home',
      r.home,
      '--format',
      'json',
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  expect(verify.status, verify.stdout + verify.stderr).toBe(0);
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });
}

async function withRig(test: (r: Rig) => Promise<void>): Promise<void> {
  const r = await rig();
  try {
    await test(r);
  } finally {
    r.stopCi();
    await r.gh.close();
    rmSync(r.root, { recursive: true, force: true });
  }
}

describe('SIGKILL while the feature pipeline runs', () => {
  it(
    'after a review verdict',
    () =>
      withRig(async (r) => {
        const detail = await crashAndRecover(r, async (d, id) =>
          (await detailOf(d, id)).children.some((c) => c.key === 'review-1' && c.ended !== null),
        );
        expectRecovered(r, detail);
      }),
    420_000,
  );

  it(
    'during a fix session',
    () =>
      withRig(async (r) => {
        const detail = await crashAndRecover(r, async (d, id) =>
          (await detailOf(d, id)).children.some((c) => c.key === 'fix-1' && c.ended === null),
        );
        expectRecovered(r, detail);
      }),
    420_000,
  );

  it(
    'before the merge call, while the gate waits for CI',
    () =>
      withRig(async (r) => {
        // Green for the code and first fix heads only: the gate waits on the last head until the restart.
        const order: string[] = [];
        r.ciAllowed = (sha) => {
          if (!order.includes(sha)) order.push(sha);
          return order.indexOf(sha) < 2;
        };
        const detail = await crashAndRecover(r, async (d, id) =>
          (await detailOf(d, id)).children.some((c) => c.key === 'review-3' && c.ended !== null),
        );
        expectRecovered(r, detail);
      }),
    420_000,
  );

  it(
    'right after the merge call',
    () =>
      withRig(async (r) => {
        const detail = await crashAndRecover(r, async () =>
          (r.gh.state.repo(OWNER, REPO)?.items ?? []).some((i) => i.pull?.merged === true),
        );
        expectRecovered(r, detail);
      }),
    420_000,
  );
});
