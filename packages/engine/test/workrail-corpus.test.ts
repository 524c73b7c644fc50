import { describe, expect, it } from 'vitest';
import { WorkflowDefinitionSchema } from '../src/definition/schema.js';
import { validateWorkflowDefinition } from '../src/definition/validate.js';
import {
  corpusFiles,
  OFFICIALLY_INVALID,
  officialValidator,
  readCorpusWorkflow,
  SUPERSET_PATHS,
  withoutSupersetFields,
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

  it('accepts the officially invalid example through the documented superset, and nothing else', () => {
    const file = 'examples/dashboard-template-workflow.json';
    expect(officiallyInvalid).toEqual([file]);
    const json = readCorpusWorkflow(file);
    expect(official(json)).toBe(false);
    const ajvPaths = (official.errors ?? []).map((e) =>
      e.keyword === 'additionalProperties'
        ? `${e.instancePath}/${String(e.params.additionalProperty)}`
        : e.instancePath,
    );
    // The official schema objects to the superset's informational fields (plus oneOf noise on /steps/0)…
    for (const path of SUPERSET_PATHS) expect(ajvPaths).toContain(path);
    // …and to nothing else: without them it is officially valid. With them, our validator accepts it.
    expect(official(withoutSupersetFields(json))).toBe(true);
    const result = validateWorkflowDefinition(json, file);
    expect(result.isOk() ? 'valid' : result.error.message).toBe('valid');
  });

  it('still rejects malformed superset fields with precise paths', () => {
    const json = readCorpusWorkflow('examples/dashboard-template-workflow.json') as Record<string, unknown>;
    const bad = {
      ...json,
      tags: 'template',
      examples: [{ title: 'x' }, 'a goal string that is long enough'],
    };
    const result = validateWorkflowDefinition(bad);
    const issues = result.isErr() ? (result.error.details?.issues as { path: string }[]) : [];
    expect(issues.map((i) => i.path).sort()).toEqual(['/examples/1', '/tags']);
  });

  it('returns the definition unchanged (no defaults applied)', () => {
    const json = readCorpusWorkflow('examples/loops/simple-batch.json');
    const parsed = WorkflowDefinitionSchema.parse(json);
    expect(parsed).toEqual(json);
  });
});
