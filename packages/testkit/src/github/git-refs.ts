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
