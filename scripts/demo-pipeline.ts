import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitFixture, startFakeGitHub } from '@worktrain/testkit';
import {
  cliBin,
  type Daemon,
  fail,
  repoRoot,
  run,
  runDemo,
  startDaemon,
  waitFor,
} from './demo-daemon/daemon.js';
import { dedentProject, OWNER, playCi, writeHome } from './demo-pipeline/project.js';

const started = Date.now();
const DEADLINE_MS = 300_000;
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (stage: string, text: string): void => console.log(`${elapsed()}  ${stage.padEnd(9)} ${text}`);

interface Detail {
  view: {
    status: string;
    stage: string | null;
    endReason: string | null;
    state: Record<string, unknown> | null;
  };
  children: { key: string; sessionId: string; workflowId: string; ended: string | null }[];
  proof: { entries: { gate: string; verdict: string; note?: string }[] } | null;
}

/** Prints what changed in the pipeline since the last look: children started and ended, proof entries. */
function reporter(): (d: Detail) => void {
  const started = new Set<string>();
  const ended = new Set<string>();
  let entries = 0;
  return (d) => {
    for (const c of d.children) {
      if (!started.has(c.key)) {
        started.add(c.key);
        say('stage', `${c.key}: session ${c.sessionId} (${c.workflowId})`);
      }
      if (c.ended !== null && !ended.has(c.key)) {
        ended.add(c.key);
        say('stage', `${c.key}: ${c.ended}`);
      }
    }
    for (const e of (d.proof?.entries ?? []).slice(entries))
      say('proof', `${e.gate}: ${e.verdict}${e.note === undefined ? '' : ` — ${e.note}`}`);
    entries = d.proof?.entries.length ?? 0;
  };
}

async function main(): Promise<void> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-demo-pipeline-')));
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let daemon: Daemon | undefined;
  const timer = setTimeout(() => {
    console.error(`\nDEMO FAILED: over ${DEADLINE_MS / 1000} s`);
    daemon?.child.kill('SIGKILL');
    process.exit(1);
  }, DEADLINE_MS);
  try {
    console.log(
      'WorkTrain pipeline demo: issue → code → review → fix ×2 → review clean → CI → merge (offline).\n',
    );
    const project = dedentProject();
    const REPO = project.name;
    const git = await createGitFixture({ files: project.files, parentDir: root });
    say(
      'repo',
      `${project.name} (npm: sources + its own tests) with a seeded bug in ${project.file} → ${git.repoDir}`,
    );
    const github = await startFakeGitHub();
    cleanups.push(() => github.close());
    github.state.addRepo({ owner: OWNER, name: REPO, originDir: git.originDir });
    const issue = github.state.addIssue(OWNER, REPO, { title: project.title });
    say('github', `local GitHub double at ${github.url}: ${OWNER}/${REPO} issue #${issue.number}`);
    // CI: the double's check run goes green on each new head of an open PR (as a CI app would).
    const stopCi = playCi(github, [{ name: REPO, originDir: git.originDir }], {
      intervalMs: 200,
      onGreen: (sha) => say('ci', `check run "ci" green on ${sha.slice(0, 10)}`),
    });
    cleanups.push(stopCi);

    const home = writeHome(root, {
      githubUrl: github.url,
      project,
      sandboxOff: process.argv.includes('--sandbox-off'),
    });
    daemon = await startDaemon(home);
    const d = daemon;
    cleanups.push(async () => {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        const killer = setTimeout(() => d.child.kill('SIGKILL'), 8000);
        await d.exited;
        clearTimeout(killer);
      }
    });
    say('daemon', `worktrain-daemon pid ${String(d.child.pid)} on ${d.url} (home ${home}, scripted model)`);

    const res = await d.api('/pipelines', {
      method: 'POST',
      body: JSON.stringify({
        kind: 'feature',
        goal: project.goal,
        workspace: git.repoDir,
        repo: `${OWNER}/${REPO}`,
        issueNumber: issue.number,
      }),
    });
    const dispatched = (await res.json()) as { pipelineId?: string; plan?: { stages: { name: string }[] } };
    if (res.status !== 202 || dispatched.pipelineId === undefined)
      fail(`dispatch refused: ${res.status} ${JSON.stringify(dispatched)}`);
    const pipelineId = dispatched.pipelineId ?? '';
    say('pipeline', `${pipelineId}: ${(dispatched.plan?.stages ?? []).map((s) => s.name).join(' → ')}`);

    const report = reporter();
    const detail = await waitFor(
      'the pipeline to end',
      async () => {
        const r = await d.api(`/pipelines/${pipelineId}`);
        const body = (await r.json()) as Detail;
        report(body);
        return body.view.status === 'running' ? undefined : body;
      },
      DEADLINE_MS - 30_000,
    );
    say('pipeline', `${detail.view.status}: ${detail.view.endReason ?? ''}`);
    if (detail.view.status !== 'completed')
      fail(`the pipeline ended ${detail.view.status}: ${detail.view.endReason}`);

    const pulls = github.state.pulls(OWNER, REPO);
    if (pulls.length !== 1) fail(`expected exactly one pull request, found ${pulls.length}`);
    const pr = pulls[0] ?? fail('no PR');
    const recorded = detail.view.state?.pr;
    const url =
      typeof recorded === 'object' && recorded !== null && 'url' in recorded
        ? String(recorded.url)
        : fail('no PR url');
    const merged = pr.pull?.merged === true;
    say(
      'github',
      `pull request #${pr.number} ${merged ? 'merged' : 'NOT merged'} (${pr.pull?.head ?? ''} → main)`,
    );
    const fixRounds = Number(detail.view.state?.fixRounds ?? -1);
    const verify = await run(
      process.execPath,
      [cliBin, 'verify', url, '--home', home, '--format', 'json'],
      repoRoot,
    );
    say('verify', `worktrain verify ${url}: exit ${verify.code}`);
    if (verify.code !== 0) fail(`worktrain verify failed:\n${verify.out}`);
    console.log(`\nDEMO OK in ${((Date.now() - started) / 1000).toFixed(1)} s. Where to look:`);
    console.log(`  node apps/cli/bin/worktrain.js pipeline show ${pipelineId} --home ${home}`);
    console.log(`  node apps/cli/bin/worktrain.js verify ${pipelineId} --home ${home}`);
    console.log(`  git -C ${git.originDir} log --oneline main`);
    console.log(JSON.stringify({ pr: url, merged, fixRounds, proof: pipelineId, verify: 'ok' }));
  } finally {
    for (const c of cleanups.reverse()) await c();
    clearTimeout(timer);
    if (process.argv.includes('--cleanup')) rmSync(root, { recursive: true, force: true });
  }
}

runDemo(main);
