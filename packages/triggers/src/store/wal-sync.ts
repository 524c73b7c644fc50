/**
 * Off-loop durability for group commits (`fsync: 'off-loop'`): decides whether a connection qualifies (a
 * file database in WAL mode at synchronous=FULL or EXTRA), fsyncs its `-wal` file on libuv's thread pool with
 * one fsync in flight at a time (commits made meanwhile share the next one), fsyncs the directory of a new
 * WAL file, and runs the WAL checkpoints SQLite would run inside COMMIT on a background worker instead.
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BackgroundCheckpointer, type CheckpointResult } from './checkpointer.js';
import type { Db } from './statements.js';

/** The WAL file to fsync off the event loop and the connection's own levels, restored after each batch. */
export interface WalTarget {
  readonly path: string;
  /** PRAGMA synchronous of the connection (2 FULL, 3 EXTRA). */
  readonly level: number;
  /** PRAGMA wal_autocheckpoint of the connection, pages (0: off; then no background checkpoints). */
  readonly autocheckpoint: number;
}

/** Minimum time between two background checkpoint requests, ms (each costs two fsyncs competing with the intake's). */
const CHECKPOINT_INTERVAL_MS = 500;

export class WalSyncer {
  readonly #db: Db;
  readonly #mode: 'off-loop' | 'in-commit';
  readonly #onCheckpoint: ((r: CheckpointResult) => void) | undefined;
  #target: WalTarget | null | undefined = undefined;
  #checkpointer: BackgroundCheckpointer | null = null;
  #lastCheckpointRequest = 0;
  #syncing = false;
  readonly #waiters: Array<(error: unknown) => void> = [];
  #walIno: number | null = null;

  /** `onCheckpoint` gets each background checkpoint's outcome; exceptions it throws are ignored. */
  constructor(db: Db, mode: 'off-loop' | 'in-commit', onCheckpoint?: (r: CheckpointResult) => void) {
    this.#db = db;
    this.#mode = mode;
    this.#onCheckpoint = onCheckpoint;
  }

  /**
   * Where and how to fsync off the event loop: the connection's `-wal` file and its synchronous level, or
   * null (in-commit fsync) when disabled, in memory, not in WAL mode, or below synchronous=FULL (then
   * SQLite's own setting is kept as it is). Decided on the first call, then fixed.
   */
  target(): WalTarget | null {
    if (this.#target !== undefined) return this.#target;
    let target: WalTarget | null = null;
    if (this.#mode === 'off-loop' && !this.#db.memory && this.#db.name !== '') {
      const mode = String(this.#db.pragma('journal_mode', { simple: true })).toLowerCase();
      const level = Number(this.#db.pragma('synchronous', { simple: true }));
      const autocheckpoint = Number(this.#db.pragma('wal_autocheckpoint', { simple: true }));
      if (mode === 'wal' && level >= 2) {
        target = { path: `${this.#db.name}-wal`, level, autocheckpoint };
        if (autocheckpoint > 0)
          this.#checkpointer = new BackgroundCheckpointer(this.#db.name, (r) => {
            try {
              this.#onCheckpoint?.(r);
            } catch {
              // A metrics hook must never fail an intake.
            }
          });
      }
    }
    this.#target = target;
    return target;
  }

  /**
   * True when the next commit leaves checkpoints to the background checkpointer: false when there is none,
   * it died, its last run failed or it lags beyond 4 × wal_autocheckpoint pages (readers pinning frames).
   */
  backgroundCheckpoints(wal: WalTarget): boolean {
    const c = this.#checkpointer;
    if (c === null || !c.usable) return false;
    const last = c.last;
    return !(last !== null && (!last.ok || last.log > 4 * wal.autocheckpoint));
  }

  /**
   * Calls `done` (with the fsync's error, or null) once an fsync of the WAL file that STARTED after this
   * call has finished: one fsync in flight at a time, and every commit made while it runs waits for the
   * next one (fsync covers the whole file, so one fsync makes every earlier commit durable). A new WAL file
   * (first use, or recreated) also has its directory fsynced, so the file itself survives a power loss.
   */
  sync(path: string, done: (error: unknown) => void): void {
    this.#waiters.push(done);
    if (!this.#syncing) this.#startSync(path);
  }

  /** Stops the background checkpointer. */
  close(): void {
    this.#checkpointer?.close();
  }

  #startSync(path: string): void {
    this.#syncing = true;
    const waiters = this.#waiters.splice(0);
    void this.#fsyncWal(path).then((failure) => {
      this.#syncing = false;
      this.#maybeCheckpoint();
      for (const w of waiters) w(failure);
      if (this.#waiters.length > 0) this.#startSync(path);
    });
  }

  /** After an fsync: a passive background checkpoint at most every 500 ms; no-op while one runs. */
  #maybeCheckpoint(): void {
    const c = this.#checkpointer;
    if (c === null) return;
    const now = performance.now();
    if (now - this.#lastCheckpointRequest < CHECKPOINT_INTERVAL_MS) return;
    this.#lastCheckpointRequest = now;
    c.request();
  }

  /** fsync of the WAL file (and of its directory the first time this file is seen); the error or null. */
  async #fsyncWal(path: string): Promise<unknown> {
    try {
      const fh = await open(path, 'r');
      try {
        // fdatasync, as SQLite uses on Linux: the frames and the file size, without the mtime journal write.
        await fh.datasync();
        const { ino } = await fh.stat();
        if (ino !== this.#walIno) {
          const dir = await open(dirname(path), 'r');
          try {
            await dir.sync();
          } finally {
            await dir.close();
          }
          this.#walIno = ino;
        }
      } finally {
        await fh.close();
      }
      return null;
    } catch (thrown) {
      return thrown;
    }
  }
}
