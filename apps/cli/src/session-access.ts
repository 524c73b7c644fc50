import { err, ok, okAsync, type Result, type ResultAsync, resolveWorktrainPaths } from '@worktrain/contracts';
import type { SessionStore, SessionStoreError } from '@worktrain/session-store';
import { type CliError, cliError } from './cli-error.js';
import type { CliDeps } from './deps.js';

/**
 * Opens the session database at `path` through `deps.openSessionStore` (read-only in the real CLI) for a
 * command that only reads sessions. `null` when nothing was recorded yet: the file does not exist, or it
 * exists without session tables (the queue or the triggers created it first, e.g. `worktrain trigger fire`
 * before any session; a read-only connection cannot and should not create them). Errors: the opener's
 * (STORE_ERROR), including a file whose older session schema a read-only connection cannot migrate.
 */
export function openExistingSessionStore(deps: CliDeps, path: string): Result<SessionStore | null, CliError> {
  if (!deps.fs.exists(path)) return ok(null);
  const opened = deps.openSessionStore({ path });
  if (opened.isOk()) return opened;
  const d = opened.error.details;
  if (d?.storeCode === 'STORE_READ_ONLY' && d.schemaVersion === 0) return ok(null);
  return err(opened.error);
}

/**
 * Opens the session database of the data directory for a read-only command, runs `use` on it and closes
 * it. When no session was recorded yet (see {@link openExistingSessionStore}), `use` is not called and the
 * result is `null`: nothing is created (no WORKTRAIN_HOME, no empty database, no session tables) just because
 * someone listed sessions.
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
  return openExistingSessionStore(deps, paths.database).asyncAndThen((store) =>
    store === null
      ? okAsync(null)
      : use(store)
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
