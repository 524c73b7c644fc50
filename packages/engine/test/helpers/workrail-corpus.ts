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
 * Corpus files that the official schema itself rejects. WorkRail never loads them (its storage skips
 * `workflows/examples/`); ours must reject them too, with the same reasons.
 */
export const OFFICIALLY_INVALID = ['examples/dashboard-template-workflow.json'] as const;
