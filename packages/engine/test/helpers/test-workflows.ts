/** Small hand-written workflows exercising one engine behaviour each. */
import type { JsonObject } from '@worktrain/contracts';

export const MAIN_WORKFLOW: JsonObject = {
  id: 'test.main',
  name: 'Main',
  description: 'Loop, skipped step, output contract and validation criteria.',
  version: '1.0.0',
  metaGuidance: ['Keep notes short.'],
  steps: [
    { id: 'intro', title: 'Intro', prompt: 'Investigate {{topic}}.' },
    { id: 'deep', title: 'Deep dive', prompt: 'Go deep.', runCondition: { var: 'mode', equals: 'deep' } },
    {
      id: 'files',
      type: 'loop',
      title: 'Per file',
      loop: { type: 'forEach', items: 'files', maxIterations: 5, itemVar: 'file' },
      body: [{ id: 'review-file', title: 'Review a file', prompt: 'Review {{file}}.' }],
    },
    {
      id: 'verdict',
      title: 'Verdict',
      prompt: 'Give a verdict.',
      outputContract: { contractRef: 'wr.contracts.review_verdict' },
    },
    {
      id: 'report',
      title: 'Report',
      prompt: 'Write the report.',
      validationCriteria: [
        { type: 'contains', value: 'Summary', message: 'The report needs a Summary section' },
      ],
    },
  ],
};

export const GATE_WORKFLOW: JsonObject = {
  id: 'test.gate',
  name: 'Gate',
  description: 'A step that needs confirmation.',
  version: '1.0.0',
  steps: [
    { id: 'plan', title: 'Plan', prompt: 'Plan the change.', requireConfirmation: true },
    { id: 'ship', title: 'Ship', prompt: 'Ship it.' },
  ],
};

export const LINEAR_WORKFLOW: JsonObject = {
  id: 'test.linear',
  name: 'Linear',
  description: 'Three plain steps.',
  version: '1.0.0',
  steps: [
    { id: 'one', title: 'One', prompt: 'Step one.' },
    { id: 'two', title: 'Two', prompt: 'Step two.' },
    { id: 'three', title: 'Three', prompt: 'Step three.' },
  ],
};

export const VERDICT_WORKFLOW: JsonObject = {
  id: 'test.verdict',
  name: 'Verdict',
  description: 'One step with a review verdict contract.',
  version: '1.0.0',
  steps: [
    {
      id: 'review',
      title: 'Review',
      prompt: 'Review.',
      outputContract: { contractRef: 'wr.contracts.review_verdict' },
    },
    { id: 'after', title: 'After', prompt: 'After.' },
  ],
};

export const VALID_VERDICT: JsonObject = {
  kind: 'wr.review_verdict',
  verdict: 'clean',
  confidence: 'high',
  findings: [],
  summary: 'No findings',
};

export const CHOICE_WORKFLOW: JsonObject = {
  id: 'test.choice',
  name: 'Choice',
  description: 'A later step renders a context value chosen earlier.',
  version: '1.0.0',
  steps: [
    { id: 'choose', title: 'Choose', prompt: 'Choose a direction.' },
    { id: 'follow', title: 'Follow', prompt: 'Follow direction {{choice}}.' },
    { id: 'end', title: 'End', prompt: 'Wrap up.' },
  ],
};
