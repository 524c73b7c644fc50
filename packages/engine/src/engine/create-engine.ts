/**
 * `createEngine`: the engine facade (see `Engine` in api.ts). Every method returns a ResultAsync and never
 * throws or rejects: store errors become STORE_ERROR (or SESSION_NOT_FOUND / SNAPSHOT_MISSING), and an
 * unexpected exception is logged and returned as INTERNAL_ERROR (details.operation).
 */
import {
  describeThrown,
  err,
  makeError,
  ok,
  type Result,
  ResultAsync,
  randomIds,
  silentLogger,
  systemClock,
} from '@worktrain/contracts';
import type {
  ContinueInput,
  ContinueResponse,
  Engine,
  EngineError,
  EngineOptions,
  WorkflowListItem,
} from '../api.js';
import type { CompiledWorkflow } from '../compiled.js';
import { toInspectJson } from '../compiler/index.js';
import { verifyToken } from '../tokens/index.js';
import { advance } from './advance.js';
import type { EngineDeps } from './core.js';
import { parseContext, parseOutput } from './input.js';
import { resolveLimits } from './limits.js';
import { resumeSessions } from './resume.js';
import { resolveSessionCacheLimits, SessionCache } from './session-cache.js';
import { checkpoint, rehydrate, resolveGate, startSession } from './session-ops.js';
import { compileLoaded, listItem } from './workflows.js';

/**
 * Builds an engine over a session store, a keyring and a workflow registry.
 * Options: `store` (durable log), `keyring` (token HMAC keys), `workflows` (registry), `clock`
 * (default system clock), `ids` (default random ids), `logger` (default silent), `limits` (partial
 * override of `DEFAULT_ENGINE_LIMITS`), `sessionCache` (bounds of the session cache, partial override of
 * `DEFAULT_SESSION_CACHE`).
 */
