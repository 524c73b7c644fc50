import { execa } from 'execa';
import type { FakePull, FakeRepo } from './state.js';

// The diff of a pull request, per file, and where a review comment's (path, line, side) sits in it. GitHub
// accepts a line comment only on a line shown in the diff: an added or context line on the RIGHT (new file),
// a deleted or context line on the LEFT (old file); anything else is 422 "Line could not be resolved".

/** A review comment's place in a file's diff. */
export interface DiffPlace {
  /** Line index counted from the file's first `@@` header (the line after it is 1), GitHub's `position`. */
  readonly position: number;
  /** The enclosing hunk's header and its lines up to and including the commented one (`diff_hunk`). */
  readonly diffHunk: string;
}

/**
 * The pull request's diff per path: `pull.files` when a test set it, else `git diff base...head` (three
 * dots, from the merge base, as GitHub shows a PR) in the bare origin; empty without either.
 */
export async function pullFiles(repo: FakeRepo, pull: FakePull): Promise<Map<string, string>> {
  if (pull.files !== undefined) return new Map(Object.entries(pull.files));
  if (repo.originDir === undefined) return new Map();
  const result = await execa(
    'git',
    [
      'diff',
      '--no-color',
      '--no-ext-diff',
      '--no-renames',
      `refs/heads/${pull.base}...refs/heads/${pull.head}`,
    ],
    { cwd: repo.originDir, reject: false },
  );
  return result.exitCode === 0 ? splitUnifiedDiff(result.stdout) : new Map();
}

/** Splits `git diff` output into path → hunks (from the first `@@` line; deleted files keyed by old path). */
export function splitUnifiedDiff(diff: string): Map<string, string> {
  const files = new Map<string, string>();
  let oldPath: string | undefined;
  let path: string | undefined;
  let hunks: string[] = [];
  const flush = (): void => {
    const key = path ?? oldPath;
    if (key !== undefined && hunks.length > 0) files.set(key, hunks.join('\n'));
    hunks = [];
  };
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      flush();
      oldPath = undefined;
      path = undefined;
    } else if (hunks.length === 0 && line.startsWith('--- ')) {
      oldPath = line === '--- /dev/null' ? undefined : line.slice(4).replace(/^a\//, '');
    } else if (hunks.length === 0 && line.startsWith('+++ ')) {
      path = line === '+++ /dev/null' ? undefined : line.slice(4).replace(/^b\//, '');
    } else if (line.startsWith('@@') || hunks.length > 0) {
      if (line !== '' || hunks.length === 0) hunks.push(line);
    }
  }
  flush();
  return files;
}

/** Where `line` on `side` sits in a file's hunks, or undefined when the diff does not show it. */
export function locateLine(patch: string, line: number, side: 'LEFT' | 'RIGHT'): DiffPlace | undefined {
  const lines = patch.split('\n');
  let oldLine = 0;
  let newLine = 0;
  let hunkStart = -1;
  for (let index = 0; index < lines.length; index += 1) {
    const text = lines[index] ?? '';
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header !== null) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      hunkStart = index;
      continue;
    }
    if (hunkStart < 0 || text.startsWith('\\')) continue;
    const kind = text[0] ?? ' ';
    const onLeft = kind === '-' || kind === ' ';
    const onRight = kind === '+' || kind === ' ';
    if (
      (side === 'LEFT' && onLeft && oldLine === line) ||
      (side === 'RIGHT' && onRight && newLine === line)
    ) {
      return { position: index, diffHunk: lines.slice(hunkStart, index + 1).join('\n') };
    }
    if (onLeft) oldLine += 1;
    if (onRight) newLine += 1;
  }
  return undefined;
}
