import type { Engine, EngineError } from '@worktrain/engine';
import { errAsync, ResultAsync } from 'neverthrow';

/** An {@link Engine} built on first use, plus a way to start building it ahead of time. */
export interface LazyEngine {
  readonly engine: Engine;
  /** Starts loading (idempotent) and resolves when the real engine is ready or failed to load. */
  ensure(): Promise<Engine | EngineError>;
  /**
   * Resolves once no engine call is in flight (or after `timeoutMs`), so a shutdown answers the requests
   * already received before the store closes.
   */
  idle(timeoutMs: number): Promise<void>;
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
  let inFlight = 0;
  let wakeIdle: (() => void) | undefined;
  function via<T>(run: (engine: Engine) => ResultAsync<T, EngineError>): ResultAsync<T, EngineError> {
    inFlight++;
    const settle = () => {
      inFlight--;
      if (inFlight === 0) wakeIdle?.();
    };
    const result = ResultAsync.fromSafePromise(ensure()).andThen((loaded) =>
      'code' in loaded ? errAsync<T, EngineError>(loaded) : run(loaded),
    );
    return new ResultAsync(Promise.resolve(result).finally(settle));
  }
  const idle = (timeoutMs: number): Promise<void> =>
    inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          wakeIdle = () => {
            clearTimeout(timer);
            resolve();
          };
        });
  const engine: Engine = {
    listWorkflows: (input) => via((e) => e.listWorkflows(input)),
    inspectWorkflow: (input) => via((e) => e.inspectWorkflow(input)),
    startWorkflow: (input) => via((e) => e.startWorkflow(input)),
    continueWorkflow: (input) => via((e) => e.continueWorkflow(input)),
    checkpointWorkflow: (input) => via((e) => e.checkpointWorkflow(input)),
    resumeSession: (input) => via((e) => e.resumeSession(input)),
    resolveGate: (input) => via((e) => e.resolveGate(input)),
  };
  return { engine, ensure, idle };
}