export function createEngine(options: EngineOptions): Engine {
  const deps: EngineDeps = {
    store: options.store,
    keyring: options.keyring,
    workflows: options.workflows,
    clock: options.clock ?? systemClock,
    ids: options.ids ?? randomIds,
    logger: options.logger ?? silentLogger,
    limits: resolveLimits(options.limits),
    snapshots: new Map<string, CompiledWorkflow>(),
    sessions: new SessionCache(resolveSessionCacheLimits(options.sessionCache)),
  };

  function guard<T>(
    operation: string,
    run: () => Promise<Result<T, EngineError>>,
  ): ResultAsync<T, EngineError> {
    const promise = (async () => {
      try {
        return await run();
      } catch (thrown) {
        deps.logger.error(
          { operation, error: describeThrown(thrown) },
          'engine operation failed unexpectedly',
        );
        return err(
          makeError('INTERNAL_ERROR', `Unexpected failure in ${operation}: ${describeThrown(thrown)}`, {
            operation,
          }),
        );
      }
    })();
    return new ResultAsync(promise);
  }

  async function continueWorkflow(input: ContinueInput): Promise<Result<ContinueResponse, EngineError>> {
    if (typeof input !== 'object' || input === null)
      return err(makeError('INPUT_INVALID', 'continue input must be an object.'));
    const token: unknown = input.continueToken;
    if (input?.intent !== undefined && input.intent !== 'advance' && input.intent !== 'rehydrate') {
      return err(makeError('INPUT_INVALID', 'intent must be "advance" or "rehydrate".'));
    }
    // WorkRail: intent defaults to "advance" when output is present, otherwise "rehydrate".
    const hasOutput = input.output !== undefined && input.output !== null;
    const intent = input.intent ?? (hasOutput ? 'advance' : 'rehydrate');
    if (intent === 'rehydrate' && hasOutput) {
      return err(
        makeError(
          'INPUT_INVALID',
          'intent is "rehydrate" but output was provided; rehydration is read-only. Use intent "advance" to submit output.',
        ),
      );
    }
    if (intent === 'rehydrate') {
      const verified = verifyToken(deps.keyring, token, { kinds: ['continue', 'state'] });
      if (verified.isErr()) return err(verified.error);
      return rehydrate(deps, verified.value);
    }
    const verified = verifyToken(deps.keyring, token, { kinds: ['continue'] });
    if (verified.isErr()) return err(verified.error);
    const context = parseContext(input.context, deps.limits, 'context');
    if (context.isErr()) return err(context.error);
    const output = parseOutput(input.output, deps.limits);
    if (output.isErr()) return err(output.error);
    return advance(deps, String(token), verified.value, output.value, context.value);
  }

  return {
    listWorkflows: (input) =>
      guard('listWorkflows', async () => {
        const listed = await deps.workflows.list(
          input?.workspacePath === undefined ? {} : { workspacePath: input.workspacePath },
        );
        if (listed.isErr()) return err(listed.error);
        const workflows: WorkflowListItem[] = [];
        const validationWarnings: { workflowId: string; path: string; errors: string[] }[] =
          listed.value.invalid.map((i) => ({
            workflowId: i.workflowId ?? '(unknown)',
            path: i.path,
            errors: [...i.errors],
          }));
        for (const loaded of listed.value.workflows) {
          const compiled = await compileLoaded(deps, loaded, input?.workspacePath);
          if (compiled.isErr())
            validationWarnings.push({
              workflowId: loaded.workflowId,
              path: loaded.source.path,
              errors: [compiled.error.message],
            });
          workflows.push(listItem(loaded, compiled.isOk() ? compiled.value : undefined));
        }
        return ok(validationWarnings.length === 0 ? { workflows } : { workflows, validationWarnings });
      }),
    inspectWorkflow: (input) =>
      guard('inspectWorkflow', async () => {
        if (typeof input?.workflowId !== 'string' || input.workflowId === '') {
          return err(makeError('INPUT_INVALID', 'workflowId must be a non-empty string.'));
        }
        const mode = input.mode ?? 'metadata';
        if (mode !== 'metadata' && mode !== 'preview')
          return err(makeError('INPUT_INVALID', 'mode must be "metadata" or "preview".'));
        const loaded = await deps.workflows.get(
          input.workflowId,
          input.workspacePath === undefined ? {} : { workspacePath: input.workspacePath },
        );
        if (loaded.isErr()) return err(loaded.error);
        const compiled = await compileLoaded(deps, loaded.value, input.workspacePath);
        if (compiled.isErr()) return err(compiled.error);
        return ok({
          workflowId: compiled.value.workflowId,
          workflowHash: compiled.value.hash,
          mode,
          compiled: toInspectJson(compiled.value, mode),
        });
      }),
    startWorkflow: (input) =>
      guard('startWorkflow', async () => {
        const result = await startSession(deps, input);
        if (result.isOk()) {
          deps.logger.info(
            {
              sessionId: result.value.sessionId,
              workflowId: input.workflowId,
              stepId: result.value.pending?.stepId ?? null,
            },
            'session started',
          );
        } else {
          deps.logger.debug({ workflowId: input?.workflowId, code: result.error.code }, 'start refused');
        }
        return result;
      }),
    continueWorkflow: (input) =>
      guard('continueWorkflow', async () => {
        const result = await continueWorkflow(input);
        if (result.isOk()) {
          const r = result.value;
          const stepId = r.kind === 'gate_checkpoint' ? r.stepId : (r.pending?.stepId ?? null);
          deps.logger.debug(
            {
              sessionId: r.sessionId,
              outcome: r.kind,
              stepId,
              ...(r.kind === 'blocked' ? { blockers: r.blockers.map((b) => b.code) } : {}),
            },
            'continue',
          );
        } else {
          deps.logger.debug({ code: result.error.code }, 'continue refused');
        }
        return result;
      }),
    checkpointWorkflow: (input) =>
      guard('checkpointWorkflow', async () => {
        const verified = verifyToken(deps.keyring, input?.checkpointToken, { kinds: ['checkpoint'] });
        if (verified.isErr()) return err(verified.error);
        return checkpoint(deps, String(input.checkpointToken), verified.value);
      }),
    resumeSession: (input) => guard('resumeSession', () => resumeSessions(deps, input ?? {})),
    resolveGate: (input) =>
      guard('resolveGate', async () => {
        const verified = verifyToken(deps.keyring, input?.gateToken, { kinds: ['gate'] });
        if (verified.isErr()) return err(verified.error);
        return resolveGate(deps, String(input.gateToken), verified.value, input);
      }),
  };
}
