import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { err, ok, type Result } from '@worktrain/contracts';
import { type RuntimeError, runtimeError } from './errors.js';

/** Creates a directory (0700) if missing. Errors: HOME_UNUSABLE. */
export function ensureDir(dir: string): Result<void, RuntimeError> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return ok(undefined);
  } catch (thrown) {
    return err(runtimeError('HOME_UNUSABLE', `Cannot create ${dir}: ${String(thrown)}`, { path: dir }));
  }
}

/** Reads a UTF-8 file, or null when it does not exist. Errors: CONFIG_READ. */
export function readTextIfExists(path: string): Result<string | null, RuntimeError> {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (thrown) {
    if (typeof thrown === 'object' && thrown !== null && 'code' in thrown && thrown.code === 'ENOENT')
      return ok(null);
    return err(runtimeError('CONFIG_READ', `Cannot read ${path}: ${String(thrown)}`, { path }));
  }
}

/**
 * Returns the daemon's API bearer token from `path`, creating it (mode 0600, exclusive create) on first
 * start. A token file that exists is re-chmodded to 0600. Errors: HOME_UNUSABLE.
 */
export function ensureDaemonToken(path: string, generate: () => string): Result<string, RuntimeError> {
  const existing = readTextIfExists(path);
  if (existing.isErr()) return err(runtimeError('HOME_UNUSABLE', existing.error.message, { path }));
  try {
    if (existing.value !== null && existing.value.trim().length >= 16) {
      chmodSync(path, 0o600);
      return ok(existing.value.trim());
    }
    const token = generate();
    writeFileSync(path, `${token}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    return ok(token);
  } catch (thrown) {
    return err(
      runtimeError('HOME_UNUSABLE', `Cannot write the daemon token ${path}: ${String(thrown)}`, { path }),
    );
  }
}
