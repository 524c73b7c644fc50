import { type BackoffPolicy, computeBackoff, describeThrown, makeError, sleep } from '@worktrain/contracts';
import pg from 'pg';
import type { QueueError } from '../queue.js';

/** Reconnecting an operation: 50 ms doubling to 2 s; equal jitter so a restarted server is not hit at once. */
const CONNECT_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 2000, jitter: 'equal' };
/** Re-LISTENing after the server went away: 100 ms doubling to 5 s. */
const LISTEN_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 5000, jitter: 'equal' };

/** Connection settings of the PostgreSQL backend. */
export interface PgConnectionOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/worktrain`. Secrets in it are never logged. */
  readonly connectionString: string;
  /** Pool size. Default 10. */
  readonly poolSize?: number;
  /** How long an operation keeps retrying to (re)connect with backoff before STORE_UNAVAILABLE, ms. Default 10 000. */
  readonly reconnectTimeoutMs?: number;
  /** Reported in `pg_stat_activity`. Default `worktrain-queue`. */
  readonly applicationName?: string;
}

/** SQLSTATE classes / driver errors meaning "the server is unreachable or went away". */
function isConnectionError(thrown: unknown): boolean {
  const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : '';
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code))
    return true;
  return /Connection terminated|connection ended|Client has encountered a connection error|not queryable/i.test(
    describeThrown(thrown),
  );
}

/** Maps a driver exception to a queue error. */
export function pgError(thrown: unknown, what: string): QueueError {
  const message = describeThrown(thrown);
  if (isConnectionError(thrown)) {
    return makeError('STORE_UNAVAILABLE', `PostgreSQL is unreachable during ${what}: ${message}`);
  }
  const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : '';
  return makeError(
    'STORE_IO',
    `PostgreSQL error during ${what}: ${message}`,
    code === '' ? undefined : { sqlstate: code },
  );
}

/** Thrown inside `withClient` bodies to abort with a domain error (after ROLLBACK when in a transaction). */
export class DomainAbort extends Error {
  constructor(readonly error: QueueError) {
    super(error.message);
  }
}

/**
 * A pool that survives server restarts (every session runs with `synchronous_commit = on`): idle clients that die are dropped (never crash the process), and
 * operations that fail to *connect* are retried with exponential backoff (50 ms doubling to 2 s, equal jitter) until
 * `reconnectTimeoutMs`. An operation whose connection dies *mid-flight* is retried only when `idempotent`;
 * otherwise it fails with STORE_UNAVAILABLE, its outcome unknown and not acknowledged.
 */
export class PgConnection {
  readonly pool: pg.Pool;
  private readonly reconnectTimeoutMs: number;

  constructor(readonly options: PgConnectionOptions) {
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'worktrain-queue',
    });
    // An idle client whose server went away emits 'error'; without a listener that would crash the process.
    this.pool.on('error', () => undefined);
    // Acknowledged means durable: every commit waits for its WAL flush, whatever the server, database, role
    // or connection string default is. Only claims opt out per transaction (SET LOCAL; see docs/queue.md).
    // The client queues this before any query the pool hands it out for.
    this.pool.on('connect', (client) => {
      client.query('SET synchronous_commit TO on').catch(() => undefined);
    });
    this.reconnectTimeoutMs = options.reconnectTimeoutMs ?? 10_000;
  }

  async withClient<T>(
    _what: string,
    idempotent: boolean,
    body: (c: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    const deadline = Date.now() + this.reconnectTimeoutMs;
    let retry = 0;
    let delay = computeBackoff(retry, CONNECT_BACKOFF);
    const wait = async (): Promise<void> => {
      await sleep(delay);
      retry += 1;
      delay = computeBackoff(retry, CONNECT_BACKOFF);
    };
    for (;;) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (thrown) {
        if (!isConnectionError(thrown) || Date.now() + delay > deadline) throw thrown;
        await wait();
        continue;
      }
      try {
        const out = await body(client);
        client.release();
        return out;
      } catch (thrown) {
        const broken = isConnectionError(thrown);
        client.release(broken ? (thrown as Error) : undefined);
        if (!broken || !idempotent || Date.now() + delay > deadline) throw thrown;
        await wait();
      }
    }
  }

  /** Runs `body` in a transaction; a {@link DomainAbort} or any error rolls back. */
  transaction<T>(what: string, idempotent: boolean, body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(what, idempotent, async (c) => {
      await c.query('BEGIN');
      try {
        const out = await body(c);
        await c.query('COMMIT');
        return out;
      } catch (thrown) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw thrown;
      }
    });
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

/**
 * A dedicated LISTEN connection that reconnects with backoff (100 ms doubling to 5 s, equal jitter) when the server goes
 * away, calling `onReconnect` so callers poll for work they may have missed meanwhile.
 */
export class PgListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retry = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: PgConnectionOptions,
    private readonly channel: string,
    private readonly onNotify: (payload: string) => void,
    private readonly onReconnect: () => void,
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: `${this.options.applicationName ?? 'worktrain-queue'}-listen`,
    });
    client.on('error', () => this.restart(client));
    client.on('end', () => this.restart(client));
    client.on('notification', (n) => this.onNotify(n.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      this.client = client;
      this.retry = 0;
      this.onReconnect();
    } catch {
      this.restart(client);
    }
  }

  private restart(client: pg.Client): void {
    if (this.stopped || this.timer !== null) return;
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.start();
      },
      computeBackoff(this.retry, LISTEN_BACKOFF),
    );
    this.timer.unref();
    this.retry += 1;
    this.onReconnect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    await this.client?.end().catch(() => undefined);
  }
}
