/** Bedrock provider: construction and request shaping only (no network), in a plain Node child process. */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = dirname(new URL(import.meta.url).pathname);
const repoRoot = join(here, '..', '..', '..');

interface Captured {
  provider: { name: string; model: string; scripted: boolean };
  captured: { url: string; method: string; headers: Record<string, string>; body: Record<string, unknown> }[];
  error: { code: string } | null;
}

function run(mode: 'signed' | 'unsigned'): Captured {
  const out = execFileSync(
    process.execPath,
    ['--conditions=@worktrain/source', '--import', 'tsx', join(here, 'fixtures', 'bedrock-request.ts'), mode],
    { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Captured;
}

describe('Bedrock provider', () => {
  it('shapes a streaming invoke request for the model and region', () => {
    const { provider, captured, error } = run('unsigned');
    expect(provider).toEqual({
      name: 'bedrock',
      model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      scripted: false,
    });
    expect(captured).toHaveLength(1);
    const [sent] = captured;
    expect(sent?.method).toBe('POST');
    expect(sent?.url).toBe(
      'https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke-with-response-stream',
    );
    expect(sent?.body).toMatchObject({
      anthropic_version: expect.any(String),
      max_tokens: 512,
      messages: [
        {
          role: 'user',
          content: [{ type: 'text', text: 'Step id: one', cache_control: { type: 'ephemeral' } }],
        },
      ],
      tools: [{ name: 'bash', cache_control: { type: 'ephemeral' } }],
    });
    expect(sent?.body).not.toHaveProperty('model');
    expect(sent?.body).not.toHaveProperty('stream');
    expect(sent?.headers.authorization).toBeUndefined();
    expect(error?.code).toBe('INVALID_REQUEST');
  });

  it('signs requests with SigV4 when given static credentials', () => {
    const { captured } = run('signed');
    expect(captured[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
    );
    expect(JSON.stringify(captured)).not.toContain('wJalrXUtnFEMI');
  });
});
