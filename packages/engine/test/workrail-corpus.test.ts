import { describe, expect, it } from 'vitest';
import { WorkflowDefinitionSchema } from '../src/definition/schema.js';
import { validateWorkflowDefinition } from '../src/definition/validate.js';
import {
  corpusFiles,
  OFFICIALLY_INVALID,
  officialValidator,
  readCorpusWorkflow,
} from './helpers/workrail-corpus.js';

const files = corpusFiles();
const official = officialValidator();
const officiallyInvalid: readonly string[] = OFFICIALLY_INVALID;

describe('WorkRail compatibility corpus', () => {
  it('holds the 48 workflows of the pinned WorkRail commit', () => {
    expect(files).toHaveLength(48);
  });

  it.each(files.filter((f) => !officiallyInvalid.includes(f)))(
    '%s validates (schema and semantics)',
    (file) => {
      const json = readCorpusWorkflow(file);
      expect(official(json)).toBe(true);
      const result = validateWorkflowDefinition(json, file);
      expect(result.isOk() ? 'valid' : result.error.message).toBe('valid');
    },
  );

  it('rejects the officially invalid example for the same properties as the official schema', () => {
    const file = 'examples/dashboard-template-workflow.json';
    expect(officiallyInvalid).toEqual([file]);
    const json = readCorpusWorkflow(file);
    const expected = [
      '/tags',
      '/tips',
      '/autoRecognitionPatterns',
      '/steps/0/expectedOutput',
      '/examples/0',
      '/examples/1',
      '/examples/2',
    ];
    expect(official(json)).toBe(false);
    const ajvPaths = (official.errors ?? []).map((e) =>
      e.keyword === 'additionalProperties'
        ? `${e.instancePath}/${String(e.params.additionalProperty)}`
        : e.instancePath,
    );
    for (const path of expected) expect(ajvPaths).toContain(path);
    const result = validateWorkflowDefinition(json, file);
    const issues = result.isErr() ? (result.error.details?.issues as { path: string }[]) : [];
    expect(issues.map((i) => i.path).sort()).toEqual([...expected].sort());
  });

  it('returns the definition unchanged (no defaults applied)', () => {
    const json = readCorpusWorkflow('examples/loops/simple-batch.json');
    const parsed = WorkflowDefinitionSchema.parse(json);
    expect(parsed).toEqual(json);
  });
});
