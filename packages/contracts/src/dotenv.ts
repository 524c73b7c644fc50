import { readFileSync } from 'node:fs';
import { makeError, type WorkTrainError } from './errors.js';
import { err, ok, type Result } from './result.js';

/**
 * Parses a `.env` file's text: `NAME=value` lines, `#` comments, optional `export `, single or double
 * quotes around the value. Lines that are not assignments are ignored.
 */
export function parseDotEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m === null) continue;
    let value = m[2] ?? '';
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out[m[1] ?? ''] = value;
  }
  return out;
}

/**
 * The variables `$NAME` references in config.yaml and triggers.yaml resolve against: the `.env` file at
 * `envFile` (the data directory's secrets file, DESIGN §12; a missing file counts as empty) overlaid with
 * `env` (the process environment wins; undefined values are dropped). Read anew on each call, so an edited
 * `.env` is seen by the next load. Errors: DOTENV_READ (the file exists but cannot be read).
 */
export function environmentWithDotEnv(
  envFile: string,
  env: Readonly<Record<string, string | undefined>>,
): Result<Record<string, string>, WorkTrainError<'DOTENV_READ'>> {
  let text = '';
  try {
    text = readFileSync(envFile, 'utf8');
  } catch (thrown) {
    const code = typeof thrown === 'object' && thrown !== null && 'code' in thrown ? thrown.code : null;
    if (code !== 'ENOENT')
      return err(makeError('DOTENV_READ', `Cannot read ${envFile}: ${String(thrown)}`, { path: envFile }));
  }
  const out = parseDotEnv(text);
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return ok(out);
}
