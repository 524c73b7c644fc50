import type { JsonObject } from '@worktrain/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledWorkflow } from '../src/compiled.js';
import { compileWorkflow, type SourceWorkflow } from '../src/compiler/index.js';
import { validateWorkflowDefinition } from '../src/definition/validate.js';
import { walkWorkflow } from './helpers/corpus-walker.js';
import { type Harness, makeHarness } from './helpers/engine-harness.js';
import { corpusFiles, readCorpusWorkflow } from './helpers/workrail-corpus.js';

const files = corpusFiles();
// Every file runs, the officially invalid example included (it validates through the documented superset).
const runnable = files;
const definitions = runnable.map((f) => readCorpusWorkflow(f) as JsonObject);

let h: Harness;
const stats: { file: string; steps: number; iterations: number; skipped: number }[] = [];
beforeAll(() => {
  h = makeHarness(definitions);
});
afterAll(() => h.close());

function compiledOf(definition: JsonObject): CompiledWorkflow {
  const routines = new Map<string, SourceWorkflow>();
  for (const d of definitions) {
    const v = validateWorkflowDefinition(d);
    if (v.isOk()) routines.set(String(d.id), v.value);
  }
  const def = validateWorkflowDefinition(definition);
  if (def.isErr()) throw new Error(def.error.message);
  const compiled = compileWorkflow(def.value, { resolveRoutine: (id) => routines.get(id) });
  if (compiled.isErr()) throw new Error(compiled.error.message);
  return compiled.value;
}

describe('corpus walk: every runnable WorkRail workflow runs to completion', () => {
  it('covers the whole corpus (all 48 files)', () => {
    expect(files).toHaveLength(48);
    expect(runnable).toHaveLength(48);
  });

  it.each(runnable)('%s completes', async (file) => {
    const definition = definitions[runnable.indexOf(file)] ?? {};
    const compiled = compiledOf(definition);
    const result = await walkWorkflow(h.engine, compiled);
    expect(result.blocked).toEqual([]);
    expect(result.completed).toBe(true);
    expect(result.steps.length).toBeGreaterThan(0);
    const verified = (await h.store.verify(result.sessionId))._unsafeUnwrap();
    expect(verified.ok).toBe(true);
    const events = (await h.store.readEvents(result.sessionId))._unsafeUnwrap();
    expect(events.at(-1)?.kind).toBe('session_completed');
    const decisions = events.flatMap((e) => (e.kind === 'decision_trace' ? [e.data.decision] : []));
    stats.push({
      file,
      steps: result.steps.length,
      iterations: decisions.filter((d) => d === 'loop_iteration').length,
      skipped: decisions.filter((d) => d === 'step_skipped').length,
    });
  });

  it('exercised loops and conditions across the corpus (not only straight lines)', () => {
    expect(stats).toHaveLength(runnable.length);
    const total = (k: 'steps' | 'iterations' | 'skipped') => stats.reduce((n, s) => n + s[k], 0);
    expect(total('iterations')).toBeGreaterThanOrEqual(20);
    expect(total('skipped')).toBeGreaterThan(0);
    expect(total('steps')).toBeGreaterThan(300);
    for (const example of [
      'examples/loops/simple-polling.json',
      'examples/loops/simple-search.json',
      'examples/loops/simple-batch.json',
      'examples/loops/simple-retry.json',
    ]) {
      expect(stats.find((s) => s.file === example)?.iterations).toBeGreaterThanOrEqual(1);
    }
  });
});
