import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeThrown, err, ok, type Result } from '@worktrain/contracts';
import { type TriggerError, triggerError } from './errors.js';
import { isRecord } from './jsonpath.js';
import type { AnyTriggerProvider } from './provider.js';

/** Finds the provider a `provider:` value names. */
export interface ProviderRegistry {
  /**
   * Built-in providers by kind (`github`); any other name is imported as an npm package, resolved first
   * from this package and then from `fromDir` (the config file's directory). Loaded packages are cached.
   * Errors: UNKNOWN_PROVIDER (not built in, not installed), PROVIDER_LOAD_FAILED (threw while loading or
   * exports no `specificationVersion: 'v1'` provider as default export or `provider`).
   */
  resolve(name: string, fromDir: string): Promise<Result<AnyTriggerProvider, TriggerError>>;
  /** Kinds of the built-in providers. */
  builtinKinds(): string[];
}

export interface ProviderRegistryOptions {
  readonly providers: readonly AnyTriggerProvider[];
  /** Imports a module by specifier (default: dynamic `import()`); injected so tests can simulate failures. */
  readonly importModule?: (specifier: string) => Promise<unknown>;
}

const PACKAGE_NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/** Builds a registry over built-in providers plus packages loaded by name. */
export function createProviderRegistry(options: ProviderRegistryOptions): ProviderRegistry {
  const builtins = new Map(options.providers.map((p) => [p.kind, p]));
  const cache = new Map<string, Promise<Result<AnyTriggerProvider, TriggerError>>>();
  const importModule = options.importModule ?? ((specifier: string) => import(specifier));
  return {
    builtinKinds: () => [...builtins.keys()],
    resolve(name, fromDir) {
      const builtin = builtins.get(name);
      if (builtin) return Promise.resolve(ok(builtin));
      if (!PACKAGE_NAME.test(name))
        return Promise.resolve(
          err(
            triggerError(
              'UNKNOWN_PROVIDER',
              `unknown provider "${name}" (built-in: ${[...builtins.keys()].join(', ')})`,
              {
                provider: name,
              },
            ),
          ),
        );
      let loading = cache.get(name);
      if (!loading) {
        loading = loadPackage(name, fromDir, importModule, [...builtins.keys()]);
        cache.set(name, loading);
      }
      return loading;
    },
  };
}

async function loadPackage(
  name: string,
  fromDir: string,
  importModule: (specifier: string) => Promise<unknown>,
  builtins: string[],
): Promise<Result<AnyTriggerProvider, TriggerError>> {
  let mod: unknown;
  try {
    mod = await importModule(name);
  } catch (first) {
    if (!isNotFound(first)) return err(loadFailed(name, first));
    try {
      const resolved = createRequire(join(fromDir, 'triggers.yaml')).resolve(name);
      mod = await importModule(pathToFileURL(resolved).href);
    } catch (second) {
      if (isNotFound(second))
        return err(
          triggerError(
            'UNKNOWN_PROVIDER',
            `unknown provider "${name}": not built in (${builtins.join(', ')}) and no installed package of that name`,
            { provider: name },
          ),
        );
      return err(loadFailed(name, second));
    }
  }
  const candidate = isRecord(mod) ? (mod.default ?? mod.provider) : undefined;
  if (!isRecord(candidate) || candidate.specificationVersion !== 'v1' || typeof candidate.kind !== 'string')
    return err(
      triggerError(
        'PROVIDER_LOAD_FAILED',
        `package "${name}" does not export a trigger provider (default export from defineTriggerProvider with specificationVersion "v1")`,
        { provider: name },
      ),
    );
  if (!isTriggerProvider(candidate))
    return err(
      triggerError(
        'PROVIDER_LOAD_FAILED',
        `provider "${name}" lacks a zod configSchema or any of webhook/poll/schedule`,
        {
          provider: name,
        },
      ),
    );
  return ok(candidate);
}

/** Structural check of a value loaded from a package: a v1 provider with a zod schema and at least one part. */
export function isTriggerProvider(value: unknown): value is AnyTriggerProvider {
  if (!isRecord(value) || value.specificationVersion !== 'v1' || typeof value.kind !== 'string') return false;
  const schema = value.configSchema;
  if (!isRecord(schema) || typeof schema.safeParse !== 'function') return false;
  const parts = [value.webhook, value.poll, value.schedule].filter((p) => p !== undefined);
  return parts.length > 0 && parts.every(isRecord);
}

function isNotFound(thrown: unknown): boolean {
  const code = isRecord(thrown) ? thrown.code : undefined;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  const message = describeThrown(thrown);
  return /Cannot find (package|module)|Failed to (load|resolve) url|Failed to resolve import/i.test(message);
}

function loadFailed(name: string, thrown: unknown): TriggerError {
  return triggerError(
    'PROVIDER_LOAD_FAILED',
    `provider package "${name}" failed to load: ${describeThrown(thrown)}`,
    {
      provider: name,
    },
  );
}
