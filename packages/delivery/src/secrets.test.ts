import { describe, expect, it } from 'vitest';
import { maskSecret, scanAddedLines, shannonEntropy } from './secrets.js';

const line = (text: string, n = 1) => ({ path: 'src/config.ts', line: n, text });
// Built by concatenation so this file itself does not look like it leaks keys to scanners.
const AWS = `AKIA${'QX7RZ2MB4KLW9PDT'}`;
const GHP = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;
const GLPAT = `glpat-${'Xk29fLm3Qp8RtYv7Wz1a'}`;
const ANT = `sk-ant-api03-${'Zq8'.repeat(30)}`;

describe('scanAddedLines', () => {
  it.each([
    ['aws-access-key-id', `const key = "${AWS}";`],
    ['github-token', `token: ${GHP}`],
    ['gitlab-token', `GITLAB=${GLPAT}`],
    ['anthropic-api-key', `ANTHROPIC_API_KEY=${ANT}`],
    ['private-key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['private-key', '-----BEGIN RSA PRIVATE KEY-----'],
    ['generic-secret-assignment', 'const clientSecret = "f9Kq2LmZ8xR4tW7vB1nC6hJ3"'],
  ])('finds %s and never returns the secret itself', (ruleId, text) => {
    const findings = scanAddedLines([line(text, 7)]);
    expect(findings.map((f) => f.ruleId)).toContain(ruleId);
    const finding = findings.find((f) => f.ruleId === ruleId);
    expect(finding).toMatchObject({ path: 'src/config.ts', line: 7 });
    if (ruleId !== 'private-key') {
      for (const secret of [AWS, GHP, GLPAT, ANT]) expect(JSON.stringify(findings)).not.toContain(secret);
    }
  });

  it('ignores placeholders, env references and low-entropy values', () => {
    const clean = [
      'const token = process.env.GITHUB_TOKEN;',
      'password = "changeme-changeme-changeme"',
      'apiKey: "xxxxxxxxxxxxxxxxxxxxxxxx"',
      `secret: "$${'{'}SECRET_FROM_VAULT_PLEASE}"`,
      'const tokenizer = new Tokenizer();',
    ];
    expect(scanAddedLines(clean.map((t, i) => line(t, i + 1)))).toEqual([]);
  });
});

describe('maskSecret and shannonEntropy', () => {
  it('keeps four characters and the length', () => {
    expect(maskSecret(AWS)).toBe(`AKIA${'*'.repeat(16)}`);
    expect(maskSecret('abc')).toBe('***');
  });

  it('measures bits per character', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});
