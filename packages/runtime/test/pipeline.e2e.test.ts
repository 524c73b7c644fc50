/**
 * The `feature` pipeline through the real daemon: scripted model, the GitHub double serving a real git
 * origin, real worktrees, delivery's check (`node check.js`) in the sandbox. Blocking twice then clean makes
 * exactly two fix rounds on one PR and one merge at the head SHA, with a proof record that verifies; a
 * budget too small for the pipeline escalates it without a merge.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitFixture, type FakeGitHub, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GOAL,
  OWNER,
  playCi,
  projectFiles,
  REPO,
  tinyProject,
  writeHome,
} from '../../../scripts/demo-pipeline/project.js';
import { type Daemon, startDaemon, waitFor } from './helpers.js';

interface Detail {
  summary: { status: string };
  view: {
    status: string;
    endReason: string | null;
    state: Record<string, unknown> | null;
    guidance: { actor: string; text: string }[];
  };
  children: { key: string; sessionId: string; ended: string | null }[];
  spend: { sessions: number };
  proof: { entries: { gate: string; verdict: string }[] } | null;
  merges: { outcome: string; sha: string }[];
}

let root: string;
let git: GitFixture;
let gh: FakeGitHub;
let daemon: Daemon;
let stopCi: () => void;

async function dispatch(body: Record<string, unknown>): Promise<string> {
  const res = await daemon.api('/pipelines', {
    method: 'POST',
    body: JSON.stringify({
      kind: 'feature',
      goal: GOAL,
      workspace: git.repoDir,
      repo: `${OWNER}/${REPO}`,
      ...body,
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { pipelineId: string }).pipelineId;
}

async function ended(pipelineId: string): Promise<Detail> {
  return waitFor(
    `pipeline ${pipelineId} to end`,
    async () => {
      const detail = (await (await daemon.api(`/pipelines/${pipelineId}`)).json()) as Detail;
      return detail.view.status === 'running' ? undefined : detail;
    },
    240_000,
  );
}

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'wt-pipeline-e2e-')));
  git = await createGitFixture({ files: projectFiles(), parentDir: root });
  gh = await startFakeGitHub();
  gh.state.addRepo({ owner: OWNER, name: REPO, originDir: git.originDir });
  stopCi = playCi(gh, [{ name: REPO, originDir: git.originDir }]);
  daemon = await startDaemon(
    writeHome(root, { githubUrl: gh.url, project: tinyProject(), mergePollIntervalMs: 100 }),
  );
}, 120_000);

afterAll(async () => {
  stopCi?.();
  daemon?.child.kill('SIGTERM');
  await daemon?.exited;
  await gh?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the feature pipeline in the daemon', () => {
  it('reviews blocking twice then clean: two fix rounds on one PR, tests and CI green, one merge', async () => {
    const pipelineId = await dispatch({});
    const detail = await ended(pipelineId);
    expect(detail.view).toMatchObject({ status: 'completed', state: { fixRounds: 2, reviews: 3 } });
    expect(detail.children.map((c) => c.key)).toEqual([
      'classify',
      'code',
      'review-1',
      'fix-1',
      'review-2',
      'fix-2',
      'review-3',
    ]);
    const pulls = gh.state.repo(OWNER, REPO)?.items.filter((i) => i.pull !== undefined) ?? [];
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.pull).toMatchObject({ head: `worktrain/${pipelineId}`, merged: true });
    // The PR's description carries the signed record's summary.
    expect(pulls[0]?.body).toContain('### WorkTrain proof record');
    expect(pulls[0]?.body).toContain(`Record \`${pipelineId}\``);
    // The merge landed on main in the origin, with the last fix's content.
    const main = execFileSync('git', ['--git-dir', git.originDir, 'show', 'main:src/add.js'], {
      encoding: 'utf8',
    });
    expect(main).toContain('return a + b;');
    expect(main).toContain('fixes issue #1');
    const gates = (detail.proof?.entries ?? []).map((e) => `${e.gate}:${e.verdict}`);
    expect(gates).toEqual(
      expect.arrayContaining(['tests:pass', 'ci:pass', 'review:pass', 'merge_gate:pass', 'merge:pass']),
    );
    expect(gates.filter((g) => g === 'review:fail')).toHaveLength(2);
    // The merge log has the one merge, at the head the last review passed.
    expect(detail.merges.map((m) => m.outcome)).toEqual(['merged']);
    // Every child is a session of the daemon with the pipeline as its parent.
    const children = (await (await daemon.api(`/sessions?parent=${pipelineId}`)).json()) as {
      sessions: { parentSessionId: string }[];
    };
    expect(children.sessions).toHaveLength(7);
    expect(children.sessions.every((s) => s.parentSessionId === pipelineId)).toBe(true);
  }, 300_000);

  it('a budget of three sessions escalates before the review: no merge', async () => {
    const pipelineId = await dispatch({ budget: { maxSessions: 3 } });
    const told = await daemon.api(`/pipelines/${pipelineId}/tell`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Keep the change to one line.', actor: 'alice' }),
    });
    expect(told.status).toBe(202);
    const detail = await ended(pipelineId);
    expect(detail.view.guidance).toEqual([{ actor: 'alice', text: 'Keep the change to one line.' }]);
    // An ended pipeline takes no more guidance (409 INVALID_STATE).
    const late = await daemon.api(`/pipelines/${pipelineId}/tell`, {
      method: 'POST',
      body: JSON.stringify({ text: 'too late' }),
    });
    expect(late.status).toBe(409);
    expect(detail.view.status).toBe('escalated');
    expect(detail.view.endReason).toContain('maxSessions');
    expect(detail.spend.sessions).toBe(3);
    const pull = gh.state.repo(OWNER, REPO)?.items.find((i) => i.pull?.head === `worktrain/${pipelineId}`);
    expect(pull?.pull?.merged).toBe(false);
  }, 300_000);
});
