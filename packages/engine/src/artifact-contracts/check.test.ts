import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlockerSchema } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { checkOutputContract, decideLoopControl } from './check.js';
import { findArtifactContract, knownContractRefs, listArtifactContracts } from './registry.js';

const required = (contractRef: string) => ({ contractRef, required: true });

describe('the contract registry', () => {
  it('has one contract per ref and kind, each with a valid example', () => {
    const contracts = listArtifactContracts();
    expect(new Set(contracts.map((c) => c.ref)).size).toBe(contracts.length);
    expect(new Set(contracts.map((c) => c.artifactKind)).size).toBe(contracts.length);
    for (const contract of contracts) {
      expect(contract.ref.startsWith('wr.contracts.'), contract.ref).toBe(true);
      const parsed = contract.schema.safeParse(contract.example);
      expect(parsed.success, `${contract.ref}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      expect(checkOutputContract(required(contract.ref), [contract.example])).toEqual({
        ok: true,
        artifact: parsed.data,
      });
    }
  });

  it('finds contracts by ref and lists their refs', () => {
    expect(findArtifactContract('wr.contracts.loop_control')?.artifactKind).toBe('wr.loop_control');
    expect(findArtifactContract('wr.contracts.classify_task')?.artifactKind).toBe('wr.classify_task');
    expect(findArtifactContract('wr.contracts.nope')).toBeUndefined();
    expect(knownContractRefs()).toEqual(listArtifactContracts().map((c) => c.ref));
  });

  it('knows every contractRef used by the WorkRail corpus', () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const corpus = path.resolve(here, '../../test/fixtures/third-party/workrail-workflows/workflows');
    const refs = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.json')) {
          for (const match of fs.readFileSync(full, 'utf8').matchAll(/"contractRef":\s*"([^"]+)"/g)) {
            if (match[1] !== undefined) refs.add(match[1]);
          }
        }
      }
    };
    walk(corpus);
    expect(refs.size).toBeGreaterThanOrEqual(7);
    for (const ref of refs) expect(knownContractRefs(), ref).toContain(ref);
  });
});

/**
 * Artifacts shaped exactly as the WorkRail corpus prompts ask agents to emit them
 * (EtienneBBeaulac/workrail workflows/*.json @ 2d4fbf3, MIT), with the placeholders filled in.
 */
const CORPUS_STYLE: Array<[ref: string, artifact: unknown]> = [
  ['wr.contracts.loop_control', { kind: 'wr.loop_control', decision: 'continue' }],
  [
    'wr.contracts.loop_control',
    {
      kind: 'wr.loop_control',
      loopId: 'plan_audit_loop',
      decision: 'stop',
      metadata: { reason: 'No gaps left' },
    },
  ],
  [
    'wr.contracts.review_verdict',
    {
      kind: 'wr.review_verdict',
      verdict: 'blocking',
      confidence: 'medium',
      findings: [
        {
          severity: 'major',
          summary: 'Cache is never invalidated',
          findingCategory: 'correctness',
          file: 'src/cache.ts',
          startLine: 42,
          endLine: 47,
          causalLink: 'This PR added the cache without an eviction path.',
          remediation: 'Invalidate on write.',
        },
      ],
      summary: 'One major correctness issue',
    },
  ],
  [
    'wr.contracts.review_verdict',
    { kind: 'wr.review_verdict', verdict: 'clean', confidence: 'high', findings: [], summary: 'No issues' },
  ],
  [
    'wr.contracts.gate_verdict',
    {
      kind: 'wr.gate_verdict',
      verdict: 'approved',
      confidence: 'high',
      rationale: 'The handoff lists concrete tests for the retry path.',
    },
  ],
  [
    'wr.contracts.gate_verdict',
    {
      kind: 'wr.gate_verdict',
      verdict: 'approved',
      rationale: 'Output meets criteria in every checked area',
      confidence: 'high',
      stepId: 'phase-6-final-handoff',
    },
  ],
  [
    'wr.contracts.shaping_handoff',
    {
      kind: 'wr.shaping_handoff',
      version: 1,
      pitchPath: '/repo/.workrail/current-pitch.md',
      selectedShape: 'Inline editing in the table',
      appetite: 'Small batch (1-2 days)',
      keyConstraints: ['No schema change'],
      rabbitHoles: ['Undo history'],
      outOfScope: ['Bulk edit'],
      validationChecklist: ['All existing tests pass', 'Auth middleware is not modified'],
    },
  ],
  [
    'wr.contracts.discovery_handoff',
    {
      kind: 'wr.discovery_handoff',
      version: 1,
      selectedDirection: 'Use the event log as the source of truth',
      designDocPath: 'docs/design.md',
      confidenceBand: 'high',
      selectionTier: 'strong_recommendation',
      keyInvariants: ['Events are append-only'],
      rejectedDirections: [{ direction: 'CRUD tables', reason: 'Loses history' }],
      implementationConstraints: ['Do not mutate events'],
      keyCodebaseLocations: [{ path: 'src/store.ts', relevance: 'Append path' }],
    },
  ],
  [
    'wr.contracts.coding_handoff',
    {
      kind: 'wr.coding_handoff',
      version: 1,
      branchName: 'worktrain/run-1',
      keyDecisions: ['Kept the old API as a wrapper'],
      knownLimitations: [],
      testsAdded: ['src/a.test.ts'],
      filesChanged: ['src/a.ts'],
      correctedAssumptions: [{ assumed: 'Ids are numeric', actual: 'Ids are strings' }],
    },
  ],
];

describe('checkOutputContract', () => {
  it.each(CORPUS_STYLE)('accepts a corpus-style artifact for %s unchanged', (ref, artifact) => {
    const result = checkOutputContract(required(ref), [{ kind: 'something.else', x: 1 }, artifact], {
      loopId: 'plan_audit_loop',
    });
    expect(result).toEqual({ ok: true, artifact });
  });

  it('returns null for an optional contract with no matching artifact', () => {
    expect(checkOutputContract({ contractRef: 'wr.contracts.review_verdict', required: false }, [])).toEqual({
      ok: true,
      artifact: null,
    });
  });

  it('reports a missing required artifact with the kinds found and a valid example', () => {
    const result = checkOutputContract(required('wr.contracts.loop_control'), [
      { kind: 'wr.review_verdict' },
      'text',
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.blockers).toHaveLength(1);
    const [blocker] = result.blockers;
    expect(BlockerSchema.parse(blocker)).toEqual(blocker);
    expect(blocker?.code).toBe('MISSING_REQUIRED_OUTPUT');
    expect(blocker?.pointer).toBe('/output/artifacts');
    expect(blocker?.message).toContain('"wr.loop_control"');
    expect(blocker?.message).toContain('"wr.review_verdict" at /output/artifacts/0');
    expect(blocker?.message).toContain('no kind at /output/artifacts/1');
    const example = JSON.parse(blocker?.suggestedFix?.slice(blocker.suggestedFix.indexOf('{')) ?? '');
    expect(findArtifactContract('wr.contracts.loop_control')?.schema.safeParse(example).success).toBe(true);
  });

  it('points at the offending field of an invalid artifact and lists every issue', () => {
    const result = checkOutputContract(required('wr.contracts.loop_control'), [
      { kind: 'wr.loop_control', decision: 'maybe', extra: true },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const [blocker] = result.blockers;
    expect(blocker?.code).toBe('INVALID_REQUIRED_OUTPUT');
    expect(blocker?.pointer).toBe('/output/artifacts/0/decision');
    expect(blocker?.message).toContain('/output/artifacts/0/decision:');
    expect(blocker?.message).toContain('/output/artifacts/0/extra:');
    expect(blocker?.suggestedFix).toContain('"kind":"wr.loop_control"');
  });

  it('reports missing fields with their pointers', () => {
    const result = checkOutputContract(required('wr.contracts.review_verdict'), [
      { kind: 'wr.review_verdict', verdict: 'clean', findings: [{ severity: 'huge' }] },
    ]);
    if (result.ok) throw new Error('expected blockers');
    const message = result.blockers[0]?.message ?? '';
    for (const pointer of ['/confidence', '/summary', '/findings/0/severity', '/findings/0/summary']) {
      expect(message).toContain(`/output/artifacts/0${pointer}:`);
    }
  });

  it('blocks an invalid artifact of the declared kind even when the contract is optional', () => {
    const result = checkOutputContract({ contractRef: 'wr.contracts.gate_verdict', required: false }, [
      { kind: 'wr.gate_verdict', verdict: 'approved', confidence: 'high', rationale: 'ok' },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.blockers[0]?.pointer).toBe('/output/artifacts/0/rationale');
  });

  it('reports each invalid artifact, sorted by pointer, and accepts the newest when all are valid', () => {
    const bad = checkOutputContract(required('wr.contracts.loop_control'), [
      { kind: 'wr.loop_control', decision: 'continue' },
      { kind: 'wr.loop_control' },
      { kind: 'wr.loop_control', decision: 1 },
    ]);
    if (bad.ok) throw new Error('expected blockers');
    expect(bad.blockers.map((b) => b.pointer)).toEqual([
      '/output/artifacts/1/decision',
      '/output/artifacts/2/decision',
    ]);
    const good = checkOutputContract(required('wr.contracts.loop_control'), [
      { kind: 'wr.loop_control', decision: 'continue' },
      { kind: 'wr.loop_control', decision: 'stop' },
    ]);
    expect(good).toEqual({ ok: true, artifact: { kind: 'wr.loop_control', decision: 'stop' } });
  });

  it('honours loopId: other loops are ignored and named in the blocker', () => {
    const artifacts = [{ kind: 'wr.loop_control', loopId: 'other_loop', decision: 'stop' }];
    const result = checkOutputContract(required('wr.contracts.loop_control'), artifacts, {
      loopId: 'plan_audit_loop',
    });
    if (result.ok) throw new Error('expected blockers');
    expect(result.blockers[0]?.code).toBe('MISSING_REQUIRED_OUTPUT');
    expect(result.blockers[0]?.message).toContain('"other_loop"');
    expect(result.blockers[0]?.suggestedFix).toContain('"loopId":"plan_audit_loop"');
    // Without a loopId on the step side, any loop_control artifact applies.
    expect(checkOutputContract(required('wr.contracts.loop_control'), artifacts).ok).toBe(true);
  });

  it('validates our classify_task contract', () => {
    const ok = {
      kind: 'wr.classify_task',
      taskComplexity: 'large',
      riskLevel: 'high',
      hasUI: true,
      touchesArchitecture: false,
      maturity: 'rough',
    };
    expect(checkOutputContract(required('wr.contracts.classify_task'), [ok])).toEqual({
      ok: true,
      artifact: ok,
    });
    const bad = checkOutputContract(required('wr.contracts.classify_task'), [
      { ...ok, hasUI: 'yes', maturity: 'done' },
    ]);
    if (bad.ok) throw new Error('expected blockers');
    expect(bad.blockers[0]?.message).toContain('/output/artifacts/0/hasUI');
    expect(bad.blockers[0]?.message).toContain('/output/artifacts/0/maturity');
  });

  it('guards unknown contract refs', () => {
    const result = checkOutputContract(required('wr.contracts.unknown'), [{ kind: 'x' }]);
    if (result.ok) throw new Error('expected blockers');
    expect(result.blockers[0]?.code).toBe('INVARIANT_VIOLATION');
    expect(checkOutputContract({ contractRef: 'wr.contracts.unknown', required: false }, [])).toEqual({
      ok: true,
      artifact: null,
    });
  });

  it('blocks an artifact that is not plain JSON (a cycle) instead of accepting it', () => {
    const cyclic: Record<string, unknown> = { kind: 'wr.loop_control', decision: 'stop' };
    cyclic.metadata = { self: cyclic };
    const result = checkOutputContract(required('wr.contracts.loop_control'), [cyclic]);
    if (result.ok) throw new Error('expected blockers');
    expect(result.blockers[0]?.code).toBe('INVALID_REQUIRED_OUTPUT');
    expect(result.blockers[0]?.message).toMatch(/not plain JSON/);
  });

  it('never throws on hostile input', () => {
    const cyclic: Record<string, unknown> = { kind: 'wr.loop_control', decision: 'stop' };
    cyclic.metadata = { self: cyclic };
    for (const artifacts of [[null], [undefined], [[1]], [cyclic], 'junk' as unknown as unknown[]]) {
      expect(() => checkOutputContract(required('wr.contracts.loop_control'), artifacts)).not.toThrow();
    }
  });
});

describe('decideLoopControl', () => {
  it('returns the newest valid decision for the loop', () => {
    const artifacts = [
      { kind: 'wr.loop_control', decision: 'continue' },
      { kind: 'wr.loop_control', loopId: 'a', decision: 'stop' },
      { kind: 'wr.loop_control', loopId: 'b', decision: 'continue' },
      { kind: 'wr.loop_control', decision: 'bogus' },
    ];
    expect(decideLoopControl(artifacts, 'a')).toBe('stop');
    expect(decideLoopControl(artifacts, 'b')).toBe('continue');
    expect(decideLoopControl(artifacts, 'c')).toBe('continue');
    expect(decideLoopControl(artifacts)).toBe('continue');
    expect(decideLoopControl([{ kind: 'wr.review_verdict' }], 'a')).toBeUndefined();
    expect(decideLoopControl([])).toBeUndefined();
  });
});
