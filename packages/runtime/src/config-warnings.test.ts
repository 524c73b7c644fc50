import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRuntimeConfig } from './config.js';
import { configWarnings } from './config-warnings.js';

const dir = mkdtempSync(join(tmpdir(), 'worktrain-config-warnings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as a config file and returns the codes and paths of its warnings. */
function warningsOf(name: string, text: string, env: Record<string, string> = {}) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return configWarnings(parseRuntimeConfig(text, env)._unsafeUnwrap(), file).map((w) => [w.code, w.path]);
}

describe('configWarnings', () => {
  it('warns that no model is configured by default', () => {
    expect(warningsOf('empty', '')).toEqual([['MODEL_NOT_CONFIGURED', 'model']]);
  });

  it('warns about a scripted model whose script does not exist, relative to the config file', () => {
    expect(warningsOf('scripted', 'model: { provider: scripted, script: nope.yaml }\n')).toEqual([
      ['MODEL_SCRIPT_MISSING', 'model.script'],
    ]);
    writeFileSync(join(dir, 'there.yaml'), 'turns: []\n');
    expect(warningsOf('scripted-ok', 'model: { provider: scripted, script: there.yaml }\n')).toEqual([]);
  });

  it('warns about a host other than loopback and about literal secrets, not $NAME references', () => {
    const text = [
      'host: 0.0.0.0',
      'model: { provider: anthropic, apiKey: sk-ant-literal }',
      'forge: { github: { token: $GITHUB_TOKEN } }',
      'notifications: { webhooks: [{ name: n, url: "https://x.test/h", secret: a-literal-secret-of-16 }] }',
    ].join('\n');
    expect(warningsOf('exposed', text, { GITHUB_TOKEN: 't' })).toEqual([
      ['HOST_NOT_LOOPBACK', 'host'],
      ['LITERAL_SECRET', 'model.apiKey'],
      ['LITERAL_SECRET', 'notifications.webhooks[0].secret'],
    ]);
    expect(
      warningsOf('loopback', 'host: 127.0.0.2\nmodel: { provider: anthropic, apiKey: $K }\n', { K: 'k' }),
    ).toEqual([]);
    const braced = ['$', '{K}'].join(''); // the `${NAME}` form of a reference
    expect(
      warningsOf('v6', `host: "::1"\nmodel: { provider: anthropic, apiKey: "${braced}" }\n`, { K: 'k' }),
    ).toEqual([]);
  });
});
