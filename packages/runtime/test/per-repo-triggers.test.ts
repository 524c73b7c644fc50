/**
 * Per-repo triggers (DESIGN §6) in a real daemon process: the `.worktrain/triggers.yaml` of each workspace
 * the global triggers.yaml names is merged with the global triggers (its triggers default their workspace
 * to that repository), validated by the same loader and hot-reloaded like the global file: an invalid edit
 * or an id that clashes with a global trigger keeps the previous triggers and logs why, with the file,
 * line and column.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGitFixture, type GitFixture } from '@worktrain/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { BUGGY_ADD, type Daemon, fixScript, makeHome, startDaemon, waitFor } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ git: GitFixture; home: ReturnType<typeof makeHome>; repoFile: string }> {
  const git = await createGitFixture({ files: { 'src/add.js': BUGGY_ADD } });
  cleanups.push(() => git.cleanup());
  // The global triggers.yaml names git.repoDir as the workspace of its `gh-issues` trigger.
  const home = makeHome({ turns: fixScript(), repoDir: git.repoDir, triggers: true });
  cleanups.push(() => home.cleanup());
  return { git, home, repoFile: join(git.repoDir, '.worktrain', 'triggers.yaml') };
}

async function start(home: string): Promise<Daemon> {
  const d = await startDaemon(home);
  cleanups.push(async () => {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  });
  return d;
}

/** A trigger of a per-repo file: no `workspace:` (it defaults to the repository). */
const repoTrigger = (id: string) =>
  `  - id: ${id}\n    provider: github\n    workflowId: test.daemon-fix\n    events: [issues.labeled]\n    repo: acme/widgets\n    webhook: { secret: $GH_WEBHOOK_SECRET }\n`;

type Listed = { triggers: Array<{ id: string; workspace?: string }> };
const triggersOf = async (d: Daemon) => ((await (await d.api('/triggers')).json()) as Listed).triggers;
const idsOf = async (d: Daemon) => (await triggersOf(d)).map((t) => t.id);
const logOf = (home: string) => readFileSync(join(home, 'logs', 'daemon.log'), 'utf8');
const refusals = (home: string) =>
  logOf(home)
    .split('\n')
    .filter((l) => l.includes('reload refused'));

describe('per-repo .worktrain/triggers.yaml', { timeout: 180_000 }, () => {
  it('is loaded at start with the global triggers, its triggers working in their repository', async () => {
    const { git, home, repoFile } = await setup();
    mkdirSync(join(git.repoDir, '.worktrain'));
    writeFileSync(repoFile, `triggers:\n${repoTrigger('repo-issues')}`);
    const d = await start(home.home);
    const triggers = await triggersOf(d);
    expect(triggers.map((t) => t.id)).toEqual(['gh-issues', 'repo-issues']);
    expect(triggers.find((t) => t.id === 'repo-issues')?.workspace).toBe(git.repoDir);
  });

  it('is picked up when created after start, and an invalid edit keeps the previous triggers', async () => {
    const { git, home, repoFile } = await setup();
    const d = await start(home.home);
    expect(await idsOf(d)).toEqual(['gh-issues']);
    // The folder does not exist yet when the daemon starts: the file is still watched.
    mkdirSync(join(git.repoDir, '.worktrain'));
    writeFileSync(repoFile, `triggers:\n${repoTrigger('repo-issues')}`);
    await waitFor('the per-repo trigger', async () =>
      (await idsOf(d)).includes('repo-issues') ? true : undefined,
    );
    writeFileSync(repoFile, `triggers:\n${repoTrigger('repo-issues')}\t- broken\n`);
    const refused = await waitFor('the refused reload', () => refusals(home.home)[0]);
    expect(refused).toContain(`${repoFile}:8:1: tab character in indentation`);
    expect(await idsOf(d)).toEqual(['gh-issues', 'repo-issues']);
  });

  it('may not reuse a global trigger id: the reload is refused naming both places', async () => {
    const { git, home, repoFile } = await setup();
    mkdirSync(join(git.repoDir, '.worktrain'));
    writeFileSync(repoFile, `triggers:\n${repoTrigger('repo-issues')}`);
    const d = await start(home.home);
    writeFileSync(repoFile, `triggers:\n${repoTrigger('gh-issues')}`);
    const refused = await waitFor('the refused reload', () => refusals(home.home)[0]);
    expect(refused).toContain(`${repoFile}:2:9 triggers[0].id: duplicate trigger id \\"gh-issues\\"`);
    expect(refused).toContain(`also in ${join(home.home, 'triggers.yaml')} triggers[0]`);
    expect(await idsOf(d)).toEqual(['gh-issues', 'repo-issues']);
  });
});
