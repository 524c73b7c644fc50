import { appendFileSync } from 'node:fs';
import type { Logger } from '@worktrain/contracts';

const LEVELS: Record<string, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const SECRET_KEYS = new Set(['token', 'apiKey', 'authorization', 'continueToken', 'gateToken']);

/**
 * JSON-lines logger (pino's line shape: `level`, `time`, `msg` + fields) appended to `file`, which
 * `worktrain logs` reads. Secret-named fields are redacted.
 */
export function createJsonLogger(
  file: string,
  level: string,
  bindings: Record<string, unknown> = {},
): Logger {
  const min = LEVELS[level] ?? 30;
  const write = (lvl: number) => (fields: Record<string, unknown>, msg?: string) => {
    if (lvl < min) return;
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries({ ...bindings, ...fields }))
      clean[k] = SECRET_KEYS.has(k) ? '[redacted]' : v;
    try {
      appendFileSync(file, `${JSON.stringify({ level: lvl, time: Date.now(), ...clean, msg: msg ?? '' })}\n`);
    } catch {
      // logging must never take the daemon down
    }
  };
  return {
    debug: write(20),
    info: write(30),
    warn: write(40),
    error: write(50),
    child: (more) => createJsonLogger(file, level, { ...bindings, ...more }),
  };
}
