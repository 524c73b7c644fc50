import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { err, ok, type Result } from '@worktrain/contracts';
import type * as z from 'zod';
import { type ConfigIssue, type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';
import type { ProviderRegistry } from '../registry.js';
import { COMMON_KEYS, CommonTriggerSchema, type TriggerDefinition, TriggersFileSchema } from './schema.js';
import { formatPath, locate, type ParsedYaml, parseStrictYaml } from './yaml.js';

/** One triggers.yaml text. `repoRoot` marks a per-repo `.worktrain/triggers.yaml` (its default workspace). */
export interface TriggerFileText {
  readonly path: string;
  readonly text: string;
  readonly repoRoot?: string;
}

/** The validated, merged trigger configuration of all files. */
export interface TriggerConfig {
  readonly triggers: readonly TriggerDefinition[];
  readonly files: readonly string[];
}

export interface LoadTriggerConfigOptions {
  /** The global file first, then per-repo files; `defaults` of earlier files are visible to later ones. */
  readonly files: readonly TriggerFileText[];
  /** Environment for `$NAME` / `${NAME}` secret references. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly registry: ProviderRegistry;
}

const ENV_REF = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

/**
 * Validates triggers.yaml files into {@link TriggerConfig}. Every issue found (in every file) is reported
 * at once in `details.issues` as `{file, path, line, col, message}` with `path` like
 * `triggers[0].webhook.secret`. Rules: strict YAML (see `parseStrictYaml`); unknown keys are errors;
 * `extends: name | [names]` deep-merges named `defaults` (objects merge, arrays and scalars replace, the
 * trigger wins); a string value that is exactly `$NAME` or `${NAME}` is replaced by that environment
 * variable and an unset one is an error; ids are unique across all files; a per-repo file's triggers
 * default `workspace` to the repository root.
 * Errors: CONFIG_YAML (syntax), CONFIG_INVALID (schema), UNKNOWN_PROVIDER / PROVIDER_LOAD_FAILED (as
 * issues inside CONFIG_INVALID, `details.issues[].code`).
 */
export async function loadTriggerConfig(
  options: LoadTriggerConfigOptions,
): Promise<Result<TriggerConfig, TriggerError>> {
  const issues: Array<ConfigIssue & { code?: string }> = [];
  const parsedFiles: Array<{ file: TriggerFileText; parsed: ParsedYaml }> = [];
  for (const file of options.files) {
    const parsed = parseStrictYaml(file.path, file.text);
    if ('issues' in parsed) issues.push(...parsed.issues);
    else parsedFiles.push({ file, parsed: parsed.ok });
  }
  if (issues.length > 0) return err(configError('CONFIG_YAML', issues));

  const defaults = new Map<string, Record<string, unknown>>();
  const triggers: TriggerDefinition[] = [];
  const ids = new Map<string, string>();
  for (const { file, parsed } of parsedFiles) {
    const at = (path: readonly PropertyKey[], message: string, code?: string) => {
      const pos = locate(parsed, path);
      issues.push({ file: file.path, path: formatPath(path), ...pos, message, ...(code ? { code } : {}) });
    };
    const top = TriggersFileSchema.safeParse(parsed.value ?? {});
    if (!top.success) {
      for (const i of flattenIssues(top.error.issues)) at(i.path, i.message);
      continue;
    }
    for (const [name, body] of Object.entries(top.data.defaults ?? {})) defaults.set(name, body);
    for (const [index, entry] of top.data.triggers.entries()) {
      const base: PropertyKey[] = ['triggers', index];
      const merged = applyExtends(entry, defaults, (m) => at([...base, 'extends'], m));
      if (merged === null) continue;
      if (file.repoRoot !== undefined && merged.workspace === undefined) merged.workspace = file.repoRoot;
      const resolved = resolveEnv(merged, options.env, [], (path, m) => at([...base, ...path], m));
      const common: Record<string, unknown> = {};
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(resolved)) (COMMON_KEYS.has(k) ? common : own)[k] = v;
      delete common.extends;
      const c = CommonTriggerSchema.safeParse(common);
      if (!c.success) for (const i of flattenIssues(c.error.issues)) at([...base, ...i.path], i.message);
      const providerName = typeof resolved.provider === 'string' ? resolved.provider : null;
      if (providerName === null) continue;
      const provider = await options.registry.resolve(providerName, dirname(file.path));
      if (provider.isErr()) {
        at([...base, 'provider'], provider.error.message, provider.error.code);
        continue;
      }
      const pc = provider.value.configSchema.safeParse(own);
      if (!pc.success) for (const i of flattenIssues(pc.error.issues)) at([...base, ...i.path], i.message);
      if (!c.success || !pc.success) continue;
      const previous = ids.get(c.data.id);
      if (previous !== undefined) {
        at([...base, 'id'], `duplicate trigger id "${c.data.id}" (also in ${previous})`);
        continue;
      }
      ids.set(c.data.id, `${file.path} triggers[${index}]`);
      triggers.push({
        id: c.data.id,
        providerName,
        provider: provider.value,
        workflowId: c.data.workflowId,
        workspace: c.data.workspace,
        goalTemplate: c.data.goalTemplate ?? null,
        dispatchCondition: c.data.dispatchCondition ?? null,
        events: c.data.events ?? null,
        contextMapping: c.data.contextMapping ?? {},
        queue: c.data.queue,
        priority: c.data.priority,
        maxAttempts: c.data.maxAttempts ?? null,
        dedupeWindowMs: c.data.dedupeWindowSeconds * 1000,
        maxBodyBytes: c.data.maxBodyBytes,
        enabled: c.data.enabled,
        callbackUrl: c.data.callbackUrl ?? null,
        sandboxNetworkAllow: c.data.sandbox?.network.allow ?? [],
        config: pc.data,
        source: merged,
        file: file.path,
        index,
      });
    }
  }
  if (issues.length > 0) return err(configError('CONFIG_INVALID', issues));
  return ok({ triggers, files: options.files.map((f) => f.path) });
}

function configError(code: 'CONFIG_YAML' | 'CONFIG_INVALID', issues: ConfigIssue[]): TriggerError {
  const first = issues[0];
  const where = first
    ? `${first.file}${first.line !== null ? `:${first.line}:${first.col}` : ''}${first.path ? ` ${first.path}` : ''}`
    : '';
  return triggerError(
    code,
    `${code === 'CONFIG_YAML' ? 'triggers.yaml is not valid YAML' : 'triggers.yaml is invalid'}: ${issues.length} issue(s); first at ${where}: ${first?.message ?? ''}`,
    { issues },
  );
}

function applyExtends(
  entry: Record<string, unknown>,
  defaults: ReadonlyMap<string, Record<string, unknown>>,
  report: (message: string) => void,
): Record<string, unknown> | null {
  const ext = entry.extends;
  if (ext === undefined) return { ...entry };
  const names =
    typeof ext === 'string'
      ? [ext]
      : Array.isArray(ext) && ext.every((e) => typeof e === 'string')
        ? ext
        : null;
  if (names === null) {
    report('extends must be a defaults name or a list of names');
    return null;
  }
  let merged: Record<string, unknown> = {};
  for (const name of names) {
    const d = defaults.get(name);
    if (d === undefined) {
      report(`unknown defaults "${name}" (defined: ${[...defaults.keys()].join(', ') || 'none'})`);
      return null;
    }
    if ('extends' in d) {
      report(`defaults "${name}" may not itself use extends`);
      return null;
    }
    merged = deepMerge(merged, d);
  }
  const { extends: _drop, ...rest } = entry;
  return deepMerge(merged, rest);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isRecord(prev) && isRecord(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function resolveEnv(
  value: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  path: PropertyKey[],
  report: (path: PropertyKey[], message: string) => void,
): Record<string, unknown> {
  const walk = (v: unknown, p: PropertyKey[]): unknown => {
    if (typeof v === 'string') {
      const m = ENV_REF.exec(v);
      if (!m) return v;
      const name = m[1] ?? m[2] ?? '';
      const resolved = env[name];
      if (resolved === undefined || resolved === '') {
        report(p, `environment variable ${name} is not set`);
        return v;
      }
      return resolved;
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...p, i]));
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...p, k])]));
    return v;
  };
  const out = walk(value, path);
  return isRecord(out) ? out : {};
}

