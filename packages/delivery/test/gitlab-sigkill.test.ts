/**
 * Acceptance (issue 6): exactly one MR per task after SIGKILLs during delivery. A child process delivers to the
 * fake GitLab with a SQLite session store and is SIGKILLed when the fake receives a chosen request (so the
 * side effect may land on GitLab but never in the session log); delivery is then run again in this process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createSqliteSessionStore, type SessionStore } from '@worktrain/session-store';
import { waitFor } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitLabForge, deliver } from '../src/index.js';
import { createGitLabHarness, GITLAB_TOKEN, type GitLabHarness, PROJECT } from './gitlab-setup.js';

const here = new URL('.', import.meta.url).pathname;
const repoRoot = join(here, '..', '..', '..');

let h: GitLabHarness;
let sqlite: SessionStore & { close(): unknown };
let child: ChildProcess | undefined;
beforeEach(async () => {
  h = await createGitLabHarness();
  sqlite = createSqliteSessionStore({ path: join(h.fx.rootDir, 'sessions.sqlite') })._unsafeUnwrap();
  // Copy the session (created, handoff output) into the SQLite file the child uses.
  const events = (await h.store.readEvents(h.sessionId))._unsafeUnwrap();
  (
    await sqlite.append({
      sessionId: h.sessionId,
      expectedSeq: 0,
      events: events.map(
        (e) => ({ kind: e.kind, data: e.data }) as Parameters<SessionStore['append']>[0]['events'][number],
      ),
    })
  )._unsafeUnwrap();
});
afterEach(async () => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  sqlite.close();
  expect(h.gl.state.schemaViolations).toEqual([]);
  await h.close();
});

describe('GitLab delivery killed with SIGKILL', () => {
  it.each(['listMergeRequests', 'createMergeRequest', 'getIssue', 'createIssueNote'])(
    'makes exactly one MR and one note when the process died at %s',
    async (route) => {
      await h.write({ 'src/page.ts': 'export const page = 2;\n' });
      let killed = false;
      h.gl.state.onRequest = (name) => {
        if (name === route && child !== undefined && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      };
      const project = h.gl.state.project(PROJECT);
      const args = {
        dbPath: join(h.fx.rootDir, 'sessions.sqlite'),
        sessionId: h.sessionId,
        worktree: h.worktree,
        gitlabUrl: h.gl.url,
        token: GITLAB_TOKEN,
        project: PROJECT,
        issueIid: h.glIssueIid,
      };
      let stderr = '';
      child = spawn(
        process.execPath,
        [
          '--conditions=@worktrain/source',
          '--import',
          'tsx',
          join(here, 'fixtures', 'gitlab-deliver-child.ts'),
          JSON.stringify(args),
        ],
        {
          cwd: repoRoot,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
        },
      );
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const spawned = child;
      const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
        spawned.on('exit', (_c, s) => resolve(s)),
      );
      expect(signal, stderr).toBe('SIGKILL');
      await waitFor(() => h.gl.state.requests.at(-1)?.status !== undefined, { timeoutMs: 5000 });

      const retried = await deliver(
        {
          sessionId: h.sessionId,
          worktreePath: h.worktree,
          baseBranch: 'main',
          issueNumber: h.glIssueIid,
          change: { type: 'fix', scope: 'page' },
        },
        {
          store: sqlite,
          forge: createGitLabForge({
            project: PROJECT,
            token: GITLAB_TOKEN,
            baseUrl: h.gl.url,
            labels: ['worktrain'],
          }),
          pushToken: GITLAB_TOKEN,
          identity: { name: 'WorkTrain Bot', email: 'bot@worktrain.invalid' },
        },
      );
      expect(retried.isOk(), JSON.stringify(retried)).toBe(true);
      expect(project?.mergeRequests).toHaveLength(1);
      const creates = h.gl.state.requests.filter((r) => r.route === 'createMergeRequest');
      expect(creates.map((r) => r.status)).toEqual([201]);
      expect(h.issueNotes()).toHaveLength(1);
      expect(await h.git(['rev-list', '--count', `main..worktrain/${h.sessionId}`], h.fx.originDir)).toBe(
        '1',
      );
    },
  );
});
