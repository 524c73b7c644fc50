/**
 * What in a valid `config.yaml` will not work, or is unsafe: the one list `worktrain doctor` reports as
 * warnings, `worktrain daemon start|run` prints and the daemon logs at start.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ENV_REFERENCE, parseStrictYaml } from '@worktrain/contracts';
import type { RuntimeConfig } from './config.js';

/** One warning: `path` is the config key (`model`, `host`, `forge.github.token`), `fix` what to do. */
export interface ConfigWarning {
  readonly code: 'MODEL_NOT_CONFIGURED' | 'MODEL_SCRIPT_MISSING' | 'HOST_NOT_LOOPBACK' | 'LITERAL_SECRET';
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** Keys whose value is a secret: written as `$NAME` (resolved from the environment or `.env`), never literally. */
const SECRET_KEYS = new Set(['apiKey', 'token', 'apiToken', 'secret', 'callbackSecret']);

/**
 * Warnings for a loaded config. `configPath` (the file it came from) resolves the scripted model's script
 * like the daemon does, and its text is read again to see which secrets are written literally (a `$NAME`
 * reference is resolved by the time `config` exists). Loopback hosts: `127.0.0.0/8`, `::1`, `localhost`.
 */
export function configWarnings(config: RuntimeConfig, configPath: string): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  const model = config.model;
  if (model.provider === 'none')
    warnings.push({
      code: 'MODEL_NOT_CONFIGURED',
      path: 'model',
      message: 'no model is configured (model.provider: none): every task the daemon runs fails at once',
      fix: 'put ANTHROPIC_API_KEY=... in $WORKTRAIN_HOME/.env and `model: { provider: anthropic, apiKey: $ANTHROPIC_API_KEY }` in config.yaml, or use the scripted model (docs/configuration.md#the-model); then restart the daemon',
    });
  if (model.provider === 'scripted') {
    const script = isAbsolute(model.script) ? model.script : resolve(dirname(configPath), model.script);
    if (!existsSync(script))
      warnings.push({
        code: 'MODEL_SCRIPT_MISSING',
        path: 'model.script',
        message: `the scripted model's script ${script} does not exist: every task fails`,
        fix: 'write the script (docs/configuration.md#the-scripted-model) or configure `model:` with provider anthropic',
      });
  }
  if (!isLoopback(config.host))
    warnings.push({
      code: 'HOST_NOT_LOOPBACK',
      path: 'host',
      message: `the daemon listens on ${config.host}, reachable from other machines (its /health and webhooks need no token)`,
      fix: 'keep `host: 127.0.0.1` and put a reverse proxy with TLS in front that forwards only POST /webhooks/* (docs/daemon.md)',
    });
  for (const path of literalSecrets(configPath))
    warnings.push({
      code: 'LITERAL_SECRET',
      path,
      message: `${path} is written literally in config.yaml`,
      fix: `write \`${path.split('.').at(-1)}: $NAME\` and put NAME=… in $WORKTRAIN_HOME/.env (chmod 600)`,
    });
  return warnings;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** Dotted paths of secret keys whose value in the file is a string other than a `$NAME` reference. */
function literalSecrets(configPath: string): string[] {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (value: unknown, path: string): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) walk(v, `${path}[${i}]`);
    } else if (typeof value === 'object' && value !== null)
      for (const [k, v] of Object.entries(value)) {
        const here = path === '' ? k : `${path}.${k}`;
        if (SECRET_KEYS.has(k) && typeof v === 'string' && !ENV_REFERENCE.test(v)) found.push(here);
        else walk(v, here);
      }
  };
  // The same strict reading as the config itself (a file that loaded parses again the same way).
  const parsed = parseStrictYaml(configPath, text);
  if (parsed.isOk()) walk(parsed.value.value, '');
  return found;
}
