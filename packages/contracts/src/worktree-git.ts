import { lstat, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';

/**
 * A trusted reference to a session worktree's git layout (DESIGN §7 "Sandbox", §8). Inside the sandbox the
 * agent can write the worktree (its `.git` file included) and the worktree's admin folder (index, HEAD),
 * but not the repository's common git dir (config, hooks, objects, refs). So all three paths come from the
 * trusted side — `commonDir` from the source repository (`git rev-parse --git-common-dir` there), `gitDir`
 * from `git worktree add` (`<commonDir>/worktrees/<name>`) — and are never read back from the `.git` file.
 * All paths are absolute.
 */
export interface WorktreeGitRef {
  /** The worktree's directory. */
  readonly worktree: string;
  /** Git's per-worktree admin folder `<commonDir>/worktrees/<name>` (index, HEAD; agent-writable). */
  readonly gitDir: string;
  /** The repository's common git dir (config, hooks, objects, refs; read-only to the agent). */
  readonly commonDir: string;
}

/**
 * Where a git command runs: a session worktree by its trusted {@link WorktreeGitRef} (pinned and checked
 * before every call), or a trusted repository by path (the daemon's own clone; hardening flags only).
 */
export type GitTarget = string | WorktreeGitRef;

/**
 * The ref of the worktree `worktree` of the repository whose common git dir is `commonDir`: its admin folder
 * is `<commonDir>/worktrees/<name>`, where `name` is the one `git worktree add` chose (normally the
 * basename of the worktree path; git appends a number when that name was taken). Pure: nothing is read.
 * Pass the common dir as git writes it into the `.git` file (its real path), or every check will fail.
 */
export function worktreeGitRef(
  worktree: string,
  commonDir: string,
  name = basename(worktree),
): WorktreeGitRef {
  const common = resolve(commonDir);
  return { worktree: resolve(worktree), gitDir: join(common, 'worktrees', name), commonDir: common };
}

/** The directory a git target runs in. */
export function gitTargetPath(target: GitTarget): string {
  return typeof target === 'string' ? target : target.worktree;
}

/**
 * Config every daemon-side git command runs with (`-c`, which beats every config file): no hooks (not the
 * common dir's, not a planted `core.hooksPath`), no fsmonitor command, no untracked cache read from an
 * agent-written index, and no git process started inside a submodule (a `git status` for its dirtiness, a
 * recursive fetch, push, checkout or summary), where the nested repository's own, agent-writable config could
 * name a filter or an fsmonitor. Command-line config reaches git's child processes too. Filter and diff
 * drivers run only when the trusted config defines them; a `.gitattributes` can name a driver, not its command.
 */
export const HARDENED_GIT_CONFIG: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'diff.ignoreSubmodules=dirty',
  'diff.submodule=short',
  'status.submoduleSummary=false',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
  'push.recurseSubmodules=no',
];

