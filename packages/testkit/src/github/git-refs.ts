import { execa } from 'execa';
import type { FakeRepo } from './state.js';

/** Head sha of `branch` in the repo's bare origin (when attached) or its in-memory branch table. */
export async function branchSha(repo: FakeRepo, branch: string): Promise<string | undefined> {
  if (repo.originDir === undefined) return repo.branches.get(branch);
  const result = await execa('git', ['rev-parse', '--verify', '-q', `refs/heads/${branch}^{commit}`], {
    cwd: repo.originDir,
    reject: false,
  });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** Commits on `head` not on `base` (GitHub refuses a PR with none: "No commits between …"). */
export async function commitsBetween(repo: FakeRepo, base: string, head: string): Promise<number> {
  if (repo.originDir === undefined) return repo.branches.get(base) === repo.branches.get(head) ? 0 : 1;
  const result = await execa('git', ['rev-list', '--count', `refs/heads/${base}..refs/heads/${head}`], {
    cwd: repo.originDir,
    reject: false,
  });
  return result.exitCode === 0 ? Number(result.stdout.trim()) : 0;
}

const GITHUB_IDENTITY = {
  GIT_AUTHOR_NAME: 'GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
};

/**
 * Merges `head` into `base` inside the bare origin as GitHub's merge button does, without a work tree:
 * `git merge-tree --write-tree` (git ≥ 2.38) then `commit-tree` — two parents for `merge`, one (base) for
 * `squash` and `rebase` (the fake records a rebase as one commit on top of base) — and a compare-and-swap
 * `update-ref` of the base branch. Returns the new commit's sha, or `conflict` when the trees conflict.
 */
export async function mergeInOrigin(
  originDir: string,
  base: string,
  head: string,
  method: 'merge' | 'squash' | 'rebase',
  message: string,
): Promise<{ readonly sha: string } | 'conflict'> {
  const run = (args: string[]) =>
    execa('git', args, { cwd: originDir, reject: false, env: GITHUB_IDENTITY, extendEnv: true });
  const baseSha = (await run(['rev-parse', '--verify', `refs/heads/${base}^{commit}`])).stdout.trim();
  const headSha = (await run(['rev-parse', '--verify', `refs/heads/${head}^{commit}`])).stdout.trim();
  const tree = await run(['merge-tree', '--write-tree', baseSha, headSha]);
  if (tree.exitCode !== 0) return 'conflict';
  const treeSha = tree.stdout.split('\n')[0]?.trim() ?? '';
  const parents = method === 'merge' ? ['-p', baseSha, '-p', headSha] : ['-p', baseSha];
  const commit = await run(['commit-tree', treeSha, ...parents, '-m', message]);
  if (commit.exitCode !== 0) throw new Error(`fake-github: commit-tree failed: ${commit.stderr}`);
  const sha = commit.stdout.trim();
  const moved = await run(['update-ref', `refs/heads/${base}`, sha, baseSha]);
  if (moved.exitCode !== 0) throw new Error(`fake-github: update-ref failed: ${moved.stderr}`);
  return { sha };
}
