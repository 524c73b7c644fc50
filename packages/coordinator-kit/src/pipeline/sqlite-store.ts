/**
 * Pipelines in the WorkTrain database (store `pipeline` of `worktrain_migrations`): one row per pipeline
 * (kind, status, goal, timestamps, for listing) and its append-only event log. The row's status is updated
 * in the same transaction as the event that changes it.
 */
import { err, ok, type Result } from '@worktrain/contracts';
import { type MigrationSet, openDatabase } from '@worktrain/contracts/sqlite';
import type BetterSqlite3 from 'better-sqlite3';
import { type CoordinatorError, coordinatorError } from '../errors.js';
import {
  type PipelineEvent,
  type PipelineEventData,
  PipelineEventDataSchema,
  type PipelineStatus,
} from './events.js';

export const PIPELINE_MIGRATION_SET: MigrationSet = {
  store: 'pipeline',
  migrations: [
    {
      version: 1,
      name: 'pipelines and their events',
      sql: `
        CREATE TABLE IF NOT EXISTS pipelines (
          pipeline_id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          status TEXT NOT NULL,
          goal TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS pipelines_status ON pipelines (status, created_at);
        CREATE TABLE IF NOT EXISTS pipeline_events (
          pipeline_id TEXT NOT NULL REFERENCES pipelines (pipeline_id),
          seq INTEGER NOT NULL,
          at TEXT NOT NULL,
          data TEXT NOT NULL,
          PRIMARY KEY (pipeline_id, seq)
        ) WITHOUT ROWID;
      `,
    },
  ],
};

