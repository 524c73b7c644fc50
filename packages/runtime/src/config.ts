import { readFileSync } from 'node:fs';
import { DEFAULT_ANTHROPIC_MODEL } from '@worktrain/agent';
import {
  type ConfigIssue,
  environmentWithDotEnv,
  err,
  formatConfigIssue,
  makeError,
  ok,
  parseDotEnv,
  parseStrictYaml,
  type Result,
  resolveEnvReferences,
  SandboxConfigSchema,
  type WorkTrainError,
} from '@worktrain/contracts';
import { NOTIFICATION_TYPES } from '@worktrain/delivery';
import * as z from 'zod';

/**
 * The daemon's configuration: `$WORKTRAIN_HOME/config.yaml` (DESIGN §10, §12), real YAML validated by zod.
 * Secrets are written as `$NAME` / `${NAME}` references, resolved from the process environment and then
 * `$WORKTRAIN_HOME/.env`; an unset reference is an error at its exact path.
 */

const Ms = z.number().int().positive();

/** No model yet (the default, and what `worktrain init` writes without a key): every task fails at once. */
const NoModelSchema = z.strictObject({ provider: z.literal('none') });

const ScriptedModelSchema = z.strictObject({
  provider: z.literal('scripted'),
  /** A JSON/YAML model script (see `@worktrain/agent` `parseModelScript`); relative to the config file. */
  script: z.string().min(1),
});

const AnthropicModelSchema = z.strictObject({
  provider: z.literal('anthropic'),
  apiKey: z.string().min(1),
  model: z.string().min(1).default(DEFAULT_ANTHROPIC_MODEL),
  /** A Messages-compatible endpoint (default the SDK's). */
  baseURL: z.url().optional(),
  maxTokens: z.number().int().positive().default(8192),
});

export const ModelConfigSchema = z.discriminatedUnion('provider', [
  NoModelSchema,
  ScriptedModelSchema,
  AnthropicModelSchema,
]);
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

export const BudgetConfigSchema = z.strictObject({
  maxTurns: z.number().int().positive().optional(),
  maxWallClockMs: Ms.optional(),
  maxTokens: z.number().int().positive().optional(),
  maxCostUsd: z.number().positive().optional(),
  stallTimeoutMs: Ms.optional(),
  maxRepeatedCalls: z.number().int().positive().optional(),
});

/** `forge.gitlab`: merge request delivery to gitlab.com or a self-managed instance. */
export const GitLabForgeConfigSchema = z.strictObject({
  /** Instance URL with any path prefix (`https://host/gitlab`). */
  baseUrl: z.url().default('https://gitlab.com'),
  /** Access token with `api` and `write_repository` scope; write `$GITLAB_TOKEN`. */
  token: z.string().min(1),
  /** MR template name under `.gitlab/merge_request_templates/` (default GitLab's `Default`). */
  template: z.string().min(1).max(200).optional(),
  /** Labels added to every merge request. */
  labels: z.array(z.string().min(1)).default([]),
  /** Labels added to the source issue when it gets its note. */
  issueLabels: z.array(z.string().min(1)).default([]),
});

const ForgeProjectSchema = z.strictObject({
  forge: z.enum(['github', 'gitlab']),
  /** GitHub `owner/name`, GitLab `group/…/name` or numeric project id. */
  project: z
    .string()
    .regex(
      /^(?:\d+|[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)$/,
      'project must be owner/name, a group path or an id',
    ),
});

/** `jira`: the return path (transition, remote link, comment) and where each Jira project's code lives. */
export const JiraConfigSchema = z.strictObject({
  /** Site URL, e.g. `https://acme.atlassian.net`. */
  baseUrl: z.url(),
  /** Atlassian account email (Cloud basic auth with `apiToken`); omit for a Data Center bearer token. */
  email: z.string().min(1).optional(),
  /** Cloud API token (with `email`) or Data Center personal access token; write `$JIRA_API_TOKEN`. */
  apiToken: z.string().min(1),
  transitions: z
    .strictObject({
      /** Status (or transition name) the ticket moves to when its PR/MR is opened. */
      onOpened: z.string().min(1).default('In Review'),
      /** Status (or transition name) for a merged PR/MR. */
      onMerged: z.string().min(1).default('Done'),
    })
    .default({ onOpened: 'In Review', onMerged: 'Done' }),
  /** Jira project key (`WT`) or `*` → the forge project its tickets' code is delivered to. */
  projects: z
    .record(
      z.string().regex(/^(?:\*|[A-Z][A-Z0-9_]*)$/, 'a Jira project key like WT, or *'),
      ForgeProjectSchema,
    )
    .default({}),
});

const NotificationEvents = z.array(z.enum(NOTIFICATION_TYPES)).min(1);
const NotifyRetry = {
  /** Attempts per notification, first included. */
  maxAttempts: z.number().int().min(1).max(20).default(5),
  /** Per-attempt timeout, ms. */
  timeoutMs: Ms.max(120_000).default(10_000),
};

/** Where session completed / failed and approval needed notifications go (DESIGN §8 "notify"). */
export const NotificationsConfigSchema = z.strictObject({
  webhooks: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(100),
        url: z.url({ protocol: /^https?$/ }),
        /** HMAC-SHA256 signing secret; write `$NAME`. */
        secret: z.string().min(16, 'use a signing secret of at least 16 characters'),
        events: NotificationEvents.optional(),
        ...NotifyRetry,
      }),
    )
    .default([]),
  slack: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(100),
        /** The incoming-webhook URL is itself the secret: write `$SLACK_WEBHOOK_URL`. */
        url: z.url({ protocol: /^https?$/ }),
        events: NotificationEvents.optional(),
        ...NotifyRetry,
      }),
    )
    .default([]),
  /** Signs posts to a trigger's `callbackUrl` (without it, callbacks are not sent). */
  callbackSecret: z.string().min(16, 'use a signing secret of at least 16 characters').optional(),
});
export type NotificationsConfig = z.infer<typeof NotificationsConfigSchema>;

