import { BlockerSchema } from '@worktrain/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOutputContract, decideLoopControl } from './check.js';
import { knownContractRefs, listArtifactContracts } from './registry.js';

/** Artifacts that often carry a known kind, so the schema paths are exercised, not only "missing". */
const artifactArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .tuple(
      fc.constantFrom(...listArtifactContracts().map((c) => c.artifactKind)),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
    )
    .map(([kind, rest]) => ({ ...rest, kind })),
  fc.constantFrom(...listArtifactContracts().map((c) => c.example)),
);

describe('checkOutputContract properties', () => {
  it('never throws and returns well-formed, sorted blockers', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...knownContractRefs(), 'wr.contracts.unknown'),
        fc.boolean(),
        fc.array(artifactArb, { maxLength: 4 }),
        fc.option(fc.constantFrom('plan_audit_loop', 'other'), { nil: undefined }),
        (contractRef, required, artifacts, loopId) => {
          const result = checkOutputContract(
            { contractRef, required },
            artifacts,
            loopId === undefined ? {} : { loopId },
          );
          if (result.ok) {
            if (result.artifact !== null)
              expect(JSON.parse(JSON.stringify(result.artifact))).toEqual(result.artifact);
            return;
          }
          expect(result.blockers.length).toBeGreaterThan(0);
          for (const blocker of result.blockers) expect(BlockerSchema.parse(blocker)).toEqual(blocker);
          const keys = result.blockers.map((b) => `${b.code}\u0000${b.pointer}`);
          expect(keys).toEqual([...keys].sort());
          expect(decideLoopControl(artifacts, loopId)).toSatisfy(
            (d) => d === undefined || d === 'continue' || d === 'stop',
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts an example among unrelated artifacts, in any position', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...listArtifactContracts()),
        fc.array(fc.record({ kind: fc.constantFrom('other.kind', 'x') }), { maxLength: 3 }),
        fc.nat(),
        (contract, others, position) => {
          const artifacts: unknown[] = [...others];
          artifacts.splice(position % (others.length + 1), 0, contract.example);
          expect(checkOutputContract({ contractRef: contract.ref, required: true }, artifacts).ok).toBe(true);
        },
      ),
    );
  });
});
