import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

export interface GitFixtureOptions {
  /** Files of the initial commit, path (relative, `/`-separated) → content. Default: `README.md`. */
  readonly files?: Readonly<Record<string, string>>;
  /** Default branch of both repos. Default `main`. */
  readonly defaultBranch?: string;
  /** Parent directory for the temp dir. Default `os.tmpdir()`. */
  readonly parentDir?: string;
  /** Author and committer identity. Default `WorkTrain Test <test@worktrain.invalid>`. */
  readonly author?: { readonly name: string; readonly email: string };
}

export interface GitFixture {
  /** Working clone with `origin` pointing at `originDir`, on the default branch, pushed. */
  readonly repoDir: string;
  /** The bare repository acting as the remote. */
  readonly originDir: string;
  /** The temp dir holding both (removed by `cleanup`). */
  readonly rootDir: string;
  readonly defaultBranch: string;
  /** Runs `git <args>` in `cwd` (default `repoDir`) with the fixture's identity; resolves to trimmed stdout. */
  git(args: readonly string[], cwd?: string): Promise<string>;
  /** Writes files (creating directories) in `repoDir` without committing. */
  writeFiles(files: Readonly<Record<string, string>>): Promise<void>;
  /** Writes files, commits them all (`git add -A`) and returns the new commit sha. */
  commitFiles(files: Readonly<Record<string, string>>, message: string): Promise<string>;
  /** `git rev-parse <ref>` in the bare origin (e.g. `main`, `worktrain/<id>`), or undefined if absent. */
  originRef(ref: string): Promise<string | undefined>;
  /** Branch names present in the bare origin. */
  originBranches(): Promise<string[]>;
  /**
   * Clones origin into a new directory inside the fixture (e.g. to push a competing commit so that a later
   * push from `repoDir` is rejected as non-fast-forward). Returns the clone's path.
   */
  cloneOrigin(name?: string): Promise<string>;
  /**
   * Makes the bare origin refuse every push with `message` (a `pre-receive` hook exiting 1), as a protected
   * branch or a server-side policy would; `allowPushes()` removes the hook.
   */
  rejectPushes(message?: string): Promise<void>;
  allowPushes(): Promise<void>;
  /** Removes the temp dir (idempotent). */
  cleanup(): Promise<void>;
}

/**
 * Creates a real git setup in a temp dir: a bare `origin.git`, and a clone `repo` with an initial commit on
 * the default branch pushed to it. Git runs through execa with a fixed identity and with global/system
 * config ignored (`GIT_CONFIG_GLOBAL=/dev/null`, `GIT_CONFIG_NOSYSTEM=1`), so tests behave the same on any
 * machine. Requires `git` ≥ 2.28 on PATH (for `init -b`). Throws if git fails (test setup error).
 */
export async function createGitFixture(options: GitFixtureOptions = {}): Promise<GitFixture> {
  const defaultBranch = options.defaultBranch ?? 'main';
  const author = options.author ?? { name: 'WorkTrain Test', email: 'test@worktrain.invalid' };
  const rootDir = await mkdtemp(join(options.parentDir ?? tmpdir(), 'worktrain-git-'));
  const originDir = join(rootDir, 'origin.git');
  const repoDir = join(rootDir, 'repo');
  const env = {
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
    GIT_TERMINAL_PROMPT: '0',
  };
  const git = async (args: readonly string[], cwd: string = repoDir): Promise<string> => {
    const result = await execa('git', [...args], { cwd, env, extendEnv: true });
    return result.stdout.trim();
  };
  const writeFiles = async (files: Readonly<Record<string, string>>): Promise<void> => {
    for (const [path, content] of Object.entries(files)) {
      const target = join(repoDir, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
  };
  const commitFiles = async (files: Readonly<Record<string, string>>, message: string): Promise<string> => {
    await writeFiles(files);
    await git(['add', '-A']);
    await git(['commit', '-q', '-m', message]);
    return git(['rev-parse', 'HEAD']);
  };

  let clones = 0;
  try {
    await git(['init', '-q', '--bare', '-b', defaultBranch, originDir], rootDir);
    await git(['init', '-q', '-b', defaultBranch, repoDir], rootDir);
    await git(['remote', 'add', 'origin', originDir]);
    await commitFiles(options.files ?? { 'README.md': '# fixture\n' }, 'Initial commit');
    await git(['push', '-q', '-u', 'origin', defaultBranch]);
  } catch (error) {
    await rm(rootDir, { recursive: true, force: true });
    throw error;
  }

  return {
    repoDir,
    originDir,
    rootDir,
    defaultBranch,
    git,
    writeFiles,
    commitFiles,
    originRef: async (ref) => {
      try {
        return await git(['rev-parse', '--verify', '-q', `${ref}^{commit}`], originDir);
      } catch {
        return undefined;
      }
    },
    originBranches: async () => {
      const out = await git(['for-each-ref', '--format=%(refname:short)', 'refs/heads/'], originDir);
      return out === '' ? [] : out.split('\n');
    },
    cloneOrigin: async (name) => {
      clones += 1;
      const dir = join(rootDir, name ?? `clone-${clones}`);
      await git(['clone', '-q', originDir, dir], rootDir);
      return dir;
    },
    rejectPushes: async (message = 'push rejected by the test fixture') => {
      const hook = join(originDir, 'hooks', 'pre-receive');
      await writeFile(hook, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`);
      await chmod(hook, 0o755);
    },
    allowPushes: () => rm(join(originDir, 'hooks', 'pre-receive'), { force: true }),
    cleanup: () => rm(rootDir, { recursive: true, force: true }),
  };
}
