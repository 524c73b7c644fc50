/** Small builders for compiler unit tests (not exported from the package). */
import type { SourceStep, SourceWorkflow } from './source-types.js';

export function workflow(steps: readonly SourceStep[], extra: Partial<SourceWorkflow> = {}): SourceWorkflow {
  return {
    id: 'test.flow',
    name: 'Test flow',
    description: 'A workflow for compiler tests.',
    version: '1.0.0',
    steps,
    ...extra,
  };
}
