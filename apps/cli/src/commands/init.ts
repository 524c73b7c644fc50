/**
 * `worktrain init`: writes `$WORKTRAIN_HOME/config.yaml` (every key, commented, at its default, and the
 * model: Anthropic when an `ANTHROPIC_API_KEY` is found, else none, or what `--model` says) and a starter
 * `triggers.yaml` (the minimal GitHub trigger, with placeholders for the repository and its clone);
 * `--model scripted` also writes an example model script. Never overwrites an existing file unless
 * `force`; when one exists without `force`, nothing is written.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentWithDotEnv, err, ok, type Result, resolveWorktrainPaths } from '@worktrain/contracts';
import { type CliError, cliError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import {
  STARTER_MODEL_SCRIPT,
  STARTER_SCRIPT_FILE,
  STARTER_TRIGGERS_YAML,
  type StarterModel,
  starterConfigYaml,
} from './init-files.js';

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
  /** The model config.yaml names (`none` when no key was found and `--model` was not given). */
  readonly model: StarterModel;
  /** For `anthropic`: whether ANTHROPIC_API_KEY is set in the environment or `.env` (else doctor fails). */
  readonly apiKeyFound: boolean;
}

/**
 * Writes the starter files into the data directory (created 0700). `.env` gets a random
 * `GITHUB_WEBHOOK_SECRET` (32 bytes, hex) when it does not define one, so the starter triggers file is valid
 * as written; an existing `.env` is only appended to. Errors: FILE_UNREADABLE (cannot create or write).
 */
export function executeInit(
  deps: CliDeps,
  opts: { home?: string; force: boolean; model?: StarterModel },
): Result<InitOutput, CliError> {
  const paths = resolveWorktrainPaths({
    ...(opts.home !== undefined ? { home: opts.home } : {}),
    env: deps.env,
    cwd: deps.cwd,
  });
  // The key counts wherever the daemon would find it: the environment first, then $WORKTRAIN_HOME/.env.
  const env = environmentWithDotEnv(paths.envFile, deps.env).unwrapOr(deps.env);
  const apiKeyFound = (env.ANTHROPIC_API_KEY ?? '').trim() !== '';
  const model: StarterModel = opts.model ?? (apiKeyFound ? 'anthropic' : 'none');
  const targets = [
    { path: paths.config, text: starterConfigYaml(model) },
    { path: paths.triggers, text: STARTER_TRIGGERS_YAML },
    ...(model === 'scripted'
      ? [{ path: join(paths.home, STARTER_SCRIPT_FILE), text: STARTER_MODEL_SCRIPT }]
      : []),
  ];
  const existing = targets.filter((t) => existsSync(t.path));
  if (existing.length > 0 && !opts.force)
    return ok({
      home: paths.home,
      files: existing.map((t) => ({ path: t.path, action: 'exists' as const })),
      refused: true,
      model,
      apiKeyFound,
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
    return ok({ home: paths.home, files, refused: false, model, apiKeyFound });
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return err(cliError('FILE_UNREADABLE', `Cannot write to ${paths.home}: ${reason}`, { path: paths.home }));
  }
}

const MODEL_LINES: Readonly<Record<StarterModel, (o: InitOutput) => string[]>> = {
  anthropic: (o) => [
    o.apiKeyFound
      ? 'model: anthropic (ANTHROPIC_API_KEY found; config.yaml refers to it as $ANTHROPIC_API_KEY)'
      : `model: anthropic, but ANTHROPIC_API_KEY is not set: add ANTHROPIC_API_KEY=... to ${o.home}/.env`,
  ],
  scripted: () => [
    `model: scripted (${STARTER_SCRIPT_FILE}: an offline example that runs wr.coding-task and adds one file)`,
  ],
  none: () => [
    'WARNING: no model is configured (no ANTHROPIC_API_KEY found): every task will fail until you set one:',
    '  put ANTHROPIC_API_KEY=... in .env and `model: { provider: anthropic, apiKey: $ANTHROPIC_API_KEY }`',
    '  in config.yaml, or try the offline example: `worktrain init --force --model scripted`',
  ],
};

/** Text view of {@link InitOutput}. */
export function renderInit(out: InitOutput): string {
  if (out.refused)
    return `${out.files.map((f) => `exists   ${f.path}`).join('\n')}\nrefusing to overwrite existing files (use --force); nothing was written\n`;
  const lines = out.files.map((f) => `${f.action.padEnd(11)} ${f.path}`);
  lines.push(
    '',
    ...MODEL_LINES[out.model](out),
    '',
    'next: edit triggers.yaml (repo, and workspace: your clone of it), set the same GITHUB_WEBHOOK_SECRET',
    '      on the GitHub webhook, then run `worktrain doctor` and `worktrain daemon start` (docs/daemon.md)',
  );
  return `${lines.join('\n')}\n`;
}
