import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manualClock } from '@worktrain/contracts';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { openApprovalStore, TIMEOUT_ACTOR } from '../src/index.js';

type Op =
  | { readonly op: 'request'; readonly key: number; readonly tier: 'low' | 'medium' | 'high' }
  | { readonly op: 'decide'; readonly key: number; readonly verdict: 'approved' | 'rejected' }
  | { readonly op: 'advance'; readonly ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('request' as const),
    key: fc.nat(3),
    tier: fc.constantFrom('low', 'medium', 'high'),
  }),
  fc.record({
    op: fc.constant('decide' as const),
    key: fc.nat(3),
    verdict: fc.constantFrom('approved', 'rejected'),
  }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2000 }) }),
);

interface ModelEntry {
  id: string;
  tier: 'low' | 'medium' | 'high';
  state: 'pending' | 'approved' | 'rejected';
  decidedBy: string | null;
  autoAt: number | null;
  audits: number;
}

it('a decision happens exactly once, whoever makes it, and every step is audited (model-based)', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
      const dir = mkdtempSync(join(tmpdir(), 'worktrain-approvals-prop-'));
      const clock = manualClock();
      const store = openApprovalStore({ path: join(dir, 'worktrain.db'), clock })._unsafeUnwrap();
      const model = new Map<number, ModelEntry>();
      const settle = () => {
        for (const e of model.values()) {
          if (e.state === 'pending' && e.autoAt !== null && e.autoAt <= clock.now()) {
            e.state = 'approved';
            e.decidedBy = TIMEOUT_ACTOR;
            e.audits += 1;
          }
        }
      };
      try {
        for (const op of ops) {
          if (op.op === 'advance') {
            clock.advance(op.ms);
            continue;
          }
          settle();
          const entry = model.get(op.key);
          if (op.op === 'request') {
            const r = (
              await store.requestApproval({
                sessionId: null,
                action: { kind: 'merge' },
                tier: op.tier,
                summary: 'merge',
                dedupeKey: `k${op.key}`,
                autoApproveAfterMs: op.tier === 'medium' ? 1000 : null,
              })
            )._unsafeUnwrap();
            if (entry) {
              expect(r.created).toBe(false);
              expect(r.request.id).toBe(entry.id);
              entry.audits += 1;
            } else {
              expect(r.created).toBe(true);
              const low = op.tier === 'low';
              model.set(op.key, {
                id: r.request.id,
                tier: op.tier,
                state: low ? 'approved' : 'pending',
                decidedBy: low ? 'policy:low' : null,
                autoAt: op.tier === 'medium' ? clock.now() + 1000 : null,
                audits: low ? 2 : 1,
              });
            }
          } else if (entry) {
            const d = await store.decide({ id: entry.id, verdict: op.verdict, actor: 'cli:prop' });
            if (entry.state === 'pending') {
              expect(d._unsafeUnwrap().state).toBe(op.verdict);
              entry.state = op.verdict;
              entry.decidedBy = 'cli:prop';
              entry.audits += 1;
            } else {
              expect(d._unsafeUnwrapErr().code).toBe('ALREADY_DECIDED');
            }
          }
          settle();
          for (const e of model.values()) {
            const got = store.get(e.id)._unsafeUnwrap();
            expect({ state: got.state, decidedBy: got.decidedBy }).toEqual({
              state: e.state,
              decidedBy: e.decidedBy,
            });
            const audit = store.audit(e.id)._unsafeUnwrap();
            expect(audit).toHaveLength(e.audits);
            expect(audit.filter((a) => a.event === 'approved' || a.event === 'rejected').length).toBe(
              e.state === 'pending' ? 0 : 1,
            );
          }
        }
      } finally {
        store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 40 },
  );
});
