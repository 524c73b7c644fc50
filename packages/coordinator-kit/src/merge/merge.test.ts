import { describe, expect, it } from 'vitest';
import { decideMerge, type MergeEvidence } from './decide.js';
import { MergePolicySchema, mergeRulesFor } from './policy.js';

const SHA = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

const green: MergeEvidence = {
  headSha: SHA,
  tests: { passed: true, sha: SHA },
  ci: { state: 'success', sha: SHA },
  review: { verdict: 'clean', sha: SHA, sessionId: 'sess_review' },
  diffScope: { passed: true, sha: SHA },
  approvals: [],
  escalated: false,
};

const rules = (policy: unknown = {}, repo = 'acme/web', paths: string[] = ['src/a.ts']) =>
  mergeRulesFor(MergePolicySchema.parse(policy), repo, paths);

describe('merge policy', () => {
  it('defaults to no auto-merge, tests + ci + clean review, squash, 30 minutes of CI', () => {
    expect(rules()).toEqual({
      auto: false,
      require: ['tests', 'ci', 'review_clean'],
      method: 'squash',
      ciTimeoutMs: 1_800_000,
      override: null,
    });
  });

  it('refuses auto-merge without any requirement, at the top level and in an override', () => {
    const top = MergePolicySchema.safeParse({ auto: true, require: [] });
    expect(top.success).toBe(false);
    expect(top.error?.issues[0]?.message).toContain('auto-merge without any requirement is refused');
    const nested = MergePolicySchema.safeParse({
      overrides: [{ repo: 'acme/docs', auto: true, require: [] }],
    });
    expect(nested.error?.issues[0]?.path).toEqual(['overrides', 0, 'require']);
    expect(MergePolicySchema.safeParse({ auto: true }).success).toBe(true); // the defaults are requirements
  });

  it('refuses unknown keys, requirements and malformed durations', () => {
    expect(MergePolicySchema.safeParse({ autoMerge: true }).success).toBe(false);
    expect(MergePolicySchema.safeParse({ require: ['vibes'] }).success).toBe(false);
    expect(MergePolicySchema.safeParse({ ciTimeout: 'soon' }).success).toBe(false);
    expect(
      MergePolicySchema.parse({ ciTimeout: '2h', breaker: { failures: 3, window: '1h' } }),
    ).toMatchObject({
      ciTimeout: 7_200_000,
      breaker: { failures: 3, window: 3_600_000 },
    });
  });

  it('applies the first override whose repo matches and whose globs cover every changed path', () => {
    const policy = {
      overrides: [
        { repo: 'acme/web', paths: ['docs/**', '*.md'], auto: true, require: ['review_clean'] },
        { repo: 'acme/web', method: 'rebase' },
      ],
    };
    expect(rules(policy, 'acme/web', ['docs/a/b.md', 'README.md'])).toMatchObject({
      auto: true,
      override: 0,
      require: ['review_clean'],
    });
    expect(rules(policy, 'acme/web', ['docs/a.md', 'src/x.ts'])).toMatchObject({
      auto: false,
      override: 1,
      method: 'rebase',
    });
    expect(rules(policy, 'acme/api', ['docs/a.md'])).toMatchObject({ override: null });
  });
});

describe('the merge decision', () => {
  it('merges when every requirement holds on the head SHA and auto is on', () => {
    expect(decideMerge(rules({ auto: true }), green)).toEqual({
      action: 'merge',
      method: 'squash',
      sha: SHA,
    });
  });

  it('waits for a person when auto is off, even with everything green', () => {
    expect(decideMerge(rules(), green)).toEqual({ action: 'await_person', sha: SHA });
  });

  it('never merges a pipeline that escalated', () => {
    expect(decideMerge(rules({ auto: true }), { ...green, escalated: true })).toMatchObject({
      action: 'refuse',
    });
  });

  it('voids evidence gathered for another SHA (a commit pushed after the gates)', () => {
    const moved = decideMerge(rules({ auto: true }), { ...green, headSha: OLD });
    expect(moved.action).toBe('refuse');
    expect(moved.action === 'refuse' && moved.reasons.join('; ')).toContain('tests: not run on bbbbbbbbbbbb');
  });

  it('waits while CI is pending or has reported nothing yet (the gate times out), refuses when it failed', () => {
    expect(decideMerge(rules({ auto: true }), { ...green, ci: { state: 'pending', sha: SHA } }).action).toBe(
      'wait_ci',
    );
    expect(decideMerge(rules({ auto: true }), { ...green, ci: null }).action).toBe('wait_ci');
    expect(decideMerge(rules({ auto: true }), { ...green, ci: { state: 'failure', sha: SHA } })).toEqual({
      action: 'refuse',
      reasons: ['ci: failed'],
    });
    expect(decideMerge(rules({ auto: true }), { ...green, ci: { state: 'none', sha: SHA } }).action).toBe(
      'wait_ci',
    );
  });

  it('refuses a review that is not clean, and counts distinct approvers of the head SHA', () => {
    const minor = decideMerge(rules({ auto: true }), {
      ...green,
      review: { verdict: 'minor', sha: SHA, sessionId: 's' },
    });
    expect(minor).toEqual({ action: 'refuse', reasons: ['review_clean: the review (s) is minor'] });
    const two = rules({ auto: true, require: [{ approvals: 2 }] });
    const approvals = [
      { actor: 'alice', sha: SHA },
      { actor: 'alice', sha: SHA },
      { actor: 'bob', sha: OLD },
    ];
    expect(decideMerge(two, { ...green, approvals }).action).toBe('refuse');
    expect(decideMerge(two, { ...green, approvals: [...approvals, { actor: 'bob', sha: SHA }] }).action).toBe(
      'merge',
    );
  });
});
