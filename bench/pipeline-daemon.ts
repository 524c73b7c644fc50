import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlitePipelineStore } from '@worktrain/coordinator-kit';
import { createGitFixture, type GitFixture, startFakeGitHub } from '@worktrain/testkit';
import { startDaemon, waitFor } from '../scripts/demo-daemon/daemon.js';
import {
  GOAL,
  OWNER,
  playCi,
  projectFiles,
  tinyProject,
  writeHome,
} from '../scripts/demo-pipeline/project.js';

const QUICK = process.argv.includes('--quick');
const N = QUICK ? 10 : 100;
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

async function main(): Promise<void> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'wt-bench-pipelines-')));
  const github = await startFakeGitHub();
  const repos: { name: string; git: GitFixture }[] = [];
  for (let i = 0; i < N; i++) {
    const name = `calc-${i}`;
    const git = await createGitFixture({ files: projectFiles(), parentDir: root });
    github.state.addRepo({ owner: OWNER, name, originDir: git.originDir });
    repos.push({ name, git });
  }
  const stopCi = playCi(
    github,
    repos.map(({ name, git }) => ({ name, originDir: git.originDir })),
    { intervalMs: 250 },
  );
  const home = writeHome(root, { githubUrl: github.url, project: tinyProject(), mergePollIntervalMs: 200 });
  const daemon = await startDaemon(home);
  const started = Date.now();
  const ids: string[] = [];
  for (const { name, git } of repos) {
    const res = await daemon.api('/pipelines', {
      method: 'POST',
      body: JSON.stringify({ kind: 'feature', goal: GOAL, workspace: git.repoDir, repo: `${OWNER}/${name}` }),
    });
    ids.push(((await res.json()) as { pipelineId: string }).pipelineId);
  }
  const statuses = await waitFor(
    'every pipeline to end',
    async () => {
      const r = (await (await daemon.api('/pipelines?limit=1000')).json()) as {
        pipelines: { pipelineId: string; status: string }[];
      };
      const mine = r.pipelines.filter((p) => ids.includes(p.pipelineId));
      return mine.length === N && mine.every((p) => p.status !== 'running') ? mine : undefined;
    },
    60 * 60_000,
  );
  const wallMs = Date.now() - started;
  let duplicates = 0;
  for (const id of ids) {
    const detail = (await (await daemon.api(`/pipelines/${id}`)).json()) as { children: unknown[] };
    const sessions = (await (await daemon.api(`/sessions?parent=${id}&limit=1000`)).json()) as {
      sessions: unknown[];
    };
    duplicates += sessions.sessions.length - detail.children.length;
  }
  stopCi();
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  // The coordinator's own time per transition, from the durable logs: child_ended → next child_spawned.
  const store = openSqlitePipelineStore({ path: join(home, 'worktrain.db'), readOnly: true })._unsafeUnwrap();
  const transitions: number[] = [];
  for (const id of ids) {
    const events = store.read(id)._unsafeUnwrap().events;
    for (const [i, e] of events.entries()) {
      if (e.data.kind !== 'child_ended') continue;
      const next = events.slice(i + 1).find((n) => n.data.kind === 'child_spawned');
      if (next !== undefined) transitions.push(Date.parse(next.at) - Date.parse(e.at));
    }
  }
  store.close();
  const prs = repos.map(({ name }) => github.state.pulls(OWNER, name));
  console.log(
    JSON.stringify({
      system: 'worktrain',
      workload: 'pipelines_through_daemon',
      pipelines: N,
      childSessions: N * 7,
      completed: statuses.filter((s) => s.status === 'completed').length,
      notCompleted: statuses.filter((s) => s.status !== 'completed').map((s) => s.status),
      wallMs,
      pipelinesPerMinute: Math.round((N / wallMs) * 60_000 * 10) / 10,
      transitionMs: {
        p50: quantile(transitions, 0.5),
        p99: quantile(transitions, 0.99),
        n: transitions.length,
      },
      goalP99Ms: 50,
      duplicateChildren: duplicates,
      reposWithOnePr: prs.filter((p) => p.length === 1).length,
      merged: prs.filter((p) => p[0]?.pull?.merged === true).length,
      machine: { cpus: cpus().length, load1: Math.round((loadavg()[0] ?? 0) * 10) / 10 },
    }),
  );
  await github.close();
  rmSync(root, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
