/**
 * Which runtime processes have used this data directory, so that a restarted daemon can take back the
 * leases of a predecessor that was killed instead of waiting for them to expire.
 *
 * Each runtime registers itself (worker id, pid, hostname, process start identity) in `worktrain.db` on
 * start and marks itself ended on a clean stop. On start, every registered runtime of the same host that
 * did not end and whose process is certainly gone (no such pid, or the pid now belongs to a process that
 * started later — pid reuse, reboot) is a dead predecessor: its leases are released at once with an audit
 * reason (`TaskQueue.releaseLeases`). Only worker ids recorded in this home are ever released, so another
 * daemon sharing a PostgreSQL queue from another home or machine is never affected; a runtime of another
 * host (a home on a network share) cannot be proven dead and keeps its leases until they expire.
 */
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import type { Clock, Logger } from '@worktrain/contracts';
import type { TaskQueue } from '@worktrain/queue';
import type Database from 'better-sqlite3';

/** One registered runtime process. Times in ms since the epoch. */
export interface Incarnation {
  readonly workerId: string;
  readonly pid: number;
  readonly hostname: string;
  /** `<boot id>:<start time in clock ticks>` of the process on Linux, else null (pid check only). */
  readonly processStart: string | null;
  readonly startedAt: number;
}

/** The process facts that tell whether an incarnation still runs (injected in tests). */
export interface ProcessProbe {
  readonly hostname: string;
  /** The start identity of `pid` now, or null when unknown (non-Linux); undefined when no such process. */
  startOf(pid: number): string | null | undefined;
}

export interface Incarnations {
  /**
   * Registers `me` and returns the dead predecessors (same host, not ended, process gone). Runs in one
   * `BEGIN IMMEDIATE` transaction, so two runtimes starting at once see a consistent registry.
   */
  register(me: Incarnation): readonly Incarnation[];
  /** Marks incarnations ended (their leases were released, or the runtime stopped cleanly). */
  end(workerIds: readonly string[], at: number): void;
}

/** Opens (creating if needed) the incarnation registry on the WorkTrain database connection `db`. */
export function openIncarnations(db: Database.Database, probe: ProcessProbe = localProbe()): Incarnations {
  db.exec(`CREATE TABLE IF NOT EXISTS runtime_incarnations (
    worker_id TEXT PRIMARY KEY,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    process_start TEXT,
    started_at INTEGER NOT NULL,
    ended_at INTEGER
  )`);
  const open = db.prepare(
    'SELECT worker_id, pid, hostname, process_start, started_at FROM runtime_incarnations WHERE ended_at IS NULL',
  );
  const upsert = db.prepare(
    `INSERT INTO runtime_incarnations (worker_id, pid, hostname, process_start, started_at, ended_at)
     VALUES (?, ?, ?, ?, ?, NULL)
     ON CONFLICT(worker_id) DO UPDATE SET pid = excluded.pid, hostname = excluded.hostname,
       process_start = excluded.process_start, started_at = excluded.started_at, ended_at = NULL`,
  );
  const endOne = db.prepare(
    'UPDATE runtime_incarnations SET ended_at = ? WHERE worker_id = ? AND ended_at IS NULL',
  );
  const register = db.transaction((me: Incarnation): Incarnation[] => {
    const rows = open.all() as Array<{
      worker_id: string;
      pid: number;
      hostname: string;
      process_start: string | null;
      started_at: number;
    }>;
    const dead: Incarnation[] = [];
    for (const r of rows) {
      const inc: Incarnation = {
        workerId: r.worker_id,
        pid: r.pid,
        hostname: r.hostname,
        processStart: r.process_start,
        startedAt: r.started_at,
      };
      // A row with our own worker id is an earlier runtime whose pid was recycled (after a reboot): dead
      // too unless it is this very process, and its leases go before our worker claims anything.
      if (isDead(inc, probe)) dead.push(inc);
    }
    upsert.run(me.workerId, me.pid, me.hostname, me.processStart, me.startedAt);
    return dead;
  });
  return {
    register: (me) => register.immediate(me),
    end: (workerIds, at) => {
      db.transaction(() => {
        for (const id of workerIds) endOne.run(at, id);
      }).immediate();
    },
  };
}

