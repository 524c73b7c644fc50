import type Database from 'better-sqlite3';

/**
 * Operations of one kind that run together as one statement (e.g. every completion of a batch in one
 * set-based UPDATE). `runMany` gets the items of consecutive submissions in order and returns one result per
 * item; like single operations it must write nothing for an item whose result is an error value.
 */
export interface Combiner<I, T> {
  runMany(items: readonly I[]): T[];
}

interface PendingOp {
  readonly run: (() => unknown) | null;
  readonly combiner: Combiner<unknown, unknown> | null;
  readonly item: unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

export interface GroupCommitOptions {
  /** Longest an operation waits for companions before its batch commits, ms. 0 = next event-loop turn. Default 1. */
  readonly windowMs?: number;
  /** A batch commits as soon as it holds this many operations. Default 2 000. */
  readonly maxBatch?: number;
  /** Runs first inside every batch transaction (e.g. the lease sweeper). */
  readonly beforeBatch?: () => void;
  /** Runs after every successful commit (e.g. to schedule an idle checkpoint). */
  readonly afterCommit?: () => void;
}

/**
 * Group commit: collects write operations for up to `windowMs` (or `maxBatch` ops), runs them all in one
 * `BEGIN IMMEDIATE` transaction and one fsync'd COMMIT (`synchronous=FULL`), then resolves each caller.
 * Nothing resolves before its commit, so every acknowledged operation is durable; a batch that fails to
 * commit rejects all its callers (none of them acknowledged).
 *
 * Operations must be synchronous and must write nothing when they return an error value; a thrown
 * exception aborts the whole batch.
 */
export class GroupCommitter {
  private queue: PendingOp[] = [];
  private scheduled = false;
  private readonly windowMs: number;
  private readonly maxBatch: number;
  /** Number of committed batches (for tests and stats). */
  batches = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly options: GroupCommitOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 1;
    this.maxBatch = options.maxBatch ?? 2000;
  }

  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push({ run, combiner: null, item: undefined, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  /**
   * Like {@link submit}, but consecutive submissions with the same `combiner` run as one `runMany` call
   * inside the batch transaction (one statement instead of one per item).
   */
  submitCombined<I, T>(combiner: Combiner<I, T>, item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.push({
        run: null,
        combiner: combiner as Combiner<unknown, unknown>,
        item,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
    });
  }

  private push(op: PendingOp): void {
    this.queue.push(op);
    if (this.queue.length >= this.maxBatch) {
      this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      if (this.windowMs > 0) setTimeout(() => this.flush(), this.windowMs);
      else setImmediate(() => this.flush());
    }
  }

  /** Runs every operation of `batch` in order, combining runs of the same combiner. */
  private runAll(batch: readonly PendingOp[], results: unknown[]): void {
    let i = 0;
    while (i < batch.length) {
      const op = batch[i]!;
      if (op.combiner === null) {
        results[i] = op.run!();
        i++;
        continue;
      }
      let j = i + 1;
      while (j < batch.length && batch[j]!.combiner === op.combiner) j++;
      const items: unknown[] = new Array(j - i);
      for (let k = i; k < j; k++) items[k - i] = batch[k]!.item;
      const out = op.combiner.runMany(items);
      if (out.length !== items.length) throw new Error('Combiner.runMany must return one result per item');
      for (let k = i; k < j; k++) results[k] = out[k - i];
      i = j;
    }
  }

  /** Commits everything queued so far (normally called by the scheduler). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const results: unknown[] = new Array(batch.length);
    try {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        this.options.beforeBatch?.();
        this.runAll(batch, results);
        this.db.exec('COMMIT');
      } catch (thrown) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw thrown;
      }
    } catch (thrown) {
      for (const op of batch) op.reject(thrown);
      return;
    }
    this.batches++;
    this.options.afterCommit?.();
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]);
  }

  get pendingCount(): number {
    return this.queue.length;
  }
}
