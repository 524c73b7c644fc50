/**
 * The pipeline runner on a real SQLite file, with a review → fix loop pipeline and a scripted launcher:
 * fix rounds by typed verdicts, escalation when rounds run out or a verdict is malformed, one budget across
 * parallel children, cancellation, and resumption after a crash at every event (no child started twice).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, type JsonObject } from '@worktrain/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  coordinatorError,
  DEFAULT_PIPELINE_BUDGET,
  definePipeline,
  openSqlitePipelineStore,
  type PipelineStore,
  planPipeline,
  readReviewVerdict,
  runPipeline,
  startPipeline,
} from '../src/index.js';
import { type ScriptedChild, scriptedLauncher } from './helpers/scripted-launcher.js';

const verdict = (v: 'clean' | 'minor' | 'blocking', findings = 1): JsonObject => ({
  kind: 'wr.review_verdict',
  verdict: v,
  confidence: 'high',
  findings:
    v === 'clean'
      ? []
      : Array.from({ length: findings }, (_, i) => ({
          severity: 'major',
          summary: `finding ${i}`,
          file: 'src/a.ts',
        })),
  summary: `review: ${v}`,
});

const State = z.strictObject({ round: z.number().int(), maxRounds: z.number().int() });
type State = z.infer<typeof State>;

/** code → review → (fix → review)* → done, at most `maxRounds` fixes. */
const reviewFix = definePipeline<State>({
  kind: 'review-fix',
  description: 'code, then review and fix until clean',
  start: 'code',
  stateSchema: State,
  initialState: (input) => ({ round: 0, maxRounds: Number(input.context.maxRounds ?? 2) }),
  stages: {
    code: {
      description: 'write the change',
      next: ['review'],
      async run(ctx) {
        const child = await ctx.spawn({
          key: 'code',
          workflowId: 'wr.coding-task',
          goal: ctx.input.goal,
          context: {},
          workspace: ctx.input.workspace,
          deliver: true,
        });
        if (child.isErr()) return { end: 'escalated', state: ctx.state, reason: child.error.message };
        const [outcome] = (await ctx.await([child.value]))._unsafeUnwrap();
        if (outcome?.status !== 'completed')
          return { end: 'escalated', state: ctx.state, reason: 'coding failed' };
        return { next: 'review', state: ctx.state };
      },
    },
    review: {
      description: 'review in a separate session',
      next: ['fix'],
      async run(ctx) {
        const key = `review-${ctx.state.round}`;
        const child = await ctx.spawn({
          key,
          workflowId: 'wr.mr-review',
          goal: 'review',
          context: {},
          workspace: ctx.input.workspace,
          deliver: false,
        });
        if (child.isErr()) return { end: 'escalated', state: ctx.state, reason: child.error.message };
        const awaited = await ctx.await([child.value]);
        if (awaited.isErr()) return { end: 'escalated', state: ctx.state, reason: awaited.error.message };
        const read = readReviewVerdict(awaited.value[0] as never, ['src/a.ts']);
        if (read.isErr())
          return { end: 'escalated', state: ctx.state, reason: `${read.error.code}: ${read.error.message}` };
        if (read.value.verdict === 'clean')
          return { end: 'completed', state: ctx.state, reason: 'review clean' };
        if (ctx.state.round >= ctx.state.maxRounds)
          return {
            end: 'escalated',
            state: ctx.state,
            reason: `still ${read.value.verdict} after ${ctx.state.round} fix rounds`,
          };
        return { next: 'fix', state: ctx.state };
      },
    },
    fix: {
      description: 'fix on the same branch',
      next: ['review'],
      async run(ctx) {
        const round = ctx.state.round + 1;
        const child = await ctx.spawn({
          key: `fix-${round}`,
          workflowId: 'wr.coding-task',
          goal: 'fix',
          context: {},
          workspace: ctx.input.workspace,
          branch: 'worktrain/x',
          deliver: true,
        });
        if (child.isErr()) return { end: 'escalated', state: ctx.state, reason: child.error.message };
        const [outcome] = (await ctx.await([child.value]))._unsafeUnwrap();
        if (outcome?.status !== 'completed')
          return { end: 'escalated', state: ctx.state, reason: 'fix failed' };
        return { next: 'review', state: { ...ctx.state, round } };
      },
    },
  },
});

