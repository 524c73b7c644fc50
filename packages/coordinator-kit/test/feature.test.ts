/**
 * The `feature` pipeline over a scripted launcher (children's typed artifacts and deliveries), a real
 * SQLite pipeline and proof store, and delivery's real GitHub merge client against the GitHub double
 * (check runs, merge with the head-SHA guard): fix rounds, escalations, CI and the merge.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Octokit } from '@octokit/rest';
import type { JsonObject } from '@worktrain/contracts';
import { createGitHubMergeClient } from '@worktrain/delivery';
import { type FakeGitHub, startFakeGitHub } from '@worktrain/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ChildDelivery,
  createFeaturePipeline,
  type MergeGatePorts,
  type MergeLogEntry,
  MergePolicySchema,
  mergeRulesFor,
  openSigningKeyring,
  openSqlitePipelineStore,
  openSqliteProofStore,
  type PipelineStore,
  type ProofStore,
  pipelineBranch,
  runPipeline,
  type SigningKeyring,
  startPipeline,
  verifyProof,
} from '../src/index.js';
import { type ScriptedChild, scriptedLauncher } from './helpers/scripted-launcher.js';

const PIPELINE = 'pl_feature1';
const BRANCH = pipelineBranch(PIPELINE);
const sha = (n: number): string => n.toString(16).padStart(40, '0');

const classification: JsonObject = {
  kind: 'wr.classify_task',
  taskComplexity: 'small',
  riskLevel: 'low',
  hasUI: false,
  touchesArchitecture: false,
  maturity: 'specified',
};
const verdict = (v: 'clean' | 'blocking', file = 'src/a.ts'): JsonObject => ({
  kind: 'wr.review_verdict',
  verdict: v,
  confidence: 'high',
  findings: v === 'clean' ? [] : [{ severity: 'major', summary: 'null check missing', file }],
  summary: `review: ${v}`,
});

let dir: string;
let gh: FakeGitHub;
let store: PipelineStore;
let proofs: ProofStore;
let keyring: SigningKeyring;
let prNumber: number;
let log: MergeLogEntry[];
let clock: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wt-feature-'));
  gh = await startFakeGitHub({ tokens: { 'ghp-bot': 'worktrain-bot' } });
  gh.state.addRepo({ owner: 'acme', name: 'widgets', branches: { [BRANCH]: sha(1) } });
  const octokit = new Octokit({
    auth: 'ghp-bot',
    baseUrl: gh.url,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  });
  prNumber = (
    await octokit.rest.pulls.create({
      owner: 'acme',
      repo: 'widgets',
      title: 'Feature',
      head: BRANCH,
      base: 'main',
    })
  ).data.number;
  store = openSqlitePipelineStore({ path: join(dir, 'worktrain.db') })._unsafeUnwrap();
  keyring = openSigningKeyring(join(dir, 'keys'))._unsafeUnwrap();
  proofs = openSqliteProofStore({
    path: join(dir, 'worktrain.db'),
    sign: (m) => keyring.sign(m),
  })._unsafeUnwrap();
  proofs.open(
    PIPELINE,
    { repo: 'acme/widgets', branch: BRANCH, pipelineId: PIPELINE },
    { kind: 'runtime', id: 'test' },
  );
  log = [];
  clock = Date.parse('2026-12-07T10:00:00Z');
});
afterEach(async () => {
  expect(gh.state.specViolations).toEqual([]);
  store.close();
  proofs.close();
  await gh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The delivery of the n-th push to the PR branch: the double's branch moves to that commit. */
function push(n: number): ChildDelivery {
  gh.state.setBranch('acme', 'widgets', BRANCH, sha(n));
  return {
    url: `https://github.com/acme/widgets/pull/${prNumber}`,
    number: prNumber,
    branch: BRANCH,
    headSha: sha(n),
    changedFiles: ['src/a.ts'],
    checks: {
      passed: true,
      results: [{ name: 'test', exitCode: 0, timedOut: false, outputSha256: 'f'.repeat(64) }],
    },
    patch: { passed: true, problems: [] },
  };
}

function ports(policy: unknown, overrides: Partial<MergeGatePorts> = {}): MergeGatePorts {
  const rules = MergePolicySchema.parse(policy);
  return {
    forgeFor: () =>
      createGitHubMergeClient({ owner: 'acme', repo: 'widgets', token: 'ghp-bot', baseUrl: gh.url }),
    rulesFor: (_input, files) => mergeRulesFor(rules, 'acme/widgets', files),
    approvalsOf: async () => [],
    requestMergeApproval: async () => 'pending',
    breakerOpen: () => null,
    logMerge: (entry) => log.push(entry),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    ...overrides,
  };
}

