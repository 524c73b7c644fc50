import { mkdirSync } from 'node:fs';
import {
  describeThrown,
  err,
  type Logger,
  ok,
  type Result,
  resolveWorktrainPaths,
  type WorkTrainError,
} from '@worktrain/contracts';
import {
  createEngine,
  createFileKeyring,
  createWorkflowRegistry,
  type Engine,
  type WorkflowSourceDir,
} from '@worktrain/engine';
import { createSqliteSessionStore } from '@worktrain/session-store';
import { bundledWorkflowsDir } from '@worktrain/workflows';

/** The engine the bin serves, with what must be closed on shutdown. */
export interface ComposedEngine {
  readonly engine: Engine;
  /** Where the data lives (for the startup log line). */
  readonly home: string;
  close(): void;
}

export type ComposeError = WorkTrainError<'HOME_UNUSABLE' | 'STORE_OPEN_FAILED' | 'KEYRING_FAILED'>;

/**
 * Wires the engine from its adapters: the SQLite session store at `$home/worktrain.db`, HMAC keys in
 * `$home/keys/`, and workflows from (later shadows earlier) the bundled library, `$home/workflows`, then
 * `workflowDirs` in order; each request's `<workspacePath>/.worktrain/workflows/` is added by the registry.
 */
export function composeEngine(options: {
  readonly home: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly workflowDirs: readonly string[];
  readonly logger: Logger;
}): Result<ComposedEngine, ComposeError> {
  const paths = resolveWorktrainPaths({
    ...(options.home !== undefined ? { home: options.home } : {}),
    env: options.env,
  });
  try {
    mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  } catch (thrown) {
    return err({ code: 'HOME_UNUSABLE', message: `Cannot create ${paths.home}: ${describeThrown(thrown)}` });
  }
  const store = createSqliteSessionStore({ path: paths.database });
  if (store.isErr()) {
    return err({
      code: 'STORE_OPEN_FAILED',
      message: store.error.message,
      details: { storeCode: store.error.code },
    });
  }
  const keyring = createFileKeyring(paths.keys);
  if (keyring.isErr()) {
    store.value.close();
    return err({
      code: 'KEYRING_FAILED',
      message: keyring.error.message,
      details: { keyringCode: keyring.error.code },
    });
  }
  const sources: WorkflowSourceDir[] = [
    { kind: 'bundled', dir: bundledWorkflowsDir },
    { kind: 'user', dir: paths.workflows },
    ...options.workflowDirs.map((dir): WorkflowSourceDir => ({ kind: 'custom', dir })),
  ];
  const engine = createEngine({
    store: store.value,
    keyring: keyring.value,
    workflows: createWorkflowRegistry({ sources }),
    logger: options.logger,
  });
  return ok({
    engine,
    home: paths.home,
    close: () => {
      store.value.close();
    },
  });
}
