/**
 * Every valid workflow of the WorkRail compatibility corpus compiles, deterministically, with routines
 * injected from the corpus's own `routines/` folder (as WorkRail does).
 */
import { canonicalHash } from '@worktrain/contracts';
import { describe, expect, it } from 'vitest';
import { BUILTIN_ROUTINES, routineTemplateId } from '../src/builtins/index.js';
import type { CompiledNode, CompiledWorkflow } from '../src/compiled.js';
import { compileWorkflow } from '../src/compiler/index.js';
import type { WorkflowDefinition } from '../src/definition/schema.js';
import { validateWorkflowDefinition } from '../src/definition/validate.js';
import { corpusFiles, readCorpusWorkflow } from './helpers/workrail-corpus.js';

function definitionOf(file: string): WorkflowDefinition {
  const result = validateWorkflowDefinition(readCorpusWorkflow(file), file);
  if (result.isErr()) throw new Error(`${file}: ${result.error.message}`);
  return result.value;
}

// All 48, the officially invalid example included (it validates through the documented superset).
const validFiles = corpusFiles();

const routines = new Map<string, WorkflowDefinition>(
  validFiles
    .filter((f) => f.startsWith('routines/'))
    .map((f) => {
      const d = definitionOf(f);
      return [d.id, d] as const;
    }),
);
const resolveRoutine = (id: string): WorkflowDefinition | undefined => routines.get(id);

function allSteps(nodes: readonly CompiledNode[]): CompiledNode[] {
  return nodes.flatMap((n) => (n.kind === 'loop' ? [n, ...n.body] : [n]));
}

describe('compiling the WorkRail corpus', () => {
  it('has the 48 corpus files and compiles all of them', () => {
    expect(corpusFiles()).toHaveLength(48);
    expect(validFiles).toHaveLength(48);
  });

  it.each(validFiles)('compiles %s', (file) => {
    const definition = definitionOf(file);
    const result = compileWorkflow(definition, { resolveRoutine });
    if (result.isErr())
      throw new Error(`${file}: ${result.error.message} at ${String(result.error.details?.pointer)}`);
    const compiled: CompiledWorkflow = result.value;
    expect(compiled.workflowId).toBe(definition.id);
    const { hash, ...rest } = compiled;
    expect(hash).toBe(canonicalHash(rest));
    // Same input, same hash.
    expect(compileWorkflow(definition, { resolveRoutine })._unsafeUnwrap().hash).toBe(hash);
    for (const node of allSteps(compiled.steps)) {
      if (node.kind === 'loop') continue;
      expect(node.prompt.length).toBeGreaterThan(0);
      expect(node.prompt).not.toMatch(/\{\{\s*wr\./);
    }
    expect(compiled.graph.nodes.map((n) => n.id)).toEqual(allSteps(compiled.steps).map((n) => n.id));
  });

  it('injects the routine steps of a templateCall with the deliverable name substituted', () => {
    const compiled = compileWorkflow(definitionOf('examples/routine-injection-example.json'), {
      resolveRoutine,
    })._unsafeUnwrap();
    const routine = routines.get('wr.routine-tension-driven-design');
    const injected = compiled.steps.filter(
      (s) => s.kind === 'step' && s.origin?.templateId === 'wr.templates.routine.tension-driven-design',
    );
    expect(injected.map((s) => s.id)).toEqual(routine?.steps.map((s) => `phase-1-design.${s.id}`));
    const text = injected.map((s) => (s.kind === 'step' ? s.prompt : '')).join('\n');
    expect(text).toContain('design-candidates.md');
    expect(text).not.toContain('{deliverableName}');
  });

  it('takes a loop body given by step id out of the top-level sequence', () => {
    const compiled = compileWorkflow(definitionOf('examples/loops/simple-batch.json'))._unsafeUnwrap();
    expect(compiled.steps.map((s) => s.id)).toEqual(['load-data', 'process-items', 'summarize']);
    const loop = compiled.steps[1];
    expect(loop?.kind === 'loop' && loop.body.map((s) => s.id)).toEqual(['process-single-item']);
    expect(loop?.kind === 'loop' && [loop.itemVar, loop.indexVar, loop.iterationVar]).toEqual([
      'currentItem',
      'itemIndex',
      'currentIteration',
    ]);
  });

  it.each(validFiles)('compiles %s with built-in routines only (no registry)', (file) => {
    const result = compileWorkflow(definitionOf(file));
    if (result.isErr()) throw new Error(`${file}: ${result.error.message}`);
    expect(result.value.steps.length).toBeGreaterThan(0);
  });

  it('has a built-in routine for every corpus routine, taking the same args', () => {
    const argsOf = (texts: readonly string[]): string[] =>
      [
        ...new Set(
          texts.flatMap((t) => [...t.matchAll(/(?<!\{)\{([A-Za-z_]\w*)\}(?!\})/g)].map((m) => m[1] ?? '')),
        ),
      ].sort();
    for (const [id, routine] of routines) {
      const name = routineTemplateId(id).slice('wr.templates.routine.'.length);
      const builtin = BUILTIN_ROUTINES[name];
      expect(builtin, name).toBeDefined();
      const corpusArgs = argsOf(
        routine.steps.flatMap((s) =>
          'prompt' in s && typeof s.prompt === 'string' ? [s.prompt, s.title] : [s.title],
        ),
      );
      expect(argsOf(builtin?.steps.flatMap((s) => [s.prompt, s.title]) ?? []), name).toEqual(corpusArgs);
    }
    expect(Object.keys(BUILTIN_ROUTINES)).toHaveLength(routines.size);
  });

  it('gives the same hash when every object of the source JSON has its keys reversed', () => {
    const reverseKeys = (value: unknown, key = ''): unknown => {
      if (Array.isArray(value)) return value.map((item) => reverseKeys(item));
      if (typeof value !== 'object' || value === null || key === 'outputRequired') return value;
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([k, v]) => [k, reverseKeys(v, k)]),
      );
    };
    for (const file of validFiles) {
      const original = compileWorkflow(definitionOf(file), { resolveRoutine })._unsafeUnwrap().hash;
      const reversed = validateWorkflowDefinition(reverseKeys(readCorpusWorkflow(file)))._unsafeUnwrap();
      expect(compileWorkflow(reversed, { resolveRoutine })._unsafeUnwrap().hash, file).toBe(original);
    }
  });
});