/** Runs a feature pipeline whose children follow `script` (by key; a function so deliveries happen in order). */
async function run(
  script: (key: string) => ScriptedChild | undefined,
  mergeGate: MergeGatePorts,
  maxFixRounds?: number,
) {
  const definition = createFeaturePipeline({
    mergeGate,
    ...(maxFixRounds === undefined ? {} : { maxFixRounds }),
  });
  startPipeline(definition, {
    store,
    pipelineId: PIPELINE,
    input: { goal: 'Add a flag', workspace: dir, context: {} },
  })._unsafeUnwrap();
  const launcher = scriptedLauncher(script);
  const result = (
    await runPipeline({
      definition,
      store,
      launcher,
      pipelineId: PIPELINE,
      proof: { store: proofs, proofId: PIPELINE },
      now: () => clock,
    })
  )._unsafeUnwrap();
  return { result, launcher };
}

const green = () =>
  gh.state.setCheckRun('acme', 'widgets', {
    headSha: sha(3),
    name: 'ci',
    status: 'completed',
    conclusion: 'success',
  });

/** code → blocking → fix → blocking → fix → clean (pushes 1, 2, 3). */
function twoRounds(key: string): ScriptedChild | undefined {
  if (key === 'classify') return { artifacts: [classification] };
  if (key === 'code') return { artifacts: [], delivery: push(1) };
  if (key === 'review-1' || key === 'review-2') return { artifacts: [verdict('blocking')] };
  if (key === 'fix-1') return { artifacts: [], delivery: push(2) };
  if (key === 'fix-2') return { artifacts: [], delivery: push(3) };
  if (key === 'review-3') return { artifacts: [verdict('clean')] };
  return undefined;
}

