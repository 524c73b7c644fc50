import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Clock } from '@worktrain/contracts';
import { type Result, ResultAsync, systemClock } from '@worktrain/contracts';
import type { SessionStore } from '@worktrain/session-store';
import { type CliError, cliError } from './cli-error.js';

/** Writes text to one of the process streams (no newline added). */
export type WriteFn = (text: string) => void;

/** The file-system operations the CLI needs; injected so commands can be tested without a disk. */
export interface CliFileSystem {
  /** True when something exists at `path` (file or directory). Never creates anything. */
  exists(path: string): boolean;
  /** Reads a UTF-8 text file. FILE_NOT_FOUND when it does not exist, FILE_UNREADABLE otherwise. */
  readText(path: string): ResultAsync<string, CliError>;
}

/**
 * Opens the session store at a SQLite path, read-only. The CLI only calls it after checking that the file
 * exists, so read-only commands never create a database (or a WORKTRAIN_HOME).
 */
export type OpenSessionStore = (options: { readonly path: string }) => Result<SessionStore, CliError>;

/**
 * Everything the CLI touches outside itself. `main.ts` wires the real process; tests and embedders pass
 * their own. Commands receive these and nothing else (WorkRail's `executeX(deps, opts)` style).
 */
export interface CliDeps {
  readonly stdout: WriteFn;
  readonly stderr: WriteFn;
  /** Environment variables (`WORKTRAIN_HOME`, `WORKTRAIN_DEBUG`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths on the command line are resolved against. */
  readonly cwd: string;
  readonly fs: CliFileSystem;
  readonly clock: Clock;
  readonly openSessionStore: OpenSessionStore;
  /** Version printed by `--version`. */
  readonly version: string;
  /** Waits `ms` milliseconds (used by `sessions events --follow` to poll). */
  readonly sleep: (ms: number) => Promise<void>;
  /** Aborted when the user interrupts a long-running command (`--follow`). */
  readonly signal?: AbortSignal;
}

/** Node implementation of {@link CliFileSystem}. */
export const nodeFileSystem: CliFileSystem = {
  exists: (path) => existsSync(path),
  readText: (path) =>
    ResultAsync.fromPromise(readFile(path, 'utf8'), (thrown) => {
      const code = thrown instanceof Error && 'code' in thrown ? String(thrown.code) : undefined;
      if (code === 'ENOENT') return cliError('FILE_NOT_FOUND', `File not found: ${path}`, { path });
      if (code === 'EISDIR')
        return cliError('FILE_UNREADABLE', `Is a directory, not a file: ${path}`, { path });
      const reason = thrown instanceof Error ? thrown.message : String(thrown);
      return cliError('FILE_UNREADABLE', `Cannot read ${path}: ${reason}`, { path, errno: code ?? null });
    }),
};

/** Reads the CLI package's version from its package.json (one directory above `dist/` and `src/`). */
export function readCliVersion(packageJsonUrl: URL): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(packageJsonUrl, 'utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'version' in parsed &&
      typeof parsed.version === 'string'
    ) {
      return parsed.version;
    }
  } catch {
    // Fall through: a missing version is not worth failing a command over.
  }
  return '0.0.0';
}

export const defaultClock: Clock = systemClock;
