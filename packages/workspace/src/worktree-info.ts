import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/** One directory under the worktrees folder, as read from disk (no git process is started). */
export interface WorktreeEntry {
  readonly sessionId: string;
  readonly path: string;
  /** The repository the worktree belongs to (its main working tree, or the bare repo), or null if broken. */
  readonly repoPath: string | null;
  /** Branch checked out (`worktrain/<session-id>`), or null when detached or broken. */
  readonly branch: string | null;
  /** When the worktree was created (ms since epoch; from git's registration file, else the directory). */
  readonly createdAt: number;
  /** `broken`: the directory's `.git` link or git's registration of it is missing. */
  readonly status: 'ok' | 'broken';
}

/**
 * Our metadata beside git's own in the worktree's admin directory (`<repo>/.git/worktrees/<name>/`): not in
 * the working tree (so never committed) and removed by `git worktree prune` with the rest.
 */
export const WORKTRAIN_META_FILE = 'worktrain.json';

/** Git's per-worktree admin directory (`<repo>/.git/worktrees/<name>`) read from the `.git` file. */
export async function readWorktreeGitDir(path: string): Promise<string | null> {
  const text = await readFile(join(path, '.git'), 'utf8').catch(() => null);
  const match = text?.match(/^gitdir:\s*(.+?)\s*$/m);
  if (match?.[1] === undefined) return null;
  return isAbsolute(match[1]) ? match[1] : resolve(path, match[1]);
}

/** `<common>/.git` → `<common>` (a bare repo's common dir is the repo itself). */
export function repoPathOfCommonDir(commonDir: string): string {
  return basename(commonDir) === '.git' ? dirname(commonDir) : commonDir;
}

/** Reads one worktree directory. */
export async function readWorktreeEntry(dir: string, sessionId: string): Promise<WorktreeEntry> {
  const dirInfo = await stat(dir);
  const fallbackTime = dirInfo.birthtimeMs > 0 ? dirInfo.birthtimeMs : dirInfo.mtimeMs;
  const gitDir = await readWorktreeGitDir(dir);
  const registered = gitDir === null ? null : await stat(join(gitDir, 'gitdir')).catch(() => null);
  if (gitDir === null || registered === null) {
    return { sessionId, path: dir, repoPath: null, branch: null, createdAt: fallbackTime, status: 'broken' };
  }
  const commonText = await readFile(join(gitDir, 'commondir'), 'utf8').catch(() => '../..');
  const commonDir = resolve(gitDir, commonText.trim());
  const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => '');
  const meta = await readFile(join(gitDir, WORKTRAIN_META_FILE), 'utf8').catch(() => '');
  const recorded = /"createdAt":\s*(\d+)/.exec(meta)?.[1];
  const ref = head.match(/^ref:\s*refs\/heads\/(.+?)\s*$/m);
  return {
    sessionId,
    path: dir,
    repoPath: repoPathOfCommonDir(commonDir),
    branch: ref?.[1] ?? null,
    createdAt: recorded === undefined ? registered.mtimeMs : Number(recorded),
    status: 'ok',
  };
}

/** Every session directory under `worktreesDir` (hidden entries such as `.locks` are skipped). */
export async function readWorktreeEntries(worktreesDir: string): Promise<WorktreeEntry[]> {
  const names = await readdir(worktreesDir, { withFileTypes: true }).catch(() => []);
  const entries: WorktreeEntry[] = [];
  for (const entry of names) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const read = await readWorktreeEntry(join(worktreesDir, entry.name), entry.name).catch(() => null);
    if (read !== null) entries.push(read);
  }
  return entries.sort((a, b) => a.sessionId.localeCompare(b.sessionId));
}

/** One entry of `git status --porcelain=v1 -z`. */
export interface DirtyFile {
  readonly path: string;
  /** Status letter in the index (`M`, `A`, `D`, `R`, `?` …). */
  readonly index: string;
  /** Status letter in the working tree. */
  readonly worktree: string;
  /** Original path of a rename or copy. */
  readonly from?: string;
}

/** Parses `git status --porcelain=v1 -z` (format: git-status(1), "Porcelain Format Version 1"). */
export function parsePorcelainZ(output: string): DirtyFile[] {
  const parts = output.split('\0');
  const files: DirtyFile[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part.length < 4) continue;
    const index = part[0] ?? ' ';
    const worktree = part[1] ?? ' ';
    const path = part.slice(3);
    if (index === 'R' || index === 'C') {
      files.push({ path, index, worktree, from: parts[i + 1] ?? '' });
      i++;
    } else files.push({ path, index, worktree });
  }
  return files;
}
