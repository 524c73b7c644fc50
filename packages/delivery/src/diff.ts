import { type GitTarget, ResultAsync } from '@worktrain/contracts';
import type { DeliveryError } from './errors.js';
import { runGit } from './git.js';
import type { FileChange } from './patch-check.js';
import type { AddedLine } from './secrets.js';

/** The staged change of a worktree against its base. */
export interface WorktreeChanges {
  /** The merge base of HEAD and the base ref: what the change is measured against. */
  readonly baseSha: string;
  readonly changes: readonly FileChange[];
  readonly addedLines: readonly AddedLine[];
}

const STATUS: Record<string, FileChange['status']> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  T: 'type_changed',
};
const ZERO = /^0+$/;

/** Parses `git diff --raw -z --no-renames` (git-diff(1), "RAW OUTPUT FORMAT"). */
export function parseRawZ(output: string): {
  path: string;
  status: FileChange['status'];
  oldMode: string | null;
  newMode: string | null;
  newSha: string | null;
}[] {
  const parts = output.split('\0');
  const rows = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] ?? '';
    const path = parts[i + 1] ?? '';
    const m = /^:(\d{6}) (\d{6}) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])/.exec(meta);
    if (m === null) continue;
    const [, oldMode = '', newMode = '', , newSha = '', letter = 'M'] = m;
    rows.push({
      path,
      status: STATUS[letter] ?? 'modified',
      oldMode: ZERO.test(oldMode) ? null : oldMode,
      newMode: ZERO.test(newMode) ? null : newMode,
      newSha: ZERO.test(newSha) ? null : newSha,
    });
  }
  return rows;
}

/** Parses `git diff --numstat -z --no-renames`: `added\tdeleted\tpath\0` (`-` for binary). */
export function parseNumstatZ(
  output: string,
): Map<string, { insertions: number | null; deletions: number | null }> {
  const map = new Map<string, { insertions: number | null; deletions: number | null }>();
  for (const entry of output.split('\0')) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(entry);
    if (m === null) continue;
    map.set(m[3] ?? '', {
      insertions: m[1] === '-' ? null : Number(m[1]),
      deletions: m[2] === '-' ? null : Number(m[2]),
    });
  }
  return map;
}

/** Unquotes a path git printed in C style (`"a\tb"`), as in `+++ b/…` headers. */
function unquote(raw: string): string {
  if (!raw.startsWith('"')) return raw;
  const body = raw.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[++i] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else
      bytes.push(
        ({ n: 10, t: 9, '"': 34, '\\': 92, a: 7, b: 8, f: 12, r: 13, v: 11 } as Record<string, number>)[
          next
        ] ?? next.charCodeAt(0),
      );
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Added lines with their new-file line numbers from `git diff -U0` output. */
export function parseAddedLines(diff: string): AddedLine[] {
  const lines: AddedLine[] = [];
  let path: string | null = null;
  let next = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4);
      path = target === '/dev/null' ? null : unquote(target).replace(/^b\//, '');
    } else if (line.startsWith('@@')) {
      const m = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
      next = m === null ? 0 : Number(m[1]);
    } else if (line.startsWith('+') && path !== null) {
      lines.push({ path, line: next, text: line.slice(1) });
      next++;
    } else if (line.startsWith(' ')) next++;
  }
  return lines;
}

/**
 * Stages every file of the worktree as delivery commits it. The index is first rebuilt from HEAD (`git reset
 * -q`, mixed; run it only after the clean-worktree guard, as it also drops merge state): inside the sandbox
 * the agent's git writes new objects to a private object directory, so its index can name blobs the
 * repository's object store lacks, and an index the agent wrote is not trusted anyway. Then `git add -A`
 * (honouring .gitignore) hashes the agent's files into the repository's object store. Paths HEAD records as
 * submodules (gitlinks) are left out of `git add`, which would run `git status` inside them, where a
 * planted config could run commands: a submodule pointer moved by the agent is not delivered.
 */
export function stageWorktree(worktree: GitTarget): ResultAsync<void, DeliveryError> {
  return runGit(worktree, ['reset', '-q'])
    .andThen(() => runGit(worktree, ['ls-files', '--stage', '-z']))
    .andThen((listed) => {
      const gitlinks = listed.stdout
        .split('\0')
        .filter((entry) => entry.startsWith('160000 '))
        .map((entry) => entry.slice(entry.indexOf('\t') + 1));
      const exclude = gitlinks.map((path) => `:(top,exclude,literal)${path}`);
      return runGit(
        worktree,
        exclude.length === 0 ? ['add', '-A'] : ['add', '-A', '--', ':(top)', ...exclude],
      );
    })
    .map(() => undefined);
}

/**
 * Stages everything in the worktree ({@link stageWorktree}) and describes the staged change against the
 * merge base of HEAD and `baseRef`: files with modes, line counts and sizes, symlink targets, and added
 * lines for the secret scan.
 */
export function collectWorktreeChanges(
  worktree: GitTarget,
  baseRef: string,
): ResultAsync<WorktreeChanges, DeliveryError> {
  const q = ['-c', 'core.quotePath=false'];
  return stageWorktree(worktree)
    .andThen(() => runGit(worktree, ['merge-base', 'HEAD', baseRef]))
    .andThen((mb) => {
      const baseSha = mb.stdout.trim();
      const diffArgs = ['diff', '--cached', '--no-renames', '--no-ext-diff', '--no-textconv', baseSha];
      return runGit(worktree, [...q, ...diffArgs, '--raw', '-z']).andThen((raw) =>
        runGit(worktree, [...q, ...diffArgs, '--numstat', '-z']).andThen((num) =>
          runGit(worktree, [...q, ...diffArgs, '-U0', '--no-color']).andThen((patch) => {
            const rows = parseRawZ(raw.stdout);
            const counts = parseNumstatZ(num.stdout);
            const shas = rows.flatMap((r) => (r.newSha === null ? [] : [r.newSha]));
            const sizes =
              shas.length === 0
                ? ResultAsync.fromSafePromise(Promise.resolve(new Map<string, number>()))
                : runGit(worktree, ['cat-file', '--batch-check=%(objectname) %(objectsize)'], {
                    input: `${shas.join('\n')}\n`,
                  }).map(
                    (o) =>
                      new Map(
                        o.stdout.split('\n').flatMap((l) => {
                          const [sha, size] = l.split(' ');
                          return sha !== undefined && size !== undefined && /^\d+$/.test(size)
                            ? [[sha, Number(size)] as const]
                            : [];
                        }),
                      ),
                  );
            return sizes.andThen((sizeOf) =>
              ResultAsync.combine(
                rows.map((row) => {
                  const counted = counts.get(row.path) ?? { insertions: null, deletions: null };
                  const base: FileChange = {
                    path: row.path,
                    status: row.status,
                    oldMode: row.oldMode,
                    newMode: row.newMode,
                    insertions: counted.insertions,
                    deletions: counted.deletions,
                    newSize: row.newSha === null ? null : (sizeOf.get(row.newSha) ?? null),
                  };
                  if (row.newMode !== '120000' || row.newSha === null)
                    return ResultAsync.fromSafePromise(Promise.resolve(base));
                  return runGit(worktree, ['cat-file', 'blob', row.newSha]).map((o) => ({
                    ...base,
                    symlinkTarget: o.stdout,
                  }));
                }),
              ).map((changes) => ({ baseSha, changes, addedLines: parseAddedLines(patch.stdout) })),
            );
          }),
        ),
      );
    });
}
