/** Access to the WorkRail compatibility corpus copied into `fixtures/third-party/workrail-workflows`. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

export const corpusDir = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'third-party',
  'workrail-workflows',
);

/** Relative paths (from `workflows/`) of every corpus workflow file, sorted. */
export function corpusFiles(): string[] {
  const root = join(corpusDir, 'workflows');
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json')) out.push(relative(root, path));
    }
  };
  walk(root);
  return out.sort();
}

export function readCorpusWorkflow(file: string): unknown {
  return JSON.parse(readFileSync(join(corpusDir, 'workflows', file), 'utf8'));
}

/** The official schema v0.3.0 compiled with Ajv (draft-07, all errors, Unicode lengths). */
export function officialValidator(): ValidateFunction {
  const schema: unknown = JSON.parse(readFileSync(join(corpusDir, 'workflow.schema.json'), 'utf8'));
  if (typeof schema !== 'object' || schema === null) throw new Error('workflow.schema.json is not an object');
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

/**
 * Corpus files that the official schema itself rejects (WorkRail's storage skips `workflows/examples/`).
 * Our format is a documented superset that accepts their informational legacy fields
 * (see `src/definition/schema.ts`), so they validate, compile and run here.
 */
export const OFFICIALLY_INVALID = ['examples/dashboard-template-workflow.json'] as const;

/** The paths the official schema rejects in the dashboard example: exactly our superset fields. */
export const SUPERSET_PATHS = [
  '/tags',
  '/tips',
  '/autoRecognitionPatterns',
  '/steps/0/expectedOutput',
  '/examples/0',
  '/examples/1',
  '/examples/2',
] as const;

/**
 * A copy of `workflow` without the superset's fields, so the official schema can judge the rest:
 * top-level `tags`, `tips`, `autoRecognitionPatterns`, `examples` when every item is an object, and every
 * step's `expectedOutput` (loop bodies included).
 */
export function withoutSupersetFields(workflow: unknown): unknown {
  if (typeof workflow !== 'object' || workflow === null || Array.isArray(workflow)) return workflow;
  const copy: Record<string, unknown> = structuredClone(workflow) as Record<string, unknown>;
  delete copy.tags;
  delete copy.tips;
  delete copy.autoRecognitionPatterns;
  const examples = copy.examples;
  if (
    Array.isArray(examples) &&
    examples.length > 0 &&
    examples.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e))
  )
    delete copy.examples;
  const stripSteps = (steps: unknown): void => {
    if (!Array.isArray(steps)) return;
    for (const step of steps) {
      if (typeof step !== 'object' || step === null || Array.isArray(step)) continue;
      const record = step as Record<string, unknown>;
      if (
        typeof record.expectedOutput === 'object' &&
        record.expectedOutput !== null &&
        !Array.isArray(record.expectedOutput)
      )
        delete record.expectedOutput;
      stripSteps(record.body);
    }
  };
  stripSteps(copy.steps);
  return copy;
}
