// Local stand-in until @worktrain/testkit's createGitFixture lands: a temp dir with a bare `origin` and a
// clone with one commit on `main`, using the real git binary.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export interface GitFixture {
  readonly root: string;
  readonly origin: string;
  readonly repo: string;
  git(cwd: string, ...args: string[]): Promise<string>;
  write(cwd: string, path: string, content: string): void;
  /** Commits files in a second clone and pushes them to origin (someone else's change). */
  pushFromElsewhere(branch: string, files: Record<string, string>, message?: string): Promise<string>;
  cleanup(): void;
}

const ENV = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  LC_ALL: 'C',
};

export async function createGitFixture(
  files: Record<string, string> = { 'README.md': '# demo\n' },
): Promise<GitFixture> {
  const root = mkdtempSync(join(tmpdir(), 'wt-git-'));
  const origin = join(root, 'origin.git');
  const repo = join(root, 'repo');
  const git = async (cwd: string, ...args: string[]) =>
    (await execa('git', ['-C', cwd, ...args], { env: ENV })).stdout;
  const write = (cwd: string, path: string, content: string) => {
    mkdirSync(dirname(join(cwd, path)), { recursive: true });
    writeFileSync(join(cwd, path), content);
  };
  await execa('git', ['init', '--quiet', '--bare', '-b', 'main', origin], { env: ENV });
  await execa('git', ['init', '--quiet', '-b', 'main', repo], { env: ENV });
  await git(repo, 'config', 'user.name', 'Test Author');
  await git(repo, 'config', 'user.email', 'author@example.com');
  await git(repo, 'config', 'commit.gpgsign', 'false');
  for (const [path, content] of Object.entries(files)) write(repo, path, content);
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '--quiet', '-m', 'initial');
  await git(repo, 'remote', 'add', 'origin', origin);
  await git(repo, 'push', '--quiet', '-u', 'origin', 'main');
  await git(repo, 'remote', 'set-head', 'origin', 'main');
  let clones = 0;
  const pushFromElsewhere = async (
    branch: string,
    changes: Record<string, string>,
    message = 'elsewhere',
  ) => {
    const other = join(root, `other-${++clones}`);
    await execa('git', ['clone', '--quiet', origin, other], { env: ENV });
    const remoteHas = (await git(other, 'ls-remote', 'origin', `refs/heads/${branch}`)).trim() !== '';
    await git(other, 'checkout', '--quiet', ...(remoteHas ? [branch] : ['-b', branch]));
    for (const [path, content] of Object.entries(changes)) write(other, path, content);
    await git(other, 'add', '-A');
    await git(other, 'commit', '--quiet', '-m', message);
    await git(other, 'push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`);
    return (await git(other, 'rev-parse', 'HEAD')).trim();
  };
  return {
    root,
    origin,
    repo,
    git,
    write,
    pushFromElsewhere,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