/** Arguments (after `git`) and environment overlay of one hardened git command. */
export interface GitInvocation {
  readonly args: readonly string[];
  /** Applied over everything else (the caller's extra environment included). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * The one place both git runners (`@worktrain/workspace`, `@worktrain/delivery`) build a command: `-C
 * <dir>`, {@link HARDENED_GIT_CONFIG}, then `args`. For a {@link WorktreeGitRef} it also pins
 * `GIT_DIR=<gitDir>`, `GIT_WORK_TREE=<worktree>` and `GIT_COMMON_DIR=<commonDir>` (so git never reads the
 * worktree's `.git` file nor the admin folder's `commondir` file, both agent-writable) and scopes
 * `safe.directory` to the worktree. `-c extensions.worktreeConfig=false` is not passed: git reads that
 * extension from the common config file only, so it would be ignored; {@link checkWorktreeLink} refuses an
 * admin folder's `config.worktree` when the common config enables it instead. Pure.
 */
export function gitInvocation(target: GitTarget, args: readonly string[]): GitInvocation {
  const config = HARDENED_GIT_CONFIG.flatMap((c) => ['-c', c]);
  if (typeof target === 'string') return { args: ['-C', target, ...config, ...args], env: {} };
  return {
    args: ['-C', target.worktree, ...config, '-c', `safe.directory=${target.worktree}`, ...args],
    env: { GIT_DIR: target.gitDir, GIT_WORK_TREE: target.worktree, GIT_COMMON_DIR: target.commonDir },
  };
}

/** What {@link checkWorktreeLink} found. */
export type WorktreeLinkState =
  | { readonly status: 'intact' }
  /** The worktree directory does not exist (not a tampering: it was removed). */
  | { readonly status: 'missing' }
  /** `found` says what is wrong, in words, for the error message. */
  | { readonly status: 'tampered'; readonly found: string };

/** Longest `.git` file read; git's own is `gitdir: <path>\n`. */
const MAX_LINK_BYTES = 4096;

/**
 * Checks, before a git command, that the worktree's `.git` is still what `git worktree add` wrote: a
 * regular file (not a symlink, not a directory) whose content is exactly `gitdir: <gitDir>` (a relative
 * path, as git ≥ 2.48 may write, is resolved against the worktree); that the admin folder's `commondir`
 * file still leads to `commonDir` (git's ref store reads it even with `GIT_COMMON_DIR` set, so a rewritten
 * one would redirect the branch refs); and that the admin folder holds no `config.worktree` while the common
 * config enables `extensions.worktreeConfig` (git would read that agent-writable file as config). Costs one
 * lstat and two small reads (plus one lstat of `config.worktree`). Never throws.
 */
export async function checkWorktreeLink(ref: WorktreeGitRef): Promise<WorktreeLinkState> {
  const link = join(ref.worktree, '.git');
  const info = await lstat(link).catch((e: NodeJS.ErrnoException) => e);
  if (info instanceof Error) {
    if (info.code !== 'ENOENT') return { status: 'tampered', found: `${link} cannot be read (${info.code})` };
    const dir = await lstat(ref.worktree).catch(() => null);
    return dir === null ? { status: 'missing' } : { status: 'tampered', found: `${link} is missing` };
  }
  if (info.isSymbolicLink()) return { status: 'tampered', found: `${link} is a symbolic link` };
  if (info.isDirectory())
    return { status: 'tampered', found: `${link} is a directory (a repository planted in the worktree)` };
  if (!info.isFile()) return { status: 'tampered', found: `${link} is not a regular file` };
  if (info.size > MAX_LINK_BYTES) return { status: 'tampered', found: `${link} is ${info.size} bytes long` };
  const text = await readFile(link, 'utf8').catch(() => null);
  if (text === null) return { status: 'tampered', found: `${link} cannot be read` };
  const m = /^gitdir: ([^\n]+)\n?$/.exec(text);
  const pointed = m?.[1];
  if (pointed === undefined) return { status: 'tampered', found: `${link} does not hold a gitdir line` };
  const target = isAbsolute(pointed) ? pointed : resolve(ref.worktree, pointed);
  if (target !== ref.gitDir)
    return { status: 'tampered', found: `${link} points at ${pointed} instead of ${ref.gitDir}` };
  // Git's files ref backend reads the admin folder's `commondir` file even when GIT_COMMON_DIR is set
  // (refs/files-backend.c, `get_common_dir_noenv`): a rewritten one would move the branch refs elsewhere.
  const commondir = await readFile(join(ref.gitDir, 'commondir'), 'utf8').catch(() => null);
  const common = commondir === null ? null : commondir.replace(/\n$/, '');
  if (common === null || resolve(ref.gitDir, common) !== ref.commonDir)
    return {
      status: 'tampered',
      found: `${join(ref.gitDir, 'commondir')} ${common === null ? 'is missing' : `points at ${common} instead of ${ref.commonDir}`}`,
    };
  const worktreeConfig = await lstat(join(ref.gitDir, 'config.worktree')).catch(() => null);
  if (worktreeConfig !== null && (await worktreeConfigEnabled(ref.commonDir)))
    return {
      status: 'tampered',
      found: `${join(ref.gitDir, 'config.worktree')} exists and the repository enables extensions.worktreeConfig`,
    };
  return { status: 'intact' };
}

/**
 * Whether the common config file sets `extensions.worktreeConfig` to anything but false (git-config(1)
 * booleans). Conservative: an unreadable config or an unusual spelling counts as enabled.
 */
async function worktreeConfigEnabled(commonDir: string): Promise<boolean> {
  const text = await readFile(join(commonDir, 'config'), 'utf8').catch(() => null);
  if (text === null) return true;
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const header = /^\[\s*([^\]\s"]+)(?:\s+"[^"]*")?\s*\]\s*(.*)$/.exec(line);
    const rest = header === null ? line : (header[2] ?? '');
    if (header !== null) section = (header[1] ?? '').toLowerCase();
    if (section !== 'extensions') continue;
    const kv = /^worktreeconfig\s*(?:=\s*(.*))?$/i.exec(rest);
    if (kv === null) continue;
    const value = (kv[1] ?? 'true')
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (!['false', 'no', 'off', '0', ''].includes(value)) return true;
  }
  return false;
}
