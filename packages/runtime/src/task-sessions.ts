import type Database from 'better-sqlite3';

/**
 * The durable link between a queue task and the session it runs (`runtime_task_sessions` in
 * `worktrain.db`). Written right after the engine created the session, so a restarted daemon resumes that
 * session instead of starting a second one. Sessions also carry `daemonTaskId` in their initial context,
 * so a crash between the two writes is recovered by {@link TaskSessions.adopt}.
 */
export interface TaskSessions {
  get(taskId: string): string | null;
  set(taskId: string, sessionId: string): void;
  /** The task of a session, or null. */
  taskOf(sessionId: string): string | null;
}

export function openTaskSessions(db: Database.Database): TaskSessions {
  db.exec(`CREATE TABLE IF NOT EXISTS runtime_task_sessions (
    task_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  )`);
  const select = db.prepare<[string], { session_id: string }>(
    'SELECT session_id FROM runtime_task_sessions WHERE task_id = ?',
  );
  const selectTask = db.prepare<[string], { task_id: string }>(
    'SELECT task_id FROM runtime_task_sessions WHERE session_id = ?',
  );
  const insert = db.prepare<[string, string, number]>(
    'INSERT OR IGNORE INTO runtime_task_sessions (task_id, session_id, created_at) VALUES (?, ?, ?)',
  );
  return {
    get: (taskId) => select.get(taskId)?.session_id ?? null,
    set: (taskId, sessionId) => {
      insert.run(taskId, sessionId, Date.now());
    },
    taskOf: (sessionId) => selectTask.get(sessionId)?.task_id ?? null,
  };
}

/** A gate a session parked at, with the token that resolves it (kept until resolved). */
export interface ParkedGate {
  readonly sessionId: string;
  readonly gateToken: string;
  readonly stepId: string;
  readonly gateKind: string;
  readonly createdAt: number;
}

/** Parked gates of autonomous sessions (`runtime_gates`): the approvals API lists and resolves them. */
export interface ParkedGates {
  put(gate: ParkedGate): void;
  get(sessionId: string): ParkedGate | null;
  list(): ParkedGate[];
  remove(sessionId: string): void;
}

export function openParkedGates(db: Database.Database): ParkedGates {
  db.exec(`CREATE TABLE IF NOT EXISTS runtime_gates (
    session_id TEXT PRIMARY KEY,
    gate_token TEXT NOT NULL,
    step_id TEXT NOT NULL,
    gate_kind TEXT NOT NULL,
    created_at INTEGER NOT NULL
  )`);
  type Row = {
    session_id: string;
    gate_token: string;
    step_id: string;
    gate_kind: string;
    created_at: number;
  };
  const toGate = (r: Row): ParkedGate => ({
    sessionId: r.session_id,
    gateToken: r.gate_token,
    stepId: r.step_id,
    gateKind: r.gate_kind,
    createdAt: r.created_at,
  });
  const upsert = db.prepare<[string, string, string, string, number]>(
    'INSERT OR REPLACE INTO runtime_gates (session_id, gate_token, step_id, gate_kind, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const one = db.prepare<[string], Row>('SELECT * FROM runtime_gates WHERE session_id = ?');
  const all = db.prepare<[], Row>('SELECT * FROM runtime_gates ORDER BY created_at');
  const del = db.prepare<[string]>('DELETE FROM runtime_gates WHERE session_id = ?');
  return {
    put: (g) => {
      upsert.run(g.sessionId, g.gateToken, g.stepId, g.gateKind, g.createdAt);
    },
    get: (sessionId) => {
      const r = one.get(sessionId);
      return r === undefined ? null : toGate(r);
    },
    list: () => all.all().map(toGate),
    remove: (sessionId) => {
      del.run(sessionId);
    },
  };
}
