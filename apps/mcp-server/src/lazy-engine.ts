import type { Engine, EngineError } from '@worktrain/engine';
import { errAsync, ResultAsync } from 'neverthrow';

/** An {@link Engine} built on first use, plus a way to start building it ahead of time. */
export interface LazyEngine {
  readonly engine: Engine;
  /** Starts loading (idempotent) and resolves when the real engine is ready or failed to load. */
  ensure(): Promise<Engine | EngineError>;
}

/**
 * Defers loading the engine (and with it the SQLite driver, the workflow schemas and the keyring) until a
 * tool call needs it or `ensure()` is called, so the MCP handshake does not wait for it: `initialize` and
 * `tools/list` need only the SDK. `load` runs once; a failure becomes every call's error (`STORE_ERROR`
 * with `details.cause`), never a throw.
 */
export function createLazyEngine(load: () => Promise<Engine | EngineError>): LazyEngine {
  let loading: Promise<Engine | EngineError> | undefined;
  const ensure = (): Promise<Engine | EngineError> => {
    loading ??= load().catch(
      (thrown: unknown) =>
        ({
          code: 'STORE_ERROR',
          message: `The engine could not be loaded: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        }) satisfies EngineError,
    );
    return loading;
  };
  function via<T>(run: (engine: Engine) => ResultAsync<T, EngineError>): ResultAsync<T, EngineError> {
    return ResultAsync.fromSafePromise(ensure()).andThen((loaded) =>
      'code' in loaded ? errAsync<T, EngineError>(loaded) : run(loaded),
    );
  }
  const engine: Engine = {
    listWorkflows: (input) => via((e) => e.listWorkflows(input)),
    inspectWorkflow: (input) => via((e) => e.inspectWorkflow(input)),
    startWorkflow: (input) => via((e) => e.startWorkflow(input)),
    continueWorkflow: (input) => via((e) => e.continueWorkflow(input)),
    checkpointWorkflow: (input) => via((e) => e.checkpointWorkflow(input)),
    resumeSession: (input) => via((e) => e.resumeSession(input)),
    resolveGate: (input) => via((e) => e.resolveGate(input)),
  };
  return { engine, ensure };
}
