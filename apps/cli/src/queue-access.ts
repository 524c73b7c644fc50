import { err, errAsync, okAsync, ResultAsync, resolveWorktrainPaths } from '@worktrain/contracts';
import type * as QueuePackage from '@worktrain/queue';
import type { QueueError, TaskQueue } from '@worktrain/queue';
import { type CliError, cliError, usageError } from './cli-error.js';
import type { CliDeps } from './deps.js';

/** Where the queue lives: the SQLite database of the data directory, or a PostgreSQL server. */
export interface QueueTarget {
  /** `--home <dir>`; the SQLite queue is `<home>/worktrain.db`. */
  readonly home?: string;
  /** `--database-url postgres://…`; else `WORKTRAIN_DATABASE_URL`; else SQLite. */
  readonly databaseUrl?: string;
  /** PostgreSQL schema of the queue's tables (`--schema`, else `WORKTRAIN_DATABASE_SCHEMA`, else `worktrain`). */
  readonly schema?: string;
}

/** How long the CLI keeps trying to reach PostgreSQL before STORE_UNAVAILABLE, ms. */
const PG_CONNECT_TIMEOUT_MS = 3000;

/** The `@worktrain/queue` module, imported on first use (not at CLI start-up) and handed to `use`. */
export type QueueModule = typeof QueuePackage;

const loadQueueModule = (): ResultAsync<QueueModule, CliError> =>
  ResultAsync.fromSafePromise(import('@worktrain/queue'));

/**
 * Opens the queue named by `target`, runs `use` on it (with the queue package's module, so callers need not
 * import it at start-up) and closes it (also when `use` fails).
 *
 * SQLite: when `<home>/worktrain.db` does not exist yet, `use` is not called and the result is `null`, so no
 * command creates a data directory or a database (an empty queue has nothing to show, requeue or purge).
 * `access: 'read-only'` (list, stats, inspect, dead-letters) opens the file read-only: nothing is created or
 * migrated, the file stays byte-identical, and a database without queue tables is `null` too. Otherwise an
 * existing WorkTrain database gets the queue's tables on first use (the package's versioned migrations).
 * PostgreSQL: the server is contacted (migrations are applied in the schema), with no LISTEN connection and
 * no lease sweeper, so a one-shot command leaves nothing running. A URL that is not `postgres://` or
 * `postgresql://` is a USAGE error.
 */
export function withQueue<T>(
  deps: CliDeps,
  target: QueueTarget,
  use: (queue: TaskQueue, lib: QueueModule) => ResultAsync<T, CliError>,
  access: 'read-write' | 'read-only' = 'read-write',
): ResultAsync<T | null, CliError> {
  const url = target.databaseUrl ?? nonEmpty(deps.env.WORKTRAIN_DATABASE_URL);
  if (url !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      return errAsync(
        usageError(
          `option '--database-url' expects a postgres:// or postgresql:// URL, got '${redact(url)}'`,
        ),
      );
    }
    const schema = target.schema ?? nonEmpty(deps.env.WORKTRAIN_DATABASE_SCHEMA);
    return loadQueueModule().andThen((lib) =>
      lib
        .createPostgresQueue({
          connectionString: url,
          ...(schema !== undefined ? { schema } : {}),
          poolSize: 2,
          reconnectTimeoutMs: PG_CONNECT_TIMEOUT_MS,
          sweepIntervalMs: 0,
          listen: false,
          applicationName: 'worktrain-cli',
        })
        .mapErr((e) => fromQueueError(e, { backend: 'postgres', url: redact(url) }))
        .andThen((queue) => useAndClose(queue, (q) => use(q, lib))),
    );
  }
  const paths = resolveWorktrainPaths({
    ...(target.home === undefined ? {} : { home: target.home }),
    env: deps.env,
    cwd: deps.cwd,
  });
  if (!deps.fs.exists(paths.database)) return okAsync(null);
  return loadQueueModule().andThen((lib) => {
    if (access === 'read-only') {
      const reader = lib.openSqliteQueueReadOnly({ path: paths.database, clock: deps.clock });
      if (reader.isErr()) return errAsync(fromQueueError(reader.error, { path: paths.database }));
      return reader.value === null ? okAsync(null) : useAndClose(reader.value, (q) => use(q, lib));
    }
    const opened = lib.openSqliteQueue({ path: paths.database, clock: deps.clock });
    if (opened.isErr()) return errAsync(fromQueueError(opened.error, { path: paths.database }));
    return useAndClose(opened.value, (q) => use(q, lib));
  });
}

function useAndClose<T>(
  queue: TaskQueue,
  use: (queue: TaskQueue) => ResultAsync<T, CliError>,
): ResultAsync<T, CliError> {
  const run = async () => {
    const result = await use(queue);
    await queue.close();
    return result;
  };
  return new ResultAsync(
    run().catch(async (thrown: unknown) => {
      await queue.close().catch(() => undefined);
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      return err<T, CliError>(cliError('INTERNAL', `unexpected error: ${message}`));
    }),
  );
}

/** Maps a queue error onto the CLI's codes: TASK_NOT_FOUND stays itself, the rest is QUEUE_ERROR. */
export function fromQueueError(error: QueueError, extra: Record<string, unknown> = {}): CliError {
  if (error.code === 'TASK_NOT_FOUND') {
    return cliError('TASK_NOT_FOUND', `No task '${String(error.details?.taskId ?? '')}' in the queue.`, {
      ...error.details,
    });
  }
  return cliError('QUEUE_ERROR', error.message, { queueCode: error.code, ...error.details, ...extra });
}

/** The error for a task id asked for when no database exists yet. */
export function taskNotFoundNoDatabase(taskId: string): CliError {
  return cliError('TASK_NOT_FOUND', `No task '${taskId}' (the queue is empty: no database yet).`, {
    taskId,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** A connection string with its password replaced by `***` (never print secrets). */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]+:)[^@]*@/i, '$1***@');
}