describe('the feature pipeline', () => {
  it('blocking twice then clean: exactly two fix rounds on one PR, CI green, one merge at the head SHA', async () => {
    green();
    const { result, launcher } = await run(twoRounds, ports({ auto: true }));
    expect(result).toMatchObject({
      status: 'completed',
      state: { fixRounds: 2, reviews: 3, merged: { sha: sha(3) } },
    });
    expect(launcher.spawned).toEqual([
      'classify',
      'code',
      'review-1',
      'fix-1',
      'review-2',
      'fix-2',
      'review-3',
    ]);
    const pull = gh.state.repo('acme', 'widgets')?.items.find((i) => i.number === prNumber);
    expect(pull?.pull?.merged).toBe(true);
    expect(log.map((l) => l.outcome)).toEqual(['merged']);
    const record = proofs.read(PIPELINE)._unsafeUnwrap();
    expect(record.entries.map((e) => `${e.gate}:${e.verdict}`)).toContain('merge:pass');
    expect(record.entries.filter((e) => e.gate === 'review').map((e) => e.verdict)).toEqual([
      'fail',
      'fail',
      'pass',
    ]);
    // The PR's description carries the record's summary, with every gate up to the merge.
    const body = pull?.body ?? '';
    expect(body).toContain('### WorkTrain proof record');
    expect(body).toMatch(/\| merge \| ✅ pass \| merged/);
    const keys = new Map(keyring.publicKeys().map((k) => [k.keyId, createPublicKey(k.publicKeyPem)]));
    expect(verifyProof(PIPELINE, record.entries, record.seals, keys).ok).toBe(true);
  });

  it('blocking three times with two rounds: escalated, no merge', async () => {
    green();
    const script = (key: string) =>
      key === 'review-3' ? { artifacts: [verdict('blocking')] } : twoRounds(key);
    const { result } = await run(script, ports({ auto: true }));
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain('still blocking after 2 fix round(s)');
    expect(gh.state.repo('acme', 'widgets')?.items.find((i) => i.number === prNumber)?.pull?.merged).toBe(
      false,
    );
  });

  it('a malformed verdict escalates and never counts as clean', async () => {
    const script = (key: string) =>
      key === 'review-1' ? { artifacts: [{ kind: 'wr.review_verdict', verdict: 'clean' }] } : twoRounds(key);
    const { result, launcher } = await run(script, ports({ auto: true }));
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain('malformed wr.review_verdict');
    expect(launcher.spawned).not.toContain('fix-1');
  });

  it('a verdict naming findings outside the diff escalates', async () => {
    const script = (key: string) =>
      key === 'review-1' ? { artifacts: [verdict('blocking', 'src/other.ts')] } : twoRounds(key);
    const { result } = await run(script, ports({ auto: true }));
    expect(result).toMatchObject({ status: 'escalated' });
    expect(result.reason).toContain('outside the change: src/other.ts');
  });

  it('red CI on the head SHA: no merge, the proof record says CI failed', async () => {
    gh.state.setCheckRun('acme', 'widgets', {
      headSha: sha(3),
      name: 'ci',
      status: 'completed',
      conclusion: 'failure',
    });
    const { result } = await run(twoRounds, ports({ auto: true }));
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain('ci: failed');
    expect(
      proofs
        .read(PIPELINE)
        ._unsafeUnwrap()
        .entries.some((e) => e.gate === 'ci' && e.verdict === 'fail'),
    ).toBe(true);
    expect(log.map((l) => l.outcome)).toEqual(['refused']);
  });

  it('CI that never reports escalates once merge.ciTimeout has passed on the test clock', async () => {
    const { result } = await run(twoRounds, ports({ auto: true, ciTimeout: '10m' }));
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain(`CI did not report on ${sha(3)} within 600000 ms`);
  });

  it('a head SHA that moved after the review blocks the merge', async () => {
    green();
    const script = (key: string): ScriptedChild | undefined => {
      if (key === 'review-3') {
        gh.state.setBranch('acme', 'widgets', BRANCH, sha(9)); // someone pushed after the review started
        return { artifacts: [verdict('clean')] };
      }
      return twoRounds(key);
    };
    const { result } = await run(script, ports({ auto: true, require: ['review_clean'] }));
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain(`no review of ${sha(9).slice(0, 12)}`);
    expect(gh.state.repo('acme', 'widgets')?.items.find((i) => i.number === prNumber)?.pull?.merged).toBe(
      false,
    );
  });

  it('the forge refusing the merge because the head moved (409) escalates and logs the failure', async () => {
    green();
    const mergeGate = ports({ auto: true });
    const forge = mergeGate.forgeFor({ goal: 'g', workspace: dir, context: {} });
    const moving = {
      ...mergeGate,
      forgeFor: () =>
        forge && {
          changeRequestState: (n: number) => forge.changeRequestState(n),
          ciStatus: (s: string) => forge.ciStatus(s),
          publishSummary: (n: number, markdown: string) => forge.publishSummary(n, markdown),
          merge: (input: { number: number; sha: string; method: 'squash' | 'merge' | 'rebase' }) => {
            gh.state.setBranch('acme', 'widgets', BRANCH, sha(10)); // a push lands between the gate and the call
            return forge.merge(input);
          },
        },
    };
    const { result } = await run(twoRounds, moving);
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain('moved past');
    expect(log.map((l) => l.outcome)).toEqual(['failed']);
  });

  it('with auto off, waits for a person and merges once approved', async () => {
    green();
    let asks = 0;
    const { result } = await run(
      twoRounds,
      ports({}, { requestMergeApproval: async () => (++asks < 3 ? 'pending' : 'approved') }),
    );
    expect(result.status).toBe('completed');
    expect(asks).toBe(3);
  });

  it('operator guidance added mid-run reaches every child started after it, as operatorGuidance', async () => {
    green();
    const script = (key: string): ScriptedChild | undefined => {
      if (key === 'review-1')
        store.append(PIPELINE, [
          { kind: 'guidance_added', actor: 'alice', text: 'Keep each fix to one line.' },
        ]);
      return twoRounds(key);
    };
    const { result, launcher } = await run(script, ports({ auto: true }));
    expect(result.status).toBe('completed');
    const guidance = Object.fromEntries(launcher.requests.map((r) => [r.key, r.context.operatorGuidance]));
    expect(guidance.code).toBeUndefined();
    expect(guidance['review-1']).toBeUndefined();
    expect(guidance['fix-1']).toBe('alice: Keep each fix to one line.');
    expect(guidance['review-3']).toBe('alice: Keep each fix to one line.');
  });

  it('an open circuit breaker stops the merge gate and says why', async () => {
    green();
    const { result } = await run(
      twoRounds,
      ports({ auto: true }, { breakerOpen: () => '3 failed merges within 1h' }),
    );
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain('paused: 3 failed merges within 1h');
  });
});
