import { okAsync, type ResultAsync, resolveWorktrainPaths } from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from '@worktrain/session-store';
import { type CliError, cliError } from './cli-error.js';
import type { CliDeps } from './deps.js';

/**
 * Opens the session database of the data directory for a read-only command, runs `use` on it and closes
 * it. When the database file does not exist yet, `use` is not called and the result is `null`: nothing is
 * created (no WORKTRAIN_HOME, no empty database) just because someone listed sessions.
 */
export function withExistingSessionStore<T>(
  deps: CliDeps,
  home: string | undefined,
  use: (store: SessionStore) => ResultAsync<T, CliError>,
): ResultAsync<T | null, CliError> {
  const paths = resolveWorktrainPaths({
    ...(home === undefined ? {} : { home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  if (!deps.fs.exists(paths.database)) return okAsync(null);
  return deps.openSessionStore({ path: paths.database }).asyncAndThen((store) =>
    use(store)
      .andTee(() => store.close())
      .orTee(() => store.close()),
  );
}

/** Maps a session store error onto the CLI's codes (SESSION_NOT_FOUND stays itself). */
export function fromStoreError(error: SessionStoreError): CliError {
  if (error.code === 'SESSION_NOT_FOUND') return cliError('SESSION_NOT_FOUND', error.message, error.details);
  return cliError('STORE_ERROR', error.message, { storeCode: error.code, ...error.details });
}

/** The error for a session id asked for when no database exists yet. */
export function sessionNotFound(sessionId: string): CliError {
  return cliError('SESSION_NOT_FOUND', `No session '${sessionId}' (no sessions have been recorded yet).`, {
    sessionId,
  });
}