/** Certainly dead: registered on this host, and its pid is gone or now names a later process. */
function isDead(inc: Incarnation, probe: ProcessProbe): boolean {
  if (inc.hostname !== probe.hostname) return false;
  const now = probe.startOf(inc.pid);
  if (now === undefined) return true;
  // Without a start identity on either side only "no such pid" proves death.
  if (now === null || inc.processStart === null) return false;
  return now !== inc.processStart;
}

/** The probe of this machine: `process.kill(pid, 0)` plus `/proc` start times on Linux. */
export function localProbe(hostname = osHostname()): ProcessProbe {
  const bootId = readOr('/proc/sys/kernel/random/boot_id');
  return {
    hostname,
    startOf(pid) {
      try {
        process.kill(pid, 0);
      } catch (thrown) {
        const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? thrown.code : '';
        if (code === 'ESRCH') return undefined;
        // EPERM: the process exists but belongs to another user.
      }
      const stat = readOr(`/proc/${pid}/stat`);
      if (stat === null || bootId === null) return null;
      // Field 22 (starttime) counts from the end of the parenthesised command name, which may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie (killed, not yet reaped by its parent) or dead process runs no code: it holds nothing.
      if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
      const start = fields[19];
      return start === undefined ? null : `${bootId.trim()}:${start}`;
    },
  };
}

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** What {@link takeOverFromDeadPredecessors} needs. */
export interface TakeOverOptions {
  /** The connection holding the queue (the registry lives beside it in `worktrain.db`). */
  readonly db: Database.Database;
  readonly queue: Pick<TaskQueue, 'releaseLeases'>;
  /** This runtime's lease owner id. */
  readonly workerId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly probe?: ProcessProbe;
}

/**
 * Registers this runtime and releases, with an audit reason, the leases of every dead predecessor in this
 * home, so their tasks run again now rather than when the leases expire. Call before the workers start.
 * Never fails the start: on an error the leases are left to expire (logged). Returns `end`, which marks this
 * runtime ended on a clean stop.
 */
export async function takeOverFromDeadPredecessors(options: TakeOverOptions): Promise<{ end(): void }> {
  const { clock, logger, workerId } = options;
  const probe = options.probe ?? localProbe();
  let registry: Incarnations;
  let dead: readonly Incarnation[];
  try {
    registry = openIncarnations(options.db, probe);
    dead = registry.register({
      workerId,
      pid: process.pid,
      hostname: probe.hostname,
      processStart: probe.startOf(process.pid) ?? null,
      startedAt: clock.now(),
    });
  } catch (thrown) {
    logger.warn({ error: String(thrown) }, 'cannot record this runtime; leases of a killed daemon expire');
    return { end: () => undefined };
  }
  if (dead.length > 0) {
    const reason = `daemon restarted: previous process${dead.length > 1 ? 'es' : ''} ${dead
      .map((d) => `${d.pid} (${d.workerId})`)
      .join(', ')} on ${probe.hostname} ended without releasing ${dead.length > 1 ? 'their' : 'its'} leases`;
    const released = await options.queue.releaseLeases({
      workerIds: dead.map((d) => d.workerId),
      reason,
      actor: workerId,
    });
    if (released.isErr())
      logger.warn(
        { code: released.error.code, workers: dead.map((d) => d.workerId) },
        `cannot release the leases of a killed daemon (they expire instead): ${released.error.message}`,
      );
    else {
      // Our own id may be among them (a recycled pid): it is registered again as live by `register`.
      registry.end(
        dead.map((d) => d.workerId).filter((id) => id !== workerId),
        clock.now(),
      );
      logger.info(
        { ...released.value, workers: dead.map((d) => d.workerId) },
        'leases of a killed daemon released',
      );
    }
  }
  return {
    end: () => {
      try {
        registry.end([workerId], clock.now());
      } catch (thrown) {
        logger.warn({ error: String(thrown) }, 'cannot record the end of this runtime');
      }
    },
  };
}