let dir: string;
let dbPath: string;
let store: PipelineStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wt-pipeline-'));
  dbPath = join(dir, 'worktrain.db');
  store = openSqlitePipelineStore({ path: dbPath })._unsafeUnwrap();
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const input = (maxRounds = 2) => ({ goal: 'add a flag', workspace: '/repo', context: { maxRounds } });

function reviews(...verdicts: JsonObject[]): (key: string) => ScriptedChild | undefined {
  return (key) => {
    const m = /^review-(\d+)$/.exec(key);
    return m === null ? undefined : { artifacts: [verdicts[Number(m[1])] ?? verdict('clean')] };
  };
}

async function run(pipelineId: string, script: (key: string) => ScriptedChild | undefined, maxRounds = 2) {
  startPipeline(reviewFix, { store, pipelineId, input: input(maxRounds) })._unsafeUnwrap();
  const launcher = scriptedLauncher(script);
  const result = (
    await runPipeline({ definition: reviewFix, store, launcher, pipelineId, now: Date.now })
  )._unsafeUnwrap();
  return { result, launcher };
}

describe('the pipeline runner', () => {
  it('blocking twice then clean: exactly two fix rounds, then completed', async () => {
    const { result, launcher } = await run(
      'p1',
      reviews(verdict('blocking'), verdict('blocking'), verdict('clean')),
    );
    expect(result).toMatchObject({ status: 'completed', reason: 'review clean', state: { round: 2 } });
    expect(launcher.spawned).toEqual(['code', 'review-0', 'fix-1', 'review-1', 'fix-2', 'review-2']);
    const events = store
      .read('p1')
      ._unsafeUnwrap()
      .events.map((e) => e.data.kind);
    expect(events.at(-1)).toBe('pipeline_ended');
    expect(events.filter((k) => k === 'child_spawned')).toHaveLength(6);
    expect(store.list()._unsafeUnwrap()[0]).toMatchObject({
      pipelineId: 'p1',
      status: 'completed',
      kind: 'review-fix',
    });
  });

  it('blocking three times with two rounds allowed: escalated, no third fix', async () => {
    const { result, launcher } = await run(
      'p1',
      reviews(verdict('blocking'), verdict('blocking'), verdict('blocking')),
    );
    expect(result).toMatchObject({ status: 'escalated', reason: 'still blocking after 2 fix rounds' });
    expect(launcher.spawned).not.toContain('fix-3');
  });

  it('a malformed or missing verdict escalates; it never counts as clean', async () => {
    const malformed = await run('p1', reviews({ kind: 'wr.review_verdict', verdict: 'clean' }));
    expect(malformed.result.status).toBe('escalated');
    expect(malformed.result.reason).toContain('VERDICT_INVALID');
    const missing = await run('p2', (key) => (key === 'review-0' ? { artifacts: [] } : undefined));
    expect(missing.result.reason).toContain('VERDICT_MISSING');
  });

  it('a verdict naming findings outside the change escalates', async () => {
    const outside = {
      ...verdict('minor'),
      findings: [{ severity: 'minor', summary: 'x', file: 'src/other.ts' }],
    };
    const { result } = await run('p1', reviews(outside));
    expect(result.reason).toContain('outside the change');
  });

  it('a killed child escalates the pipeline', async () => {
    const { result } = await run('p1', (key) =>
      key === 'code' ? { status: 'killed', reason: 'killed by alice' } : undefined,
    );
    expect(result).toMatchObject({ status: 'escalated', reason: 'coding failed' });
  });

  it('resumes after a crash at any event: same result, no child started twice', async () => {
    const script = reviews(verdict('blocking'), verdict('minor'), verdict('clean'));
    const reference = await run('ref', script);
    const total = store.read('ref')._unsafeUnwrap().events.length;
    for (let dieAt = 1; dieAt < total; dieAt++) {
      const id = `crash-${dieAt}`;
      startPipeline(reviewFix, { store, pipelineId: id, input: input() })._unsafeUnwrap();
      // The coordinator "dies" at its dieAt-th append: that write and everything after it are lost.
      let appends = 1; // pipeline_started
      const dying: PipelineStore = {
        ...store,
        append(pipelineId, events) {
          appends += 1;
          if (appends > dieAt) return err(coordinatorError('PIPELINE_STORE_IO', 'the process died'));
          return store.append(pipelineId, events);
        },
      };
      const launcher = scriptedLauncher(script);
      await runPipeline({ definition: reviewFix, store: dying, launcher, pipelineId: id, now: Date.now });
      // A new process: a fresh store on the same file, and the launcher still knows its children.
      const reopened = openSqlitePipelineStore({ path: dbPath })._unsafeUnwrap();
      const resumed = (
        await runPipeline({ definition: reviewFix, store: reopened, launcher, pipelineId: id, now: Date.now })
      )._unsafeUnwrap();
      reopened.close();
      expect(resumed, `crash at append ${dieAt}`).toMatchObject({
        status: reference.result.status,
        state: reference.result.state,
      });
      expect(launcher.spawned, `crash at append ${dieAt}`).toEqual(reference.launcher.spawned);
    }
  });

  it('one budget across parallel children: when it is spent all of them stop and the pipeline escalates', async () => {
    const parallel = definePipeline<{ n: number }>({
      kind: 'fan-out',
      description: 'three reviewers at once',
      start: 'review',
      stateSchema: z.strictObject({ n: z.number() }),
      initialState: () => ({ n: 0 }),
      budget: { maxCostUsd: 1 },
      stages: {
        review: {
          description: 'three parallel reviews',
          next: [],
          sessions: 3,
          async run(ctx) {
            const handles = [];
            for (const key of ['a', 'b', 'c']) {
              const h = await ctx.spawn({
                key,
                workflowId: 'wr.mr-review',
                goal: 'review',
                context: {},
                workspace: '/repo',
                deliver: false,
              });
              handles.push(h._unsafeUnwrap());
            }
            const outcomes = (await ctx.await(handles))._unsafeUnwrap();
            const stopped = outcomes.filter((o) => o.status === 'budget_stop').length;
            return stopped > 0
              ? {
                  end: 'escalated',
                  state: { n: stopped },
                  reason: `${stopped} children stopped by the budget`,
                }
              : { end: 'completed', state: { n: 0 }, reason: 'done' };
          },
        },
      },
    });
    startPipeline(parallel, { store, pipelineId: 'fan', input: input() })._unsafeUnwrap();
    // Each child would spend 0.6 USD over 6 requests: together they pass 1 USD during their second request.
    const launcher = scriptedLauncher(() => ({ usage: { turns: 6, tokens: 600, costUsd: 0.6 }, steps: 6 }));
    const result = (
      await runPipeline({ definition: parallel, store, launcher, pipelineId: 'fan', now: Date.now })
    )._unsafeUnwrap();
    expect(result.status).toBe('escalated');
    const ended = store
      .read('fan')
      ._unsafeUnwrap()
      .events.flatMap((e) => (e.data.kind === 'child_ended' ? [e.data] : []));
    expect(ended.map((e) => e.status)).toEqual(['budget_stop', 'budget_stop', 'budget_stop']);
    expect(ended.reduce((n, e) => n + e.usage.costUsd, 0)).toBeLessThan(1.2);
  });

  it('refuses to start a child once the session count is spent', async () => {
    const { result, launcher } = await (async () => {
      startPipeline(reviewFix, {
        store,
        pipelineId: 'p1',
        input: input(5),
        budget: { maxSessions: 3 },
      })._unsafeUnwrap();
      const l = scriptedLauncher(reviews(verdict('blocking'), verdict('blocking'), verdict('blocking')));
      const r = (
        await runPipeline({ definition: reviewFix, store, launcher: l, pipelineId: 'p1', now: Date.now })
      )._unsafeUnwrap();
      return { result: r, launcher: l };
    })();
    expect(launcher.spawned).toEqual(['code', 'review-0', 'fix-1']);
    expect(result.status).toBe('escalated');
    expect(result.reason).toContain('maxSessions');
  });

  it('a cancel request stops the running children and ends the pipeline cancelled', async () => {
    startPipeline(reviewFix, { store, pipelineId: 'p1', input: input() })._unsafeUnwrap();
    store
      .append('p1', [
        { kind: 'child_spawned', key: 'code', sessionId: 'sess_code', workflowId: 'wr.coding-task' },
      ])
      ._unsafeUnwrap();
    store
      .append('p1', [{ kind: 'cancel_requested', actor: 'alice', reason: 'wrong ticket' }])
      ._unsafeUnwrap();
    const launcher = scriptedLauncher(() => undefined);
    const result = (
      await runPipeline({ definition: reviewFix, store, launcher, pipelineId: 'p1', now: Date.now })
    )._unsafeUnwrap();
    expect(result).toMatchObject({ status: 'cancelled', reason: 'cancelled by alice: wrong ticket' });
    expect(launcher.stopped).toEqual(['code']);
    expect(
      store.append('p1', [{ kind: 'cancel_requested', actor: 'bob', reason: 'again' }])._unsafeUnwrapErr()
        .code,
    ).toBe('PIPELINE_ENDED');
  });

  it('fails a pipeline whose stage moves to a stage it did not declare', async () => {
    const sneaky = definePipeline<{ x: number }>({
      kind: 'sneaky',
      description: 'jumps',
      start: 'a',
      stateSchema: z.strictObject({ x: z.number() }),
      initialState: () => ({ x: 0 }),
      stages: {
        a: { description: 'a', next: ['b'], run: async (ctx) => ({ next: 'c', state: ctx.state }) },
        b: { description: 'b', next: ['c'], run: async (ctx) => ({ next: 'c', state: ctx.state }) },
        c: {
          description: 'c',
          next: [],
          run: async (ctx) => ({ end: 'completed', state: ctx.state, reason: 'ok' }),
        },
      },
    });
    startPipeline(sneaky, { store, pipelineId: 's', input: input() })._unsafeUnwrap();
    const result = (
      await runPipeline({
        definition: sneaky,
        store,
        launcher: scriptedLauncher(() => undefined),
        pipelineId: 's',
        now: Date.now,
      })
    )._unsafeUnwrap();
    expect(result).toMatchObject({
      status: 'failed',
      reason: 'stage a moved to c, which it does not declare',
    });
  });
});

describe('definitions and plans', () => {
  it('refuses a definition with an unknown or unreachable stage', () => {
    const base = { kind: 'k', description: 'd', stateSchema: z.strictObject({}), initialState: () => ({}) };
    const stage = (next: string[]) => ({
      description: 's',
      next,
      run: async () => ({ end: 'completed' as const, state: {}, reason: '' }),
    });
    expect(() => definePipeline({ ...base, start: 'a', stages: { a: stage(['zzz']) } })).toThrow(
      'unknown stage "zzz"',
    );
    expect(() => definePipeline({ ...base, start: 'nope', stages: { a: stage([]) } })).toThrow(
      'start stage "nope"',
    );
    expect(() => definePipeline({ ...base, start: 'a', stages: { a: stage([]), b: stage([]) } })).toThrow(
      'unreachable stages b',
    );
  });

  it('plans the stages breadth-first with their budget', () => {
    const plan = planPipeline(reviewFix, DEFAULT_PIPELINE_BUDGET);
    expect(plan.stages.map((s) => [s.name, s.next])).toEqual([
      ['code', ['review']],
      ['review', ['fix']],
      ['fix', ['review']],
    ]);
    expect(plan.budget.maxSessions).toBe(12);
  });
});