export const RuntimeConfigSchema = z.strictObject({
  version: z.literal(1).optional(),
  /** HTTP port (default 3200). 0 picks a free port (tests). */
  port: z.number().int().min(0).max(65_535).default(3200),
  /** Bind address; loopback by default (DESIGN §10). */
  host: z.string().min(1).default('127.0.0.1'),
  /** Sessions running at once (worker pool size), default 2. */
  maxConcurrentSessions: z.number().int().min(1).max(256).default(2),
  /** No default model: a daemon without one warns at start and fails its tasks as `validation`. */
  model: ModelConfigSchema.default({ provider: 'none' }),
  forge: z
    .strictObject({
      github: z
        .strictObject({
          token: z.string().min(1),
          apiBaseUrl: z.url().default('https://api.github.com'),
        })
        .optional(),
      gitlab: GitLabForgeConfigSchema.optional(),
    })
    .default({}),
  jira: JiraConfigSchema.optional(),
  budgets: BudgetConfigSchema.default({}),
  queue: z
    .strictObject({
      /** Queue the workers claim from (triggers enqueue on `tasks` by default). */
      name: z.string().min(1).default('tasks'),
      /** Lease length, ms; heartbeats renew it every third (default 30 000). */
      leaseMs: Ms.min(1000).default(30_000),
      /** How often expired leases are swept, ms (default 5 000). */
      sweepIntervalMs: Ms.default(5_000),
      maxAttempts: z.number().int().min(1).max(100).default(3),
    })
    .default({ name: 'tasks', leaseMs: 30_000, sweepIntervalMs: 5_000, maxAttempts: 3 }),
  /** Extra workflow directories (after the bundled library and `$WORKTRAIN_HOME/workflows`). */
  workflowDirs: z.array(z.string().min(1)).default([]),
  /** Largest accepted API request body, bytes (webhooks use their trigger's `maxBodyBytes`). */
  maxRequestBytes: z.number().int().min(1024).max(26_214_400).default(1_048_576),
  /** Drain timeout on SIGTERM, ms. */
  drainTimeoutMs: Ms.default(30_000),
  pipelines: z
    .strictObject({
      /**
       * Pipelines coordinated at once (a coordinator mostly waits for its children; they take session
       * workers, `maxConcurrentSessions`, like any task). Default 20.
       */
      concurrency: z.number().int().min(1).max(1000).default(20),
      /** Fix rounds of the `feature` pipeline before it escalates (default 2). */
      maxFixRounds: z.number().int().min(0).max(10).default(2),
      /** ms between the merge gate's looks at CI and at a pending merge approval (default 15 000). */
      mergePollIntervalMs: Ms.min(10).max(600_000).default(15_000),
    })
    .default({ concurrency: 20, maxFixRounds: 2, mergePollIntervalMs: 15_000 }),
  approvals: z
    .strictObject({
      /** ms between checks for decided approvals of parked deliveries (and due medium-tier timeouts). */
      checkIntervalMs: Ms.max(600_000).default(1_000),
    })
    .default({ checkIntervalMs: 1_000 }),
  notifications: NotificationsConfigSchema.default({ webhooks: [], slack: [] }),
  delivery: z
    .strictObject({
      /**
       * Commands run in the worktree before anything is committed or pushed (e.g. the repo's tests), each
       * with `/bin/sh -c`, a scrubbed environment (no forge token) and a timeout; exit code and capped output
       * are recorded as the session's `checks` delivery stage, and a failure stops the delivery
       * (CHECKS_FAILED). Empty by default.
       */
      checks: z
        .array(
          z.strictObject({
            /** Short name shown in events (`test`, `lint`). */
            name: z.string().min(1).max(100),
            command: z.string().min(1).max(10_000),
            /** ms; default 600 000 (10 minutes). */
            timeoutMs: Ms.max(3_600_000).optional(),
          }),
        )
        .max(20)
        .default([]),
    })
    .default({ checks: [] }),
  /**
   * The OS sandbox of every command the agent causes (its bash tool, `delivery.checks`): `mode: enforce`
   * (default) refuses to run agent sessions when no backend works; `off` runs them unconfined and is
   * warned about everywhere. See docs/security.md.
   */
  sandbox: SandboxConfigSchema.default(SandboxConfigSchema.parse({})),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfigSchema>;
export type GitLabForgeConfig = z.infer<typeof GitLabForgeConfigSchema>;
export type JiraConfig = z.infer<typeof JiraConfigSchema>;

export type ConfigErrorCode = 'CONFIG_READ' | 'CONFIG_YAML' | 'CONFIG_INVALID';
/**
 * `details.issues`: {@link ConfigIssue}s `{ file, path, line, col, message }` (the strict YAML loader's
 * shape, shared with triggers.yaml and policy.yaml) with `path` like `model.apiKey`.
 */
export type ConfigError = WorkTrainError<ConfigErrorCode>;
export type { ConfigIssue };

/** Parses a `.env` file's text (it lives in `@worktrain/contracts`; re-exported here for compatibility). */
export { parseDotEnv };

/**
 * Validates config YAML text (`file` names it in issues, default `config.yaml`). An empty text is the
 * all-defaults config. YAML is read by the one strict loader of `@worktrain/contracts` (no tabs, anchors,
 * aliases or duplicate keys); `env` resolves `$NAME` / `${NAME}` refs (`envFile` is named when one is unset).
 * Errors: CONFIG_YAML (syntax), CONFIG_INVALID (schema or unset env refs); both with `details.issues`
 * located by line and column.
 */
export function parseRuntimeConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly file?: string; readonly envFile?: string } = {},
): Result<RuntimeConfig, ConfigError> {
  const file = options.file ?? 'config.yaml';
  const doc = parseStrictYaml(file, text);
  if (doc.isErr()) return err(makeError('CONFIG_YAML', doc.error.message, { ...doc.error.details }));
  const issues: ConfigIssue[] = [];
  const resolved = resolveEnvReferences(
    doc.value,
    env,
    options.envFile === undefined ? {} : { envFile: options.envFile },
  );
  if (resolved.isErr()) issues.push(...resolved.error.details.issues);
  const parsed = RuntimeConfigSchema.safeParse(resolved.unwrapOr(doc.value.value) ?? {});
  if (!parsed.success)
    for (const i of parsed.error.issues) {
      const here = doc.value.issueAt(i.path, i.message);
      // An unset `$NAME` is the issue to fix there; the schema's view of the placeholder adds nothing.
      if (!issues.some((x) => x.code === 'ENV_UNSET' && x.path === here.path)) issues.push(here);
    }
  if (issues.length > 0 || !parsed.success)
    return err(
      makeError('CONFIG_INVALID', `${file} is invalid: ${issues.map(formatConfigIssue).join('; ')}`, {
        issues,
      }),
    );
  return ok(parsed.data);
}

/**
 * Loads `configPath` (missing file = defaults) with env refs resolved from `env` first, then the `.env`
 * file at `envFile` (missing = none). Errors: CONFIG_READ, CONFIG_YAML, CONFIG_INVALID.
 */
export function loadRuntimeConfig(options: {
  readonly configPath: string;
  readonly envFile: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Result<RuntimeConfig, ConfigError> {
  const text = readOptional(options.configPath);
  if (text.isErr()) return err(text.error);
  const env = environmentWithDotEnv(options.envFile, options.env);
  if (env.isErr()) return err(makeError('CONFIG_READ', env.error.message, env.error.details));
  return parseRuntimeConfig(text.value ?? '', env.value, {
    file: options.configPath,
    envFile: options.envFile,
  });
}

function readOptional(path: string): Result<string | null, ConfigError> {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (thrown) {
    if (typeof thrown === 'object' && thrown !== null && 'code' in thrown && thrown.code === 'ENOENT')
      return ok(null);
    return err(makeError('CONFIG_READ', `Cannot read ${path}: ${String(thrown)}`, { path }));
  }
}
