import { chmod, lstat, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runGit as runHardenedGit } from '@worktrain/contracts';
import type { FilePatch, ParsedPatch } from './parse.js';
import { pathReasons } from './path-safety.js';

/** Outcome of `git apply --check`. */
export interface GitApplyCheck {
  /** False when git was not run (see `skipped`). */
  readonly ran: boolean;
  /** True when git accepted the patch (false when it was not run). */
  readonly accepted: boolean;
  /** git's stderr (trimmed) when it rejected the patch, or why it was not run. */
  readonly message: string;
  /** Where git ran: the given worktree or a temporary directory with synthesized preimages. */
  readonly mode: 'worktree' | 'temp' | 'none';
}

export interface GitApplyCheckOptions {
  /** Check against this worktree. Without it, a temp repository gets the preimages read back from the hunks. */
  readonly worktree?: string;
  /** Kill git after this many ms (default 10 000). */
  readonly timeoutMs?: number;
}

/**
 * Runs `git apply --check` on `patchText` as a second opinion (never the only check). Git's global and
 * system configuration are ignored. Without a worktree, every file the patch reads is written into a
 * fresh temporary repository first, reconstructed from the patch's own context and removed lines (the gaps
 * between hunks filled with placeholder lines), so git checks the patch's structure rather than a missing
 * base. Files whose path is unsafe to create are left out (git then rejects the patch for them). When the
 * old content of a file cannot be reconstructed (binary updates, submodules) git is not run in a temp
 * directory at all (`ran: false`, the reason in `message`): pass a worktree for those. Never throws.
 */
export async function gitApplyCheck(
  patchText: string,
  parsed: ParsedPatch,
  options: GitApplyCheckOptions = {},
): Promise<GitApplyCheck> {
  const timeout = options.timeoutMs ?? 10_000;
  let dir: string | null = null;
  try {
    let cwd = options.worktree;
    if (cwd === undefined) {
      const opaque = parsed.files.find(
        (f) =>
          f.operation !== 'add' &&
          (f.binary || f.oldMode === '160000') &&
          f.oldPath !== null &&
          pathReasons(f.oldPath, f.nameIssues).length === 0,
      );
      if (opaque !== undefined)
        return {
          ran: false,
          accepted: false,
          message: `git apply --check needs a worktree: the old content of ${opaque.oldPath} (binary or submodule) is not in the patch`,
          mode: 'none',
        };
      dir = await mkdtemp(join(tmpdir(), 'worktrain-patch-'));
      cwd = join(dir, 'repo');
      await mkdir(cwd);
      const init = await runGit(['init', '-q'], cwd, dir, '', timeout);
      if (init.exitCode !== 0)
        return { ran: false, accepted: false, message: `git init failed: ${init.stderr}`, mode: 'none' };
      await writePreimages(cwd, parsed.files);
    }
    const result = await runGit(['apply', '--check', '-'], cwd, dir ?? cwd, patchText, timeout);
    if (result.timedOut)
      return {
        ran: true,
        accepted: false,
        message: `git apply --check timed out after ${timeout} ms`,
        mode: dir ? 'temp' : 'worktree',
      };
    return {
      ran: true,
      accepted: result.exitCode === 0,
      message:
        result.exitCode === 0
          ? ''
          : result.stderr.trim() || `git apply --check exited with ${result.exitCode}`,
      mode: dir ? 'temp' : 'worktree',
    };
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return {
      ran: false,
      accepted: false,
      message: `git apply --check could not run: ${message}`,
      mode: 'none',
    };
  } finally {
    if (dir !== null) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * `git <args>` through the one hardened runner of `@worktrain/contracts` (no hooks, no fsmonitor, no
 * submodule recursion), with the system and global config ignored and HOME in the scratch directory: the
 * patch is untrusted input. Exit code, stderr and whether it timed out; throws only when git cannot start.
 */
async function runGit(args: string[], cwd: string, home: string, input: string, timeout: number) {
  const r = await runHardenedGit(cwd, args, {
    input,
    timeoutMs: timeout,
    isolateConfig: true,
    env: { HOME: home },
    // Any exit code is an answer here (git's verdict on the patch), not a failure to run.
    okExitCodes: Array.from({ length: 255 }, (_, i) => i + 1),
  });
  if (r.isErr() && r.error.details?.timedOut === true) return { exitCode: -1, stderr: '', timedOut: true };
  if (r.isErr()) throw new Error(r.error.message);
  return { exitCode: r.value.exitCode, stderr: r.value.stderr.trimEnd(), timedOut: false };
}

/** Writes the files the patch reads (modify, delete, rename and copy sources) under `root`. */
async function writePreimages(root: string, files: readonly FilePatch[]): Promise<void> {
  const byPath = new Map<string, FilePatch[]>();
  for (const file of files) {
    const path = file.oldPath;
    if (path === null || file.operation === 'add') continue;
    if (pathReasons(path, file.nameIssues).length > 0 || file.binary || file.oldMode === '160000') continue;
    byPath.set(path, [...(byPath.get(path) ?? []), file]);
  }
  for (const [path, sections] of byPath) {
    const target = join(root, path);
    const mode = sections[0]?.oldMode ?? null;
    try {
      await mkdir(dirname(target), { recursive: true });
      if ((await lstat(dirname(target))).isSymbolicLink()) continue;
      const content = preimage(sections);
      if (mode === '120000') await symlink(content, target);
      else {
        await writeFile(target, content, { flag: 'wx' });
        await chmod(target, mode === '100755' ? 0o755 : 0o644);
      }
    } catch {
      // A conflicting layout (a file and a directory of the same name): leave it to git to complain.
    }
  }
}

/**
 * The old content implied by the hunks of every section reading the same file: context and removed lines
 * at their positions (the first section wins on overlap), gaps filled with placeholder lines.
 */
export function preimage(sections: readonly FilePatch[]): string {
  const lines = new Map<number, string>();
  let last = -1;
  let noNewlineAt = -1;
  for (const file of sections)
    for (const hunk of file.hunks) {
      let at = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
      let lastOld = -1;
      for (const l of hunk.lines) {
        if (l.startsWith('\\')) {
          if (lastOld >= 0) noNewlineAt = lastOld;
          continue;
        }
        if (l === '' || l.startsWith(' ') || l.startsWith('-')) {
          if (!lines.has(at)) lines.set(at, l.slice(1));
          lastOld = at;
          last = Math.max(last, at);
          at += 1;
        } else lastOld = -1;
      }
    }
  const out: string[] = [];
  for (let i = 0; i <= last; i++) out.push(lines.get(i) ?? `worktrain preimage filler ${i + 1}`);
  if (sections[0]?.oldMode === '120000') return out.join('\n');
  return out.length === 0 ? '' : `${out.join('\n')}${noNewlineAt === last ? '' : '\n'}`;
}