/** Where triggers.yaml files live: `$WORKTRAIN_HOME/triggers.yaml` and `<repo>/.worktrain/triggers.yaml`. */
export function perRepoTriggersPath(repoRoot: string): string {
  return join(repoRoot, '.worktrain', 'triggers.yaml');
}

/**
 * Reads the global file (required) and the per-repo files that exist, then {@link loadTriggerConfig}.
 * A missing global file is CONFIG_INVALID with the path; missing per-repo files are skipped.
 */
export async function loadTriggerFiles(
  options: Omit<LoadTriggerConfigOptions, 'files'> & {
    readonly globalPath: string;
    readonly repoRoots?: readonly string[];
  },
): Promise<Result<TriggerConfig, TriggerError>> {
  const files: TriggerFileText[] = [];
  try {
    files.push({ path: options.globalPath, text: await readFile(options.globalPath, 'utf8') });
  } catch (thrown) {
    return err(
      triggerError(
        'CONFIG_INVALID',
        `cannot read ${options.globalPath}: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
        {
          issues: [
            { file: options.globalPath, path: '', line: null, col: null, message: 'file cannot be read' },
          ],
        },
      ),
    );
  }
  for (const root of options.repoRoots ?? []) {
    const path = perRepoTriggersPath(root);
    try {
      files.push({ path, text: await readFile(path, 'utf8'), repoRoot: root });
    } catch {
      // No per-repo file: nothing to add.
    }
  }
  return loadTriggerConfig({ ...options, files });
}

/**
 * Replaces a union failure by the issues of its closest branch (the one with the fewest issues), so
 * `dispatchCondition: { path: "label" }` reports `dispatchCondition.path` instead of "no union member matched".
 */
function flattenIssues(issues: readonly z.core.$ZodIssue[]): Array<{ path: PropertyKey[]; message: string }> {
  const out: Array<{ path: PropertyKey[]; message: string }> = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const best = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      if (best.length > 0) {
        for (const inner of flattenIssues(best))
          out.push({ path: [...issue.path, ...inner.path], message: inner.message });
        continue;
      }
    }
    out.push({ path: [...issue.path], message: issue.message });
  }
  return out;
}
