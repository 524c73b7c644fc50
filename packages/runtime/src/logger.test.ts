import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorktrainLogger } from './logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A log file path in a fresh temp dir (its `logs/` parent does not exist yet). */
function logFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wt-logger-'));
  dirs.push(dir);
  return join(dir, 'logs', 'daemon.log');
}

const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('createWorktrainLogger', () => {
  it('appends pino JSON lines (numeric level, ms time, msg, fields, bindings) to the file', () => {
    const file = logFile();
    const logger = createWorktrainLogger({
      name: 'worktrain',
      level: 'info',
      file,
      bindings: { component: 'run' },
    });
    logger.info({ taskId: 't1' }, 'claimed');
    logger.child({ sessionId: 's1' }).warn({}, 'slow');
    const [first, second] = lines(file);
    expect(first).toMatchObject({
      level: 30,
      name: 'worktrain',
      component: 'run',
      taskId: 't1',
      msg: 'claimed',
    });
    expect(typeof first?.time).toBe('number');
    expect(second).toMatchObject({ level: 40, component: 'run', sessionId: 's1', msg: 'slow' });
  });

  it('redacts tokens and API keys at the top level and one level down', () => {
    const file = logFile();
    const logger = createWorktrainLogger({ name: 'worktrain', level: 'info', file });
    logger.info(
      {
        token: 'a',
        apiKey: 'b',
        authorization: 'c',
        continueToken: 'd',
        gateToken: 'e',
        model: { apiKey: 'f' },
      },
      'secrets',
    );
    const text = readFileSync(file, 'utf8');
    for (const secret of ['"a"', '"b"', '"c"', '"d"', '"e"', '"f"']) expect(text).not.toContain(secret);
    expect(lines(file)[0]).toMatchObject({ token: '[redacted]', model: { apiKey: '[redacted]' } });
  });

  it('drops lines below the level and treats an unknown level as info', () => {
    const file = logFile();
    const warnOnly = createWorktrainLogger({ name: 'worktrain', level: 'warn', file });
    warnOnly.info({}, 'hidden');
    warnOnly.error({}, 'shown');
    const loud = createWorktrainLogger({ name: 'worktrain', level: 'loud', file });
    loud.debug({}, 'hidden too');
    loud.info({}, 'shown too');
    expect(lines(file).map((l) => l.msg)).toEqual(['shown', 'shown too']);
  });
});
