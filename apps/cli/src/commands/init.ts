/**
 * `worktrain init`: writes `$WORKTRAIN_HOME/config.yaml` (every key, commented, at its default) and a starter
 * `triggers.yaml` (the minimal GitHub trigger: an issue labelled `worktrain:ready` on a signed webhook).
 * Never overwrites an existing file unless `force`; when one exists without `force`, nothing is written.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import { type CliError, cliError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';

/** The commented config written by `init`; parsing it yields exactly the schema's defaults. */
export const STARTER_CONFIG_YAML = `# WorkTrain daemon configuration. Every key is shown at its default, commented out.
# Reference: docs/configuration.md. Secrets: write $NAME and put NAME=value in $WORKTRAIN_HOME/.env.
version: 1

# port: 3200                    # HTTP API port (0 = any free port)
# host: 127.0.0.1               # bind address; keep loopback
# maxConcurrentSessions: 2      # sessions running at once

# model:                        # default: the offline scripted model
#   provider: scripted
#   script: model-script.yaml   # relative to this file
# model:                        # a real agent:
#   provider: anthropic
#   apiKey: $ANTHROPIC_API_KEY
#   model: claude-sonnet-4-5
#   maxTokens: 8192
#   # baseURL: https://...      # a Messages-compatible endpoint

# forge:
#   github:                     # enables pull-request delivery; the agent never sees this token
#     token: $GITHUB_TOKEN
#     apiBaseUrl: https://api.github.com

# budgets:                      # per session; unset = agent defaults
#   maxTurns: 200
#   maxWallClockMs: 3600000
#   maxTokens: 20000000
#   maxCostUsd: 25
#   stallTimeoutMs: 180000
#   maxRepeatedCalls: 5

# queue:
#   name: tasks
#   leaseMs: 30000
#   sweepIntervalMs: 5000
#   maxAttempts: 3

# workflowDirs: []              # extra workflow directories
# maxRequestBytes: 1048576      # API body limit, bytes
# drainTimeoutMs: 30000         # SIGTERM drain window, ms
`;

/** The starter triggers file; `workspace` is the directory `init` ran in. */
export function starterTriggersYaml(workspace: string): string {
  return `# WorkTrain triggers. Reference: docs/triggers.md. Check with: worktrain trigger validate
version: 1
triggers:
  - id: gh-ready                          # webhook URL: POST /webhooks/gh-ready
    provider: github
    repo: your-org/your-repo              # owner/name of the repository
    workflowId: wr.coding-task
    workspace: ${JSON.stringify(workspace)}
    events: [issues.labeled]
    dispatchCondition: { path: "$.label.name", equals: "worktrain:ready" }
    webhook: { secret: $GITHUB_WEBHOOK_SECRET }   # the same secret as the GitHub webhook; in .env
`;
}

export interface InitFile {
  readonly path: string;
  /** `written` (new), `overwritten` (--force), `exists` (left alone), `appended` (.env got the secret). */
  readonly action: 'written' | 'overwritten' | 'exists' | 'appended';
}

export interface InitOutput {
  readonly home: string;
  readonly files: readonly InitFile[];
  /** True when nothing was written because a file exists and `--force` was not given (exit 1). */
  readonly refused: boolean;
}

/**
 * Writes the starter files into the data directory (created 0700). `.env` gets a random
 * `GITHUB_WEBHOOK_SECRET` (32 bytes, hex) when it does not define one, so the starter triggers file is valid
 * as written; an existing `.env` is only appended to. Errors: FILE_UNREADABLE (cannot create or write).
 */
export function executeInit(
  deps: CliDeps,
  opts: { home?: string; force: boolean },
): Result<InitOutput, CliError> {
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  const targets = [
    { path: paths.config, text: STARTER_CONFIG_YAML },
    { path: paths.triggers, text: starterTriggersYaml(deps.cwd) },
  ];
  const existing = targets.filter((t) => existsSync(t.path));
  if (existing.length > 0 && !opts.force)
    return ok({
      home: paths.home,
      files: existing.map((t) => ({ path: t.path, action: 'exists' as const })),
      refused: true,
    });
  try {
    mkdirSync(paths.home, { recursive: true, mode: 0o700 });
    const files: InitFile[] = [];
    for (const t of targets) {
      const existed = existsSync(t.path);
      writeFileSync(t.path, t.text, { mode: 0o600 });
      files.push({ path: t.path, action: existed ? 'overwritten' : 'written' });
    }
    const envText = existsSync(paths.envFile) ? readFileSync(paths.envFile, 'utf8') : null;
    if (envText === null || !/^\s*(?:export\s+)?GITHUB_WEBHOOK_SECRET\s*=/m.test(envText)) {
      const line = `GITHUB_WEBHOOK_SECRET=${randomBytes(32).toString('hex')}\n`;
      const prefix = envText === null || envText === '' || envText.endsWith('\n') ? '' : '\n';
      writeFileSync(paths.envFile, `${envText ?? ''}${prefix}${line}`, { mode: 0o600 });
      chmodSync(paths.envFile, 0o600);
      files.push({ path: paths.envFile, action: envText === null ? 'written' : 'appended' });
    }
    return ok({ home: paths.home, files, refused: false });
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return err(cliError('FILE_UNREADABLE', `Cannot write to ${paths.home}: ${reason}`, { path: paths.home }));
  }
}

/** Text view of {@link InitOutput}. */
export function renderInit(out: InitOutput): string {
  if (out.refused)
    return `${out.files.map((f) => `exists   ${f.path}`).join('\n')}\nrefusing to overwrite existing files (use --force); nothing was written\n`;
  const lines = out.files.map((f) => `${f.action.padEnd(11)} ${f.path}`);
  lines.push(
    '',
    'next: edit triggers.yaml (repo), set the same GITHUB_WEBHOOK_SECRET on the GitHub webhook,',
    '      then run `worktrain doctor` and `worktrain daemon start` (docs/daemon.md)',
  );
  return `${lines.join('\n')}\n`;
}
