import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ANTHROPIC_MODEL } from '@worktrain/agent';
import { parseDotEnv as parseDotEnvFromContracts } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { loadRuntimeConfig, parseDotEnv, parseRuntimeConfig } from './config.js';

const issuesOf = (text: string, env: Record<string, string> = {}) => {
  const r = parseRuntimeConfig(text, env);
  if (r.isOk()) throw new Error('expected an error');
  return {
    code: r.error.code,
    issues: (r.error.details?.issues ?? []) as Array<{ path: string; message: string }>,
  };
};

describe('parseRuntimeConfig', () => {
  it('gives the documented defaults for an empty file: no model configured', () => {
    const c = parseRuntimeConfig('', {})._unsafeUnwrap();
    expect(c).toMatchObject({
      port: 3200,
      host: '127.0.0.1',
      maxConcurrentSessions: 2,
      model: { provider: 'none' },
      queue: { name: 'tasks', leaseMs: 30_000, maxAttempts: 3 },
      forge: {},
      budgets: {},
    });
  });

  it('resolves $NAME and braced $-refs for secrets', () => {
    const c = parseRuntimeConfig(
      `model: { provider: anthropic, apiKey: $ANTHROPIC_API_KEY }\nforge: { github: { token: "$\{GH_TOKEN}" } }\n`,
      { ANTHROPIC_API_KEY: 'sk-ant-1', GH_TOKEN: 'ghp_2' },
    )._unsafeUnwrap();
    expect(c.model).toEqual({
      provider: 'anthropic',
      apiKey: 'sk-ant-1',
      model: DEFAULT_ANTHROPIC_MODEL,
      maxTokens: 8192,
    });
    expect(c.forge.github).toEqual({ token: 'ghp_2', apiBaseUrl: 'https://api.github.com' });
  });

  it('reports each problem at its exact path', () => {
    const r = issuesOf(
      'port: 70000\nmaxConcurrentSessions: 0\nmodel: { provider: anthropic, apiKey: $MISSING }\nbudgets: { maxTurns: -1 }\nsurprise: 1\n',
    );
    expect(r.code).toBe('CONFIG_INVALID');
    const paths = r.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['port', 'maxConcurrentSessions', 'model.apiKey', 'budgets.maxTurns']),
    );
    expect(r.issues.find((i) => i.path === 'model.apiKey')).toMatchObject({
      line: 3,
      col: 39,
      message: 'environment variable MISSING is not set (set it in the environment)',
    });
    expect(r.issues.some((i) => i.message.includes('surprise'))).toBe(true);
  });

  it('rejects an unknown model provider at model.provider', () => {
    const r = issuesOf('model: { provider: ouija }\n');
    expect(r.issues.map((i) => i.path)).toContain('model.provider');
  });

  it('reports YAML syntax errors as CONFIG_YAML, including duplicate keys', () => {
    expect(issuesOf('port: [1, 2\n').code).toBe('CONFIG_YAML');
    expect(issuesOf('port: 1\nport: 2\n').code).toBe('CONFIG_YAML');
  });
});

describe('parseDotEnv', () => {
  it('is re-exported from @worktrain/contracts (tested there)', () => {
    expect(parseDotEnv).toBe(parseDotEnvFromContracts);
  });
});

describe('loadRuntimeConfig', () => {
  it('reads config.yaml with refs from .env; the process environment wins; missing files are defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wt-runtime-cfg-'));
    try {
      const missing = loadRuntimeConfig({
        configPath: join(dir, 'nope.yaml'),
        envFile: join(dir, 'nope.env'),
        env: {},
      });
      expect(missing._unsafeUnwrap().port).toBe(3200);
      writeFileSync(join(dir, 'config.yaml'), 'port: 4100\nforge: { github: { token: $GITHUB_TOKEN } }\n');
      writeFileSync(join(dir, '.env'), 'GITHUB_TOKEN=from-dotenv\n');
      const fromFile = loadRuntimeConfig({
        configPath: join(dir, 'config.yaml'),
        envFile: join(dir, '.env'),
        env: {},
      });
      expect(fromFile._unsafeUnwrap()).toMatchObject({
        port: 4100,
        forge: { github: { token: 'from-dotenv' } },
      });
      const fromEnv = loadRuntimeConfig({
        configPath: join(dir, 'config.yaml'),
        envFile: join(dir, '.env'),
        env: { GITHUB_TOKEN: 'from-env' },
      });
      expect(fromEnv._unsafeUnwrap().forge.github?.token).toBe('from-env');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
