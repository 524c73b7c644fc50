/**
 * Secret scanning of added lines. A small rule table; each rule names where its pattern comes from.
 * Findings never carry the secret itself, only a masked form (first 4 characters, then `*`).
 */

export interface SecretRule {
  readonly id: string;
  readonly description: string;
  /** Must have the `g` flag; group 1, when present, is the secret (else the whole match). */
  readonly pattern: RegExp;
  /** Minimum Shannon entropy (bits per character) of the secret, for generic rules. */
  readonly minEntropy?: number;
  readonly source: string;
}

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    description: 'AWS access key id',
    pattern: /\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/g,
    source:
      'gitleaks config/gitleaks.toml rule "aws-access-token"; AWS IAM docs "Understanding unique ID prefixes"',
  },
  {
    id: 'github-token',
    description: 'GitHub token (personal, OAuth, user-to-server, server-to-server, refresh)',
    pattern: /\b((?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36})\b/g,
    source:
      'GitHub docs "About authentication to GitHub" (token prefixes); gitleaks "github-pat"/"github-oauth"',
  },
  {
    id: 'github-fine-grained-token',
    description: 'GitHub fine-grained personal access token',
    pattern: /\b(github_pat_[A-Za-z0-9_]{82})\b/g,
    source: 'gitleaks config/gitleaks.toml rule "github-fine-grained-pat"',
  },
  {
    id: 'gitlab-token',
    description: 'GitLab personal, project or group access token',
    pattern: /\b(glpat-[A-Za-z0-9_-]{20,})/g,
    source: 'GitLab docs "Token prefixes" (glpat-); gitleaks "gitlab-pat"',
  },
  {
    id: 'anthropic-api-key',
    description: 'Anthropic API key',
    pattern: /\b(sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{32,})/g,
    source: 'gitleaks config/gitleaks.toml rules "anthropic-api-key"/"anthropic-admin-api-key"',
  },
  {
    id: 'slack-token',
    description: 'Slack token',
    pattern: /\b(xox[abposr]-[A-Za-z0-9-]{10,})/g,
    source: 'gitleaks config/gitleaks.toml rules "slack-*-token"',
  },
  {
    id: 'private-key',
    description: 'Private key block',
    pattern: /(-----BEGIN[ A-Z0-9]*PRIVATE KEY( BLOCK)?-----)/g,
    source: 'RFC 7468 textual encoding labels; gitleaks "private-key"',
  },
  {
    id: 'generic-secret-assignment',
    description: 'High-entropy value assigned to a secret-looking name',
    pattern:
      /(?:api[_-]?key|secret|token|passw(?:or)?d|access[_-]?key|client[_-]?secret|auth)[\w-]*["']?\s*(?::|=|:=|=>)\s*["'`]?([A-Za-z0-9+/_\-.=~]{16,})/gi,
    minEntropy: 3.5,
    source: 'gitleaks config/gitleaks.toml rule "generic-api-key" (keyword + assignment + entropy 3.5)',
  },
];

/** Values that look like secrets but are placeholders or references. */
const PLACEHOLDER = /^(?:x+|\*+|0+)$|example|placeholder|changeme|your[_-]|dummy|redacted|process\.env|\$\{/i;

/** Shannon entropy in bits per character. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** `AKIAIOSFODNN7EXAMPLE` → `AKIA****************`: keeps 4 characters and the length. */
export function maskSecret(secret: string): string {
  const keep = Math.min(4, Math.floor(secret.length / 4));
  return `${secret.slice(0, keep)}${'*'.repeat(Math.max(secret.length - keep, 0))}`;
}

export interface AddedLine {
  readonly path: string;
  /** 1-based line number in the new file. */
  readonly line: number;
  readonly text: string;
}

export interface SecretFinding {
  readonly ruleId: string;
  readonly description: string;
  readonly path: string;
  readonly line: number;
  /** The matched secret, masked (never the secret itself). */
  readonly masked: string;
}

/** Scans added lines with `rules`; at most one finding per rule and line. */
export function scanAddedLines(
  lines: readonly AddedLine[],
  rules: readonly SecretRule[] = SECRET_RULES,
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const added of lines) {
    for (const rule of rules) {
      for (const match of added.text.matchAll(rule.pattern)) {
        const secret = match[1] ?? match[0];
        if (
          rule.minEntropy !== undefined &&
          (shannonEntropy(secret) < rule.minEntropy || PLACEHOLDER.test(secret))
        )
          continue;
        findings.push({
          ruleId: rule.id,
          description: rule.description,
          path: added.path,
          line: added.line,
          masked: rule.id === 'private-key' ? secret : maskSecret(secret),
        });
        break;
      }
    }
  }
  return findings;
}