/** A pipeline's row, for lists. */
export interface PipelineSummary {
  readonly pipelineId: string;
  readonly kind: string;
  readonly status: PipelineStatus;
  readonly goal: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The pipeline store port. */
export interface PipelineStore {
  /**
   * Creates a pipeline with its `pipeline_started` event. Idempotent on `pipelineId` (a replay returns
   * the existing summary). Errors: PIPELINE_STORE_IO.
   */
  create(
    pipelineId: string,
    started: Extract<PipelineEventData, { kind: 'pipeline_started' }>,
  ): Result<PipelineSummary, CoordinatorError>;
  /** Appends events in order, atomically. Errors: PIPELINE_NOT_FOUND, PIPELINE_ENDED, PIPELINE_STORE_IO. */
  append(pipelineId: string, events: readonly PipelineEventData[]): Result<void, CoordinatorError>;
  /** Errors: PIPELINE_NOT_FOUND, PIPELINE_INVALID (an event does not parse), PIPELINE_STORE_IO. */
  read(
    pipelineId: string,
  ): Result<{ summary: PipelineSummary; events: readonly PipelineEvent[] }, CoordinatorError>;
  /** Newest first. Errors: PIPELINE_STORE_IO. */
  list(options?: {
    readonly status?: PipelineStatus;
    readonly limit?: number;
  }): Result<readonly PipelineSummary[], CoordinatorError>;
  close(): void;
}

interface Row {
  pipeline_id: string;
  kind: string;
  status: string;
  goal: string;
  created_at: string;
  updated_at: string;
}

const summaryOf = (r: Row): PipelineSummary => ({
  pipelineId: r.pipeline_id,
  kind: r.kind,
  status: r.status as PipelineStatus,
  goal: r.goal,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Opens the pipeline store in the WorkTrain database at `path`. Errors: PIPELINE_STORE_IO. */
export function openSqlitePipelineStore(options: {
  readonly path: string;
  readonly readOnly?: boolean;
  /** Event times. Default: the system clock. */
  readonly now?: () => Date;
}): Result<PipelineStore, CoordinatorError> {
  const { path } = options;
  const readOnly = options.readOnly ?? false;
  const opened = openDatabase({ path, readOnly, migrations: readOnly ? [] : [PIPELINE_MIGRATION_SET] });
  if (opened.isErr())
    return err(
      coordinatorError(
        'PIPELINE_STORE_IO',
        `The pipeline store ${path} cannot be opened: ${opened.error.message}`,
        {
          path,
          dbCode: opened.error.code,
        },
      ),
    );
  const db: BetterSqlite3.Database = opened.value.db;
  const now = options.now ?? (() => new Date());
  const io = (e: unknown): CoordinatorError =>
    coordinatorError('PIPELINE_STORE_IO', `The pipeline store ${path} failed: ${(e as Error).message}`, {
      path,
      cause: (e as Error).message,
    });
  const hasTables = (): boolean =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pipelines'").get() !== undefined;
  const row = (id: string): Row | undefined =>
    db.prepare('SELECT * FROM pipelines WHERE pipeline_id = ?').get(id) as Row | undefined;
  const insert = (id: string, events: readonly PipelineEventData[]): void => {
    const at = now().toISOString();
    const last = db.prepare('SELECT MAX(seq) AS seq FROM pipeline_events WHERE pipeline_id = ?').get(id) as {
      seq: number | null;
    };
    let seq = last.seq ?? -1;
    let status: PipelineStatus | undefined;
    for (const data of events) {
      seq += 1;
      db.prepare('INSERT INTO pipeline_events (pipeline_id, seq, at, data) VALUES (?, ?, ?, ?)').run(
        id,
        seq,
        at,
        JSON.stringify(PipelineEventDataSchema.parse(data)),
      );
      if (data.kind === 'pipeline_ended') status = data.status;
    }
    db.prepare('UPDATE pipelines SET updated_at = ?, status = COALESCE(?, status) WHERE pipeline_id = ?').run(
      at,
      status ?? null,
      id,
    );
  };

  return ok({
    create(pipelineId, started) {
      try {
        return db
          .transaction((): Result<PipelineSummary, CoordinatorError> => {
            const existing = row(pipelineId);
            if (existing !== undefined) return ok(summaryOf(existing));
            const at = now().toISOString();
            db.prepare(
              'INSERT INTO pipelines (pipeline_id, kind, status, goal, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
            ).run(pipelineId, started.pipelineKind, 'running', started.input.goal.slice(0, 2000), at, at);
            insert(pipelineId, [started]);
            return ok(summaryOf(row(pipelineId) as Row));
          })
          .immediate();
      } catch (e) {
        return err(io(e));
      }
    },
    append(pipelineId, events) {
      try {
        return db
          .transaction((): Result<void, CoordinatorError> => {
            const existing = row(pipelineId);
            if (existing === undefined)
              return err(
                coordinatorError('PIPELINE_NOT_FOUND', `No pipeline ${pipelineId}.`, { pipelineId }),
              );
            if (existing.status !== 'running')
              return err(
                coordinatorError(
                  'PIPELINE_ENDED',
                  `Pipeline ${pipelineId} already ended (${existing.status}).`,
                  {
                    pipelineId,
                    status: existing.status,
                  },
                ),
              );
            insert(pipelineId, events);
            return ok(undefined);
          })
          .immediate();
      } catch (e) {
        return err(io(e));
      }
    },
    read(pipelineId) {
      try {
        const existing = hasTables() ? row(pipelineId) : undefined;
        if (existing === undefined)
          return err(coordinatorError('PIPELINE_NOT_FOUND', `No pipeline ${pipelineId}.`, { pipelineId }));
        const events: PipelineEvent[] = [];
        for (const r of db
          .prepare('SELECT seq, at, data FROM pipeline_events WHERE pipeline_id = ? ORDER BY seq')
          .all(pipelineId) as { seq: number; at: string; data: string }[]) {
          const parsed = PipelineEventDataSchema.safeParse(JSON.parse(r.data));
          if (!parsed.success)
            return err(
              coordinatorError(
                'PIPELINE_INVALID',
                `Event ${r.seq} of pipeline ${pipelineId} does not parse.`,
                {
                  pipelineId,
                  issues: parsed.error.issues.map((i) => i.message),
                },
              ),
            );
          events.push({ pipelineId, seq: r.seq, at: r.at, data: parsed.data });
        }
        return ok({ summary: summaryOf(existing), events });
      } catch (e) {
        return err(io(e));
      }
    },
    list(listOptions = {}) {
      try {
        if (!hasTables()) return ok([]);
        const limit = listOptions.limit ?? 100;
        const rows = (
          listOptions.status === undefined
            ? db
                .prepare('SELECT * FROM pipelines ORDER BY created_at DESC, pipeline_id DESC LIMIT ?')
                .all(limit)
            : db
                .prepare(
                  'SELECT * FROM pipelines WHERE status = ? ORDER BY created_at DESC, pipeline_id DESC LIMIT ?',
                )
                .all(listOptions.status, limit)
        ) as Row[];
        return ok(rows.map(summaryOf));
      } catch (e) {
        return err(io(e));
      }
    },
    close() {
      db.close();
    },
  });
}
