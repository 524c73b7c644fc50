import type { JsonObject } from '@worktrain/contracts';
import { createMemorySessionStore } from '@worktrain/session-store';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ContinueResponse, EngineErrorCode } from '../src/api.js';
import { createEngine } from '../src/engine/index.js';
import { createMemoryKeyring } from '../src/tokens/index.js';
import { staticRegistry } from './helpers/engine-harness.js';
import { MAIN_WORKFLOW, VALID_VERDICT } from './helpers/test-workflows.js';

type Op =
  | {
      kind: 'advance';
      token: number;
      output: 'notes' | 'empty' | 'verdict' | 'bad-verdict' | 'summary';
      ctx: boolean;
    }
  | { kind: 'rehydrate'; token: number }
  | { kind: 'checkpoint'; token: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      token: fc.nat(50),
      output: fc.constantFrom(
        'notes' as const,
        'empty' as const,
        'verdict' as const,
        'bad-verdict' as const,
        'summary' as const,
      ),
      ctx: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rehydrate' as const), token: fc.nat(50) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), token: fc.nat(50) }) },
);

const ALLOWED_ERRORS: readonly EngineErrorCode[] = [
  'TOKEN_STALE',
  'SESSION_ENDED',
  'CIRCUIT_OPEN',
  'ADVANCE_CONFLICT',
];

function outputOf(kind: Extract<Op, { kind: 'advance' }>['output']): {
  notesMarkdown?: string;
  artifacts?: JsonObject[];
} {
  switch (kind) {
    case 'notes':
      return { notesMarkdown: 'did the step' };
    case 'empty':
      return { notesMarkdown: '' };
    case 'verdict':
      return { notesMarkdown: 'verdict', artifacts: [VALID_VERDICT] };
    case 'bad-verdict':
      return { artifacts: [{ kind: 'wr.review_verdict', verdict: 'perhaps' }] };
    case 'summary':
      return { notesMarkdown: '## Summary\nok' };
  }
}

describe('engine properties (random call sequences, including stale tokens, forks and replays)', () => {
  it('never rejects, answers only with expected codes, and keeps the run DAG and hash chain consistent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
        const store = createMemorySessionStore();
        const engine = createEngine({
          store,
          keyring: createMemoryKeyring(),
          workflows: staticRegistry([MAIN_WORKFLOW]),
          limits: { maxConsecutiveBlocked: 4 },
        });
        const start = (
          await engine.startWorkflow({ workflowId: 'test.main', context: { topic: 't', files: ['a'] } })
        )._unsafeUnwrap();
        const continueTokens = [start.continueToken ?? ''];
        const checkpointTokens = [start.checkpointToken ?? ''];
        const stateTokens: string[] = [];
        const remember = (r: ContinueResponse) => {
          if (r.kind === 'gate_checkpoint') return;
          if (r.continueToken !== undefined) continueTokens.push(r.continueToken);
          if (r.checkpointToken !== undefined) checkpointTokens.push(r.checkpointToken);
        };
        for (const op of ops) {
          if (op.kind === 'advance') {
            const token = continueTokens[op.token % continueTokens.length] ?? '';
            const r = await engine.continueWorkflow({
              continueToken: token,
              output: outputOf(op.output),
              ...(op.ctx ? { context: { n: op.token } } : {}),
            });
            if (r.isOk()) remember(r.value);
            else expect(ALLOWED_ERRORS).toContain(r.error.code);
          } else if (op.kind === 'rehydrate') {
            const pool = [...continueTokens, ...stateTokens];
            const r = await engine.continueWorkflow({
              continueToken: pool[op.token % pool.length] ?? '',
              intent: 'rehydrate',
            });
            remember(r._unsafeUnwrap());
          } else {
            const r = await engine.checkpointWorkflow({
              checkpointToken: checkpointTokens[op.token % checkpointTokens.length] ?? '',
            });
            stateTokens.push(r._unsafeUnwrap().resumeToken);
          }
        }
        const events = (await store.readEvents(start.sessionId))._unsafeUnwrap();
        expect((await store.verify(start.sessionId))._unsafeUnwrap().ok).toBe(true);
        const nodes = new Set(events.flatMap((e) => (e.kind === 'node_created' ? [e.data.nodeId] : [])));
        const children = new Map<string, boolean[]>();
        for (const e of events) {
          if (e.kind === 'advance_recorded') {
            expect(nodes.has(e.data.fromNodeId) && nodes.has(e.data.toNodeId)).toBe(true);
            children.set(e.data.fromNodeId, [...(children.get(e.data.fromNodeId) ?? []), e.data.fork]);
          }
          if (e.kind === 'blocked_attempt') expect(e.data.consecutive).toBeLessThanOrEqual(4);
        }
        // The first advance out of a node is a plain step; every later one is a fork.
        for (const forks of children.values()) expect(forks).toEqual(forks.map((_, i) => i > 0));
        expect(events.filter((e) => e.kind === 'session_completed').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });
});
