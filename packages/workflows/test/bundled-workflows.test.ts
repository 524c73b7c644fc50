import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileWorkflow,
  createWorkflowRegistry,
  findArtifactContract,
  renderStepPrompt,
  validateWorkflowDefinition,
  visitSteps,
} from '@worktrain/engine';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { bundledWorkflowIds, bundledWorkflowsDir } from '../src/index.js';

const files = readdirSync(bundledWorkflowsDir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const read = (file: string): unknown => JSON.parse(readFileSync(join(bundledWorkflowsDir, file), 'utf8'));
const officialSchema: unknown = JSON.parse(
  readFileSync(
    join(
      bundledWorkflowsDir,
      '../../engine/test/fixtures/third-party/workrail-workflows/workflow.schema.json',
    ),
    'utf8',
  ),
);
const official = new Ajv({ allErrors: true, strict: false }).compile(officialSchema as object);

function definitionOf(file: string) {
  const result = validateWorkflowDefinition(read(file), file);
  if (result.isErr()) throw new Error(result.error.message);
  return result.value;
}

describe('bundled workflows', () => {
  it('resolves the workflows directory to an absolute path with the files', () => {
    expect(bundledWorkflowsDir.startsWith('/') || /^[A-Za-z]:\\/.test(bundledWorkflowsDir)).toBe(true);
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it('lists exactly the ids of the files, and each file is named after its id', () => {
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual([...bundledWorkflowIds]);
    for (const file of files) expect(definitionOf(file).id).toBe(file.replace(/\.json$/, ''));
  });

  it('has unique ids', () => {
    expect(new Set(bundledWorkflowIds).size).toBe(bundledWorkflowIds.length);
  });

  it.each(files)('%s is valid for WorkTrain and for the official WorkRail schema', (file) => {
    const result = validateWorkflowDefinition(read(file), file);
    expect(result.isOk() ? 'valid' : result.error.message).toBe('valid');
    expect(official(read(file)), JSON.stringify(official.errors)).toBe(true);
  });

  it.each(files)('%s compiles', async (file) => {
    // Imported here so a compiler problem fails only these tests, not the whole file.
    const compiled = compileWorkflow(definitionOf(file));
    expect(compiled.isOk() ? 'compiled' : compiled.error.message).toBe('compiled');
  });

  it.each(files)('%s declares only known output contracts and gives agents guidance', (file) => {
    const definition = definitionOf(file);
    expect(definition.metaGuidance?.length ?? 0).toBeGreaterThan(0);
    expect(definition.about).toBeDefined();
    for (const { step } of visitSteps(definition)) {
      if (step.type === 'loop' || step.type === 'parallel') continue;
      expect(step.promptBlocks?.goal, step.id).toBeDefined();
      if (step.outputContract !== undefined)
        expect(findArtifactContract(step.outputContract.contractRef), step.id).toBeDefined();
    }
  });

  it('wr.classify-task ends with the classify_task contract', () => {
    const steps = definitionOf('wr.classify-task.json').steps;
    const last = steps[steps.length - 1];
    expect(last !== undefined && last.type === undefined ? last.outputContract : undefined).toEqual({
      contractRef: 'wr.contracts.classify_task',
    });
  });

  it('wr.mr-review ends with the review_verdict contract', () => {
    const steps = definitionOf('wr.mr-review.json').steps;
    const last = steps[steps.length - 1];
    expect(last !== undefined && last.type === undefined ? last.outputContract : undefined).toEqual({
      contractRef: 'wr.contracts.review_verdict',
    });
  });

  it('wr.coding-task has a loop decided by loop_control, a runCondition-skipped step and a confirmation gate', () => {
    const definition = definitionOf('wr.coding-task.json');
    const loop = definition.steps.find((s) => s.type === 'loop');
    expect(loop?.type === 'loop' && loop.loop.conditionSource).toMatchObject({
      contractRef: 'wr.contracts.loop_control',
    });
    const body = loop?.type === 'loop' && Array.isArray(loop.body) ? loop.body : [];
    expect(
      body.some((s) => s.type === undefined && s.outputContract?.contractRef === 'wr.contracts.loop_control'),
    ).toBe(true);
    const plan = definition.steps.find((s) => s.id === 'plan');
    expect(plan?.runCondition).toEqual({ var: 'taskSize', not_equals: 'small' });
    expect(plan?.requireConfirmation).toBeTruthy();
  });

  it('loads through the engine registry with nothing invalid', async () => {
    const registry = createWorkflowRegistry({ sources: [{ kind: 'bundled', dir: bundledWorkflowsDir }] });
    const listed = (await registry.list())._unsafeUnwrap();
    expect(listed.invalid).toEqual([]);
    expect(listed.workflows.map((w) => w.workflowId)).toEqual([...bundledWorkflowIds]);
    expect(listed.workflows.every((w) => w.source.kind === 'bundled')).toBe(true);
  });

  it.each([
    ['wr.coding-task.json', 'handoff'],
    ['wr.quick-task.json', 'report'],
    ['wr.review-fix.json', 'handoff'],
  ])(
    '%s: the final step asks to fill the delivery template into prBody only when one is given',
    (file, stepId) => {
      const compiled = compileWorkflow(definitionOf(file))._unsafeUnwrap();
      const last = compiled.steps.at(-1);
      expect(last?.id).toBe(stepId);
      if (last === undefined || last.kind === 'loop') throw new Error('final step is not a step');
      const template = '## Summary\n<!-- what and why -->\n\n## Testing\n';
      const withTemplate = renderStepPrompt(last, {
        deliveryTemplate: template,
        deliveryTemplateName: 'default',
        deliveryTemplatePath: '.github/pull_request_template.md',
      });
      expect(withTemplate).toContain(`<delivery-template>\n${template}\n</delivery-template>`);
      expect(withTemplate).toContain('`prBody`');
      expect(withTemplate).toContain('`.github/pull_request_template.md`');
      expect(renderStepPrompt(last, {})).not.toContain('delivery-template');
    },
  );
});
