import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { createGitFixture, type GitFixture, githubWebhookRequest, startFakeGitHub } from '@worktrain/testkit';
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
import {
  BUGGY_LINE,
  CORRECT_LINE,
  GITHUB_TOKEN,
  LABEL,
  labeledPayload,
  OWNER,
  projectFiles,
  REPO,
  testCommand,
  WEBHOOK_SECRET,
  writeHome,
} from './demo-daemon/project.js';

const started = Date.now();
const DEADLINE_MS = 240_000;

const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (stage: string, text: string): void => console.log(`${elapsed()}  ${stage.padEnd(9)} ${text}`);

async function runTests(cwd: string): Promise<{ ok: boolean; summary: string }> {
  const r = await run('bash', ['-c', testCommand()], cwd);
  const plain = stripVTControlCharacters(r.out);
  const summary =
    plain
      .split('\n')
      .find((l) => /^\s*Tests\s/.test(l))
      ?.trim() ?? '(no summary)';
  return { ok: r.code === 0, summary: summary.replace(/\s+/g, ' ') };
}

type Event = { kind: string; seq: number; data: Record<string, unknown> };

async function sessionEvents(d: Daemon, sessionId: string): Promise<Event[]> {
  const text = await (await d.api(`/sessions/${sessionId}/events?follow=false`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l.length > 6)
    .map((l) => JSON.parse(l.slice(6)) as Event);
}

const short = (v: unknown, n = 100): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

/** One console line per interesting session event. */
function describeEvent(e: Event, model: string): [string, string] | undefined {
  const d = e.data;
  switch (e.kind) {
    case 'session_created':
      return ['session', `created: workflow ${String(d.workflowId)}, goal "${String(d.goal ?? '')}"`];
    case 'session_started':
      return ['session', `started in its own git worktree (task ${String(d.taskId ?? '-')})`];
    case 'decision_trace':
      if (d.decision === 'worktree_ready') return ['worktree', short(d.reason)];
      if (d.decision === 'sandbox_enforced' || d.decision === 'sandbox_off')
        return ['sandbox', short(d.reason)];
      if (d.decision === 'sandbox_network_denied') return ['sandbox', short(d.reason)];
      return undefined;
    case 'llm_turn_started':
      return ['model', `${model}: turn ${String(d.turn)} (${String(d.model)})`];
    case 'tool_call_started': {
      const input = d.input as Record<string, unknown>;
      const arg =
        d.name === 'bash'
          ? input.command
          : d.name === 'complete_step'
            ? input.notesMarkdown
            : d.name === 'edit_file'
              ? `${String(input.path)}: ${String(input.new_string)}`
              : input.path;
      return ['tool', `${String(d.name)} ${short(arg, 110)}`];
    }
    case 'tool_call_completed': {
      const result = String(d.result);
      if (d.name !== 'bash')
        return d.isError ? ['tool', `${String(d.name)} failed: ${short(result)}`] : undefined;
      const tests = stripVTControlCharacters(result)
        .split('\n')
        .find((l) => /^\s*Tests\s/.test(l));
      return ['tests', `${tests?.trim().replace(/\s+/g, ' ') ?? short(result)} (${String(d.durationMs)} ms)`];
    }
    case 'output_appended':
      return ['step', `${String(d.stepId)} completed: ${short(d.notesMarkdown ?? '')}`];
    case 'delivery_recorded':
      return [
        'delivery',
        `${String(d.stage)}: ${String(d.outcome)}${d.commitSha ? ` ${String(d.commitSha).slice(0, 10)}` : ''}${d.url ? ` ${String(d.url)}` : ''}`,
      ];
    case 'session_completed':
      return ['session', `completed: ${String(d.outcome)}`];
    case 'session_aborted':
      return ['session', `ABORTED: ${short(d.reason)}`];
    case 'budget_exceeded':
      return ['budget', `exceeded ${String(d.budget)}`];
    default:
      return undefined;
  }
}

async function main(): Promise<void> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'worktrain-demo-')));
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  let daemon: Daemon | undefined;
  const timer = setTimeout(() => {
    console.error(`\nDEMO FAILED: over ${DEADLINE_MS / 1000} s`);
    daemon?.child.kill('SIGKILL');
    process.exit(1);
  }, DEADLINE_MS);
  const model = 'scripted model';
  try {
    console.log('WorkTrain demo: a labelled GitHub issue becomes a pull request, autonomously (offline).\n');
    // 1. The project: ts-dedent from npm, in a git repo with a bare origin, plus a seeded bug.
    const { files, version } = projectFiles();
    const git: GitFixture = await createGitFixture({ files, parentDir: root });
    await git.git(['commit', '-q', '--amend', '-m', `Import ts-dedent ${version} from npm`]);
    say('repo', `ts-dedent ${version} (npm: sources + its own tests) → ${git.repoDir}`);
    const before = await runTests(git.repoDir);
    if (!before.ok) fail(`ts-dedent's tests fail before the bug is seeded: ${before.summary}`);
    say('repo', `its tests pass: ${before.summary}`);
    const source = files['src/index.ts'] ?? fail('no src/index.ts');
    await git.commitFiles(
      { 'src/index.ts': source.replace(CORRECT_LINE, BUGGY_LINE) },
      'refactor: simplify dedent',
    );
    await git.git(['push', '-q', '--force', 'origin', git.defaultBranch]);
    const seeded = await runTests(git.repoDir);
    if (seeded.ok) fail('the seeded bug does not make a test fail');
    say('bug', `seeded in src/index.ts (Math.min → Math.max), pushed to origin: ${seeded.summary}`);

    // 2. The local GitHub double and the daemon.
    const github = await startFakeGitHub();
    cleanups.push(() => github.close());
    github.state.addRepo({ owner: OWNER, name: REPO, originDir: git.originDir });
    const title = 'dedent() strips too much indentation';
    const issue = github.state.addIssue(OWNER, REPO, { title, labels: [LABEL] });
    say('github', `local GitHub double at ${github.url}: ${OWNER}/${REPO} issue #${issue.number} "${title}"`);
    const home = writeHome(root, {
      githubUrl: github.url,
      repoDir: git.repoDir,
      sandboxOff: process.argv.includes('--sandbox-off'),
    });
    daemon = await startDaemon(home, { GH_WEBHOOK_SECRET: WEBHOOK_SECRET });
    const d = daemon;
    cleanups.push(async () => {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        const killer = setTimeout(() => d.child.kill('SIGKILL'), 8000);
        await d.exited;
        clearTimeout(killer);
      }
    });
    say(
      'daemon',
      `worktrain-daemon pid ${String(d.child.pid)} listening on ${d.url} (home ${home}, ${model})`,
    );

    // 3. The webhook.
    const req = githubWebhookRequest('issues', labeledPayload(issue), WEBHOOK_SECRET);
    const res = await fetch(`${d.url}/webhooks/gh-issues`, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
    });
    const accepted = (await res.json()) as { taskId?: string };
    if (res.status !== 202 || accepted.taskId === undefined)
      fail(`webhook refused: ${res.status} ${JSON.stringify(accepted)}`);
    const taskId = accepted.taskId ?? '';
    say('webhook', `issues.labeled "${LABEL}" (signed, @octokit/webhooks-examples) → 202 accepted`);
    say('queue', `task ${taskId} queued`);
    const sessionId = await waitFor('the session of the task', async () => {
      const r = (await (await d.api('/sessions')).json()) as {
        sessions: Array<{ sessionId: string; taskId: string | null }>;
      };
      return r.sessions.find((s) => s.taskId === taskId)?.sessionId;
    });

    // 4. Follow the session.
    let lastSeq = -1;
    const printNew = async (): Promise<Event[]> => {
      const events = await sessionEvents(d, sessionId);
      for (const e of events.filter((x) => x.seq > lastSeq)) {
        const line = describeEvent(e, model);
        if (line) say(line[0], line[1]);
        lastSeq = e.seq;
      }
      return events;
    };
    const taskState = async (): Promise<string | undefined> => {
      const r = (await (await d.api('/queue')).json()) as { tasks: Array<{ id: string; state: string }> };
      return r.tasks.find((t) => t.id === taskId)?.state;
    };
    const finalState = await waitFor(
      'the task to finish',
      async () => {
        await printNew();
        const s = await taskState();
        return s === 'succeeded' || s === 'dead' ? s : undefined;
      },
      150_000,
    );
    await printNew();
    if (finalState !== 'succeeded')
      fail(`task ended ${finalState}; daemon log: ${join(home, 'logs', 'daemon.log')}`);

    // 5. Verify.
    const pulls = github.state.pulls(OWNER, REPO);
    if (pulls.length !== 1) fail(`expected exactly one pull request, found ${pulls.length}`);
    const pr = pulls[0] ?? fail('no PR');
    const branch = `worktrain/${sessionId}`;
    say('github', `pull request #${pr.number} "${pr.title}" (${branch} → ${git.defaultBranch})`);
    say(
      'github',
      `  ${github.url}/${OWNER}/${REPO}/pull/${pr.number} (API: /repos/${OWNER}/${REPO}/pulls/${pr.number})`,
    );
    const comments = github.state.issues(OWNER, REPO).find((i) => i.number === issue.number)?.comments ?? [];
    if (comments.length !== 1)
      fail(`expected one comment on issue #${issue.number}, found ${comments.length}`);
    say('github', `issue #${issue.number} comment: ${short(comments[0]?.body ?? '', 90)}`);
    const sha = await git.originRef(branch);
    if (!sha) fail(`branch ${branch} is not on origin`);
    const check = join(root, 'verify-clone');
    await git.git(['clone', '-q', '--branch', branch, git.originDir, check], root);
    const after = await runTests(check);
    if (!after.ok) fail(`the package's tests fail on ${branch}: ${after.summary}`);
    say(
      'verify',
      `exactly 1 PR; ${branch} on origin at ${String(sha).slice(0, 10)}; tests on it: ${after.summary}`,
    );
    const verify = await run(
      process.execPath,
      [cliBin, 'sessions', 'verify', sessionId, '--home', home],
      repoRoot,
    );
    if (verify.code !== 0) fail(`worktrain sessions verify failed:\n${verify.out}`);
    say('verify', `worktrain sessions verify ${sessionId}: ${short(verify.out, 80)}`);
    if (JSON.stringify(await sessionEvents(d, sessionId)).includes(GITHUB_TOKEN))
      fail('the forge token appears in the session events');

    console.log(`\nDEMO OK in ${((Date.now() - started) / 1000).toFixed(1)} s. Where to look:`);
    console.log(`  node apps/cli/bin/worktrain.js sessions show ${sessionId} --home ${home}`);
    console.log(`  node apps/cli/bin/worktrain.js sessions events ${sessionId} --home ${home}`);
    console.log(`  git -C ${git.originDir} log --oneline ${branch}`);
    console.log(`  daemon log: ${join(home, 'logs', 'daemon.log')}`);
    if (process.argv.includes('--cleanup'))
      console.log(`  (--cleanup: ${root} is removed now; run without it to keep it)`);
  } finally {
    for (const c of cleanups.reverse()) await c();
    clearTimeout(timer);
    if (process.argv.includes('--cleanup')) rmSync(root, { recursive: true, force: true });
  }
}

runDemo(main);
