/**
 * The daemon's stores over one `worktrain.db` (DESIGN §3): the data directory and API token, the session
 * store, keyring and engine (with its cached workflow registry), conversations, task links and parked
 * gates, the trigger store and the queue. Each opened store registers its close with the caller.
 */
import { randomBytes } from 'node:crypto';
import { type ConversationStore, createSqliteConversationStore } from '@worktrain/agent';
import { type Clock, err, type Logger, ok, type Result, type WorktrainPaths } from '@worktrain/contracts';
import {
  createEngine,
  createFileKeyring,
  createWorkflowRegistry,
  type Engine,
  type WorkflowRegistry,
} from '@worktrain/engine';
import { openSqliteQueue, type SqliteTaskQueue } from '@worktrain/queue';
import { createSqliteSessionStore, type SqliteSessionStore } from '@worktrain/session-store';
import { openTriggerStore, type TriggerStore } from '@worktrain/triggers';
import type { RuntimeConfig } from '../config.js';
import { type RuntimeError, runtimeError } from '../errors.js';
import { ensureDaemonToken, ensureDir } from '../files.js';
import { openParkedGates, openTaskSessions, type ParkedGates, type TaskSessions } from '../task-sessions.js';
import { daemonWorkflowSources } from '../trigger-check.js';
import { cacheWorkflowLookups } from '../workflow-cache.js';

/** The opened stores of one runtime. */
export interface RuntimeStores {
  /** The daemon's API token (`$WORKTRAIN_HOME/daemon.token`, created on first start). */
  readonly token: string;
  readonly store: SqliteSessionStore;
  /** One registry for sessions and for the trigger check (webhooks, hot reload). */
  readonly workflows: WorkflowRegistry;
  readonly engine: Engine;
  readonly conversations: ConversationStore;
  readonly taskSessions: TaskSessions;
  readonly gates: ParkedGates;
  readonly triggerStore: TriggerStore;
  readonly queue: SqliteTaskQueue;
}

/**
 * Creates the data directories and token, then opens the stores. `onClose` receives each opened store's
 * close (the caller closes them in reverse order, also when a later step fails). Errors: the file errors
 * of `ensureDir`/`ensureDaemonToken`, STORE_OPEN_FAILED, KEYRING_FAILED, TRIGGERS_FAILED, QUEUE_OPEN_FAILED.
 */
export function openRuntimeStores(input: {
  readonly config: RuntimeConfig;
  readonly paths: WorktrainPaths;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onClose: (close: () => Promise<void> | void) => void;
}): Result<RuntimeStores, RuntimeError> {
  const { config, paths, clock, logger, onClose } = input;
  for (const dir of [paths.home, paths.worktrees, paths.logs]) {
    const made = ensureDir(dir);
    if (made.isErr()) return err(made.error);
  }
  const token = ensureDaemonToken(paths.daemonToken, () => randomBytes(32).toString('hex'));
  if (token.isErr()) return err(token.error);

  const store = createSqliteSessionStore({
    path: paths.database,
    clock,
    logger: logger.child({ component: 'store' }),
  });
  if (store.isErr())
    return err(runtimeError('STORE_OPEN_FAILED', store.error.message, { storeCode: store.error.code }));
  onClose(() => {
    store.value.close();
  });
  const keyring = createFileKeyring(paths.keys);
  if (keyring.isErr()) return err(runtimeError('KEYRING_FAILED', keyring.error.message));
  const workflows = cacheWorkflowLookups(
    createWorkflowRegistry({ sources: daemonWorkflowSources(config, paths) }),
    clock,
  );
  const engine = createEngine({
    store: store.value,
    keyring: keyring.value,
    workflows,
    clock,
    logger: logger.child({ component: 'engine' }),
  });
  const conversations = createSqliteConversationStore({ database: store.value.database });
  if (conversations.isErr()) return err(runtimeError('STORE_OPEN_FAILED', conversations.error.message));

  const triggerStore = openTriggerStore({ path: paths.database }, { clock });
  if (triggerStore.isErr()) return err(runtimeError('TRIGGERS_FAILED', triggerStore.error.message));
  onClose(() => triggerStore.value.close());
  const queue = openSqliteQueue({
    db: triggerStore.value.db,
    clock,
    defaultMaxAttempts: config.queue.maxAttempts,
  });
  if (queue.isErr())
    return err(runtimeError('QUEUE_OPEN_FAILED', queue.error.message, { queueCode: queue.error.code }));
  onClose(() => queue.value.close());
  return ok({
    token: token.value,
    store: store.value,
    workflows,
    engine,
    conversations: conversations.value,
    taskSessions: openTaskSessions(store.value.database),
    gates: openParkedGates(store.value.database),
    triggerStore: triggerStore.value,
    queue: queue.value,
  });
}
