import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Outcome of one `PRAGMA wal_checkpoint(PASSIVE)` (SQLite's three columns), or why it failed. */
export type CheckpointResult =
  | { readonly ok: true; readonly busy: number; readonly log: number; readonly checkpointed: number }
  | { readonly ok: false; readonly message: string };

// CommonJS source of the worker: its own better-sqlite3 connection on the same file, at synchronous=FULL,
// so the checkpoint fsyncs the WAL before copying frames and the database file after (SQLite's order).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let db = null;
parentPort.on('message', () => {
  try {
    if (db === null) {
      db = new Database(workerData.path, { fileMustExist: true });
      db.pragma('busy_timeout = 0');
      db.pragma('synchronous = FULL');
    }
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, busy: row.busy, log: row.log, checkpointed: row.checkpointed });
  } catch (e) {
    parentPort.postMessage({ ok: false, message: String(e && e.message ? e.message : e) });
  }
});
`;

/**
 * Runs passive WAL checkpoints of a database file on a worker thread with its own connection, so the
 * copy of WAL frames into the database and its two fsyncs never run inside a commit on the event loop
 * (a checkpoint blocks for tens of ms on a busy disk). PASSIVE never blocks writers or readers; frames a
 * reader still needs are left for the next one. One checkpoint at a time; `request` while one runs is a
 * no-op. The worker is unref'd (it never keeps a process alive); `close` terminates it.
 */
export class BackgroundCheckpointer {
  readonly #worker: Worker;
  #running = false;
  #closed = false;
  #last: CheckpointResult | null = null;
  readonly #onResult: (r: CheckpointResult) => void;

  constructor(path: string, onResult: (r: CheckpointResult) => void = () => {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
    this.#worker.unref();
    this.#onResult = onResult;
    this.#worker.on('message', (r: CheckpointResult) => {
      this.#running = false;
      this.#last = r;
      this.#onResult(r);
    });
    this.#worker.on('error', (e) => {
      this.#running = false;
      this.#closed = true;
      this.#last = { ok: false, message: e.message };
      this.#onResult(this.#last);
    });
  }

  /** The last checkpoint's outcome (null before the first). */
  get last(): CheckpointResult | null {
    return this.#last;
  }

  /** False once closed or after the worker died (callers then fall back to SQLite's auto-checkpoint). */
  get usable(): boolean {
    return !this.#closed;
  }

  /** Starts a checkpoint unless one is running. */
  request(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    this.#worker.postMessage(null);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    void this.#worker.terminate();
  }
}
