import { dirname, resolve } from 'node:path';
import {
  type ConfigIssue,
  err,
  ok,
  parseStrictYaml,
  type Result,
  resolveEnvReferences,
  type StrictYaml,
  summarizeConfigIssues,
} from '@worktrain/contracts';
import type * as z from 'zod';
import { type TriggerError, triggerError } from '../errors.js';
import { isRecord } from '../jsonpath.js';
import type { ProviderRegistry } from '../registry.js';
import { COMMON_KEYS, CommonTriggerSchema, type TriggerDefinition, TriggersFileSchema } from './schema.js';

/** One triggers.yaml text. `repoRoot` marks a per-repo `.worktrain/triggers.yaml` (its default workspace). */
export interface TriggerFileText {
  readonly path: string;
  readonly text: string;
  readonly repoRoot?: string;
}

/** The validated, merged trigger configuration of all files. */
export interface TriggerConfig {
  readonly triggers: readonly TriggerDefinition[];
  /** The files read, global first. */
  readonly files: readonly string[];
  /**
   * Files looked for by name that do not exist (the global file, `repoRoots` given explicitly); each
   * surface says so with {@link missingTriggersFileMessage}. Absent when nothing is missing.
   */
  readonly missing?: readonly string[];
}

export interface LoadTriggerConfigOptions {
  /** The global file first, then per-repo files; `defaults` of earlier files are visible to later ones. */
  readonly files: readonly TriggerFileText[];
  /** Environment for `$NAME` / `${NAME}` secret references (process environment over `.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The `.env` file `env` includes, named in the message of an unset reference. */
  readonly envFile?: string;
  readonly registry: ProviderRegistry;
}

/**
 * Validates triggers.yaml files into {@link TriggerConfig}. Every issue found (in every file) is reported
 * at once in `details.issues` as `{file, path, line, col, message}` with `path` like
 * `triggers[0].webhook.secret`. Rules: strict YAML (`parseStrictYaml` of `@worktrain/contracts`: no tabs,
 * anchors, aliases or duplicate keys); unknown keys are errors; `extends: name | [names]` deep-merges named
 * `defaults` (objects merge, arrays and scalars replace, the trigger wins); every string value of a file
 * that is exactly `$NAME` or `${NAME}` is replaced by that environment variable, and an unset one is an
 * issue (code `ENV_UNSET`) where it is written; ids are unique across all files (a per-repo file cannot
 * shadow a global trigger: both places are named); a per-repo file's triggers default `workspace` to the
 * repository root.
 * Errors: CONFIG_YAML (syntax), CONFIG_INVALID (schema, unset variables; UNKNOWN_PROVIDER /
 * PROVIDER_LOAD_FAILED as issues inside it, `details.issues[].code`).
 */
export async function loadTriggerConfig(
  options: LoadTriggerConfigOptions,
): Promise<Result<TriggerConfig, TriggerError>> {
  const issues: ConfigIssue[] = [];
  const parsedFiles: Array<{ file: TriggerFileText; parsed: StrictYaml; resolved: unknown }> = [];
  for (const file of options.files) {
    const parsed = parseStrictYaml(file.path, file.text);
    if (parsed.isErr()) issues.push(...parsed.error.details.issues);
    else {
      const resolved = resolveEnvReferences(
        parsed.value,
        options.env,
        options.envFile === undefined ? {} : { envFile: options.envFile },
      );
      if (resolved.isErr()) issues.push(...resolved.error.details.issues);
      parsedFiles.push({ file, parsed: parsed.value, resolved: resolved.unwrapOr(parsed.value.value) });
    }
  }
  if (issues.some((i) => i.code !== 'ENV_UNSET')) return err(configError('CONFIG_YAML', issues));

  // Two views of each file: as written (kept as `source`, secrets unresolved) and resolved (validated).
  const defaults = new Map<string, { raw: Record<string, unknown>; resolved: Record<string, unknown> }>();
  const triggers: TriggerDefinition[] = [];
  const ids = new Map<string, string>();
  for (const { file, parsed, resolved } of parsedFiles) {
    const at = (path: readonly PropertyKey[], message: string, code?: string) =>
      issues.push(parsed.issueAt(path, message, code));
    const top = TriggersFileSchema.safeParse(resolved ?? {});
    const written = TriggersFileSchema.safeParse(parsed.value ?? {});
    if (!top.success || !written.success) {
      if (!top.success) for (const i of flattenIssues(top.error.issues)) at(i.path, i.message);
      continue;
    }
    for (const [name, body] of Object.entries(top.data.defaults ?? {}))
      defaults.set(name, { raw: written.data.defaults?.[name] ?? body, resolved: body });
    for (const [index, entry] of top.data.triggers.entries()) {
      const base: PropertyKey[] = ['triggers', index];
      const merged = applyExtends(entry, defaults, 'resolved', (m) => at([...base, 'extends'], m));
      const source = applyExtends(written.data.triggers[index] ?? entry, defaults, 'raw', () => {});
      if (merged === null || source === null) continue;
      if (file.repoRoot !== undefined) {
        // A repository's own file starts work in that repository only: write access to one repository
        // must not start agents on another (and run its delivery with that one's tokens).
        const own = dirname(dirname(file.path));
        const named = merged.workspace;
        if (named !== undefined && named !== file.repoRoot && resolve(own, String(named)) !== own) {
          at(
            [...base, 'workspace'],
            `a per-repo triggers file may only start work in its own repository (${own}); put triggers for ${String(named)} in the global triggers.yaml`,
          );
          continue;
        }
        merged.workspace = file.repoRoot;
        source.workspace = file.repoRoot;
      }
      const common: Record<string, unknown> = {};
      const own: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(merged)) (COMMON_KEYS.has(k) ? common : own)[k] = v;
      delete common.extends;
      const c = CommonTriggerSchema.safeParse(common);
      if (!c.success) for (const i of flattenIssues(c.error.issues)) at([...base, ...i.path], i.message);
      const providerName = typeof merged.provider === 'string' ? merged.provider : null;
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
        at(
          [...base, 'id'],
          `duplicate trigger id "${c.data.id}" (also in ${previous}); ids are unique across the global and per-repo files`,
        );
        continue;
      }
      ids.set(c.data.id, `${file.path} triggers[${index}]`);
      triggers.push({
        id: c.data.id,
        providerName,
        provider: provider.value,
        workflowId: c.data.workflowId ?? null,
        pipeline: c.data.pipeline ?? null,
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
        source,
        file: file.path,
        index,
      });
    }
  }
  if (issues.length > 0) return err(configError('CONFIG_INVALID', issues));
  return ok({ triggers, files: options.files.map((f) => f.path) });
}

function configError(code: 'CONFIG_YAML' | 'CONFIG_INVALID', issues: ConfigIssue[]): TriggerError {
  return triggerError(
    code,
    summarizeConfigIssues(
      code === 'CONFIG_YAML' ? 'triggers.yaml is not valid YAML' : 'triggers.yaml is invalid',
      issues,
    ),
    { issues },
  );
}

function applyExtends(
  entry: Record<string, unknown>,
  defaults: ReadonlyMap<string, { raw: Record<string, unknown>; resolved: Record<string, unknown> }>,
  view: 'raw' | 'resolved',
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
    const d = defaults.get(name)?.[view];
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
