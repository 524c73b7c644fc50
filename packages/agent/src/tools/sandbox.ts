/**
 * Path confinement: every path a tool touches is resolved and checked to lie inside the worktree.
 * Refused: NUL bytes, backslashes, percent/`%u`-encoded sequences (the model has no reason to send URL
 * encoding, and decoding them is how traversal payloads hide `..`), any `..` segment, absolute paths
 * outside the worktree, prefix siblings (`/wt/a` vs `/wt/ab`), and symlink escapes (the realpath of the
 * nearest existing ancestor must be inside the worktree's realpath; dangling symlinks are refused).
 * Payload families these rules were checked against: PayloadsAllTheThings "Directory Traversal" lists.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { err, makeError, ok, type Result, type WorkTrainError } from '@worktrain/contracts';

export type PathConfinementErrorCode =
  | 'PATH_INVALID'
  | 'PATH_TRAVERSAL'
  | 'PATH_ENCODED'
  | 'PATH_OUTSIDE_WORKTREE'
  | 'SYMLINK_ESCAPE'
  | 'WORKTREE_MISSING';
export type PathConfinementError = WorkTrainError<PathConfinementErrorCode>;

/** Longest accepted path, in characters. */
export const MAX_PATH_CHARS = 4096;

const ENCODED = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i;

/** The worktree's realpath; WORKTREE_MISSING when it no longer exists (deleted under a running session). */
export function worktreeRoot(worktree: string): Result<string, PathConfinementError> {
  try {
    const real = realpathSync(worktree);
    if (!lstatSync(real).isDirectory())
      return err(makeError('WORKTREE_MISSING', `The worktree ${worktree} is not a directory.`));
    return ok(real);
  } catch {
    return err(makeError('WORKTREE_MISSING', `The worktree ${worktree} no longer exists.`));
  }
}

function inside(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const rel = relative(root, candidate);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Realpath of `target` through its nearest existing ancestor; SYMLINK_ESCAPE for a dangling link. */
function realThroughAncestors(target: string): Result<string, PathConfinementError> {
  const tail: string[] = [];
  let current = target;
  for (;;) {
    if (lstatOrUndefined(current) !== undefined) {
      try {
        return ok(join(realpathSync(current), ...tail.reverse()));
      } catch {
        return err(
          makeError('SYMLINK_ESCAPE', `The path goes through a dangling or looping symlink (${current}).`),
        );
      }
    }
    const parent = dirname(current);
    if (parent === current) return ok(target);
    tail.push(basename(current));
    current = parent;
  }
}

/**
 * Resolves a tool-supplied `path` (relative to the worktree, or absolute inside it) to a real absolute
 * path inside the worktree. Errors: PATH_INVALID, PATH_ENCODED, PATH_TRAVERSAL, PATH_OUTSIDE_WORKTREE,
 * SYMLINK_ESCAPE, WORKTREE_MISSING. The returned path has every existing symlink resolved.
 */
export function resolveInWorktree(worktree: string, path: unknown): Result<string, PathConfinementError> {
  if (typeof path !== 'string' || path.length === 0)
    return err(makeError('PATH_INVALID', 'A path must be a non-empty string.'));
  if (path.length > MAX_PATH_CHARS)
    return err(makeError('PATH_INVALID', `The path is longer than ${MAX_PATH_CHARS} characters.`));
  if (path.includes('\0')) return err(makeError('PATH_INVALID', 'The path contains a NUL byte.'));
  if (path.includes('\\'))
    return err(makeError('PATH_INVALID', 'Backslashes are not allowed in paths; use "/" separators.'));
  if (ENCODED.test(path))
    return err(
      makeError('PATH_ENCODED', 'Percent-encoded sequences are not allowed in paths; pass the literal path.'),
    );
  if (path.split('/').some((segment) => segment === '..'))
    return err(
      makeError(
        'PATH_TRAVERSAL',
        'Paths may not contain ".." segments; use a path relative to the worktree root.',
      ),
    );
  const root = worktreeRoot(worktree);
  if (root.isErr()) return err(root.error);
  const lexical = resolve(root.value, path);
  if (!inside(root.value, lexical))
    return err(makeError('PATH_OUTSIDE_WORKTREE', `${path} is outside the worktree.`, { path }));
  const real = realThroughAncestors(lexical);
  if (real.isErr()) return err(real.error);
  if (!inside(root.value, real.value))
    return err(
      makeError('SYMLINK_ESCAPE', `${path} resolves through a symlink to a place outside the worktree.`, {
        path,
      }),
    );
  return ok(real.value);
}

/** `absolute` as a worktree-relative display path ('.' for the root). */
export function displayPath(root: string, absolute: string): string {
  const rel = relative(root, absolute);
  return rel === '' ? '.' : rel;
}
