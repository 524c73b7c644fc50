/**
 * Test rig of the lifecycle's stages: a real SQLite session store in a temp dir, the engine over the
 * runtime's test workflows, the task links, a daemon event bus that keeps what it emits, and a logger that
 * keeps its lines. Each stage test builds the deps it needs from these.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonObject, Logger } from '@worktrain/contracts';
import { systemClock } from '@worktrain/contracts';
import { createEngine, createFileKeyring, createWorkflowRegistry, type Engine } from '@worktrain/engine';
import type { LeasedTask } from '@worktrain/queue';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';
import { createDaemonEventBus, type DaemonEvent, type DaemonEventBus } from '../../daemon-events.js';
import type { DeliveryTarget } from '../../payload.js';
import {
  openParkedGates,
  openTaskSessions,
  type ParkedGates,
  type TaskSessions,
} from '../../task-sessions.js';
import { META_KEY, metaToJson } from '../session-meta.js';

const workflowsDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/workflows');

/** One line a {@link recordingLogger} kept. */
export interface LogLine {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A logger that keeps every line (with its child bindings) in `lines`. */
export interface RecordingLogger extends Logger {
  readonly lines: LogLine[];
}

export function recordingLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): RecordingLogger {
  const at =
    (level: string) =>
    (fields: Record<string, unknown>, message?: string): void => {
      lines.push({ level, fields: { ...bindings, ...fields }, message: message ?? '' });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

export interface StageRig {
  readonly dir: string;
  readonly store: SqliteSessionStore;
  readonly engine: Engine;
  readonly taskSessions: TaskSessions;
  readonly gates: ParkedGates;
  readonly events: DaemonEventBus;
  /** What `events` emitted, in order. */
  readonly emitted: DaemonEvent[];
  readonly logger: RecordingLogger;
  readonly clock: typeof systemClock;
  /** A leased task with `payload` (attempt 1, never failed, unless overridden). */
  task(payload: JsonObject, overrides?: Partial<LeasedTask>): LeasedTask;
  /** Starts a daemon session of `test.daemon-fix` for `taskId` (meta as the lifecycle writes it). */
  startSession(input: {
    readonly taskId: string;
    readonly repoPath: string;
    readonly target?: DeliveryTarget;
    readonly triggerId?: string | null;
  }): Promise<{ sessionId: string; continueToken: string | null }>;
  cleanup(): void;
}

/** A target with nowhere to deliver (the work stays on the branch). */
export const NO_TARGET: DeliveryTarget = {
  forge: 'github',
  repo: null,
  issueNumber: null,
  noteOn: 'issue',
  jiraIssueKey: null,
};

/** Builds a {@link StageRig}; call `cleanup()` after the test. */
export function createStageRig(): StageRig {
  const dir = mkdtempSync(join(tmpdir(), 'worktrain-stage-'));
  const store = createSqliteSessionStore({
    path: join(dir, 'worktrain.db'),
    clock: systemClock,
    logger: recordingLogger(),
  })._unsafeUnwrap();
  const keyring = createFileKeyring(join(dir, 'keys'))._unsafeUnwrap();
  const engine = createEngine({
    store,
    keyring,
    workflows: createWorkflowRegistry({ sources: [{ kind: 'custom', dir: workflowsDir }] }),
    clock: systemClock,
    logger: recordingLogger(),
  });
  const emitted: DaemonEvent[] = [];
  const events = createDaemonEventBus(() => systemClock.now());
  events.subscribe((e) => emitted.push(e));
  let n = 0;
  return {
    dir,
    store,
    engine,
    taskSessions: openTaskSessions(store.database),
    gates: openParkedGates(store.database),
    events,
    emitted,
    logger: recordingLogger(),
    clock: systemClock,
    task(payload, overrides = {}) {
      n += 1;
      const now = systemClock.now();
      return {
        id: `task-${n}`,
        queue: 'default',
        payload,
        priority: 0,
        runAt: now,
        dedupeKey: null,
        attempt: 1,
        maxAttempts: 3,
        state: 'leased',
        leaseToken: `lease-${n}`,
        leaseOwner: 'worker-1',
        leasedUntil: now + 60_000,
        lastError: null,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
        ...overrides,
      };
    },
    async startSession(input) {
      const meta = metaToJson({
        taskId: input.taskId,
        repoPath: input.repoPath,
        triggerId: input.triggerId ?? null,
        target: input.target ?? NO_TARGET,
      });
      const started = await engine.startWorkflow({
        workflowId: 'test.daemon-fix',
        goal: 'fix add()',
        workspacePath: input.repoPath,
        context: { [META_KEY]: meta },
        mode: 'autonomous',
        source: 'daemon',
      });
      const value = started._unsafeUnwrap();
      return { sessionId: value.sessionId, continueToken: value.continueToken ?? null };
    },
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
