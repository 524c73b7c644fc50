/** The model provider of config.yaml's `model` section: none, Anthropic (or a compatible endpoint), scripted. */
import { isAbsolute, resolve } from 'node:path';
import { createAnthropicProvider, createScriptedProvider, type ModelProvider } from '@worktrain/agent';
import { err, ok, type Result, type WorktrainPaths } from '@worktrain/contracts';
import type { RuntimeConfig } from '../config.js';
import { type RuntimeError, runtimeError } from '../errors.js';

/**
 * The model provider factory of `config.model`. The scripted provider re-reads its script for each run
 * (so it can be edited between runs); an unreadable or invalid script fails that run with MODEL_FAILED.
 * Without a model (`provider: none`) every run fails with MODEL_FAILED, `details.modelCode`
 * MODEL_NOT_CONFIGURED (its task is dead-lettered as `validation`, not retried).
 */
export function modelProvider(
  config: RuntimeConfig,
  paths: WorktrainPaths,
): () => Result<ModelProvider, RuntimeError> {
  const model = config.model;
  if (model.provider === 'none')
    return () =>
      err(
        runtimeError(
          'MODEL_FAILED',
          'no model is configured (config.yaml model.provider: none); set model: (docs/configuration.md#the-model) and restart the daemon',
          { modelCode: 'MODEL_NOT_CONFIGURED' },
        ),
      );
  if (model.provider === 'anthropic') {
    const provider = createAnthropicProvider({
      apiKey: model.apiKey,
      model: model.model,
      maxTokens: model.maxTokens,
      ...(model.baseURL !== undefined ? { baseURL: model.baseURL } : {}),
    });
    return () => ok(provider);
  }
  const file = isAbsolute(model.script) ? model.script : resolve(paths.home, model.script);
  return () =>
    createScriptedProvider({ file }).mapErr((e) =>
      runtimeError('MODEL_FAILED', e.message, { modelCode: e.code, file }),
    );
}
