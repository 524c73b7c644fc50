import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { environmentWithDotEnv, parseDotEnv } from './dotenv.js';

const dir = mkdtempSync(join(tmpdir(), 'wt-dotenv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseDotEnv', () => {
  it('reads assignments, quotes, export and comments; other lines are ignored', () => {
    expect(
      parseDotEnv('# c\nA=1\nexport B="two words"\r\nC=\'3\'\nnot a line\n D = x \nE="unclosed\n'),
    ).toEqual({
      A: '1',
      B: 'two words',
      C: '3',
      D: 'x',
      E: '"unclosed',
    });
  });
});

describe('environmentWithDotEnv', () => {
  it('overlays the process environment on the .env file (the environment wins; undefined is dropped)', () => {
    const file = join(dir, 'a.env');
    writeFileSync(file, 'SECRET=from-file\nONLY_FILE=1\n');
    expect(
      environmentWithDotEnv(file, { SECRET: 'from-env', UNSET: undefined, ONLY_ENV: '2' })._unsafeUnwrap(),
    ).toEqual({ SECRET: 'from-env', ONLY_FILE: '1', ONLY_ENV: '2' });
  });

  it('treats a missing file as empty', () => {
    expect(environmentWithDotEnv(join(dir, 'missing.env'), { A: '1' })._unsafeUnwrap()).toEqual({ A: '1' });
  });

  it('reports a file that exists but cannot be read as DOTENV_READ with its path', () => {
    const notAFile = join(dir, 'is-a-directory.env');
    mkdirSync(notAFile);
    const e = environmentWithDotEnv(notAFile, {})._unsafeUnwrapErr();
    expect(e.code).toBe('DOTENV_READ');
    expect(e.details).toEqual({ path: notAFile });
  });
});
