/**
 * A hand-written workflow that uses every construct of schema v0.3.0, as the base of mutation tests.
 * Valid against the official schema and our semantic checks.
 */
export function richWorkflow(): Record<string, unknown> {
  return {
    id: 'test.rich-workflow',
    name: 'Rich workflow',
    description: 'Uses every construct of the workflow schema.',
    version: '1.2.3-beta.1+build.5',
    modelTier: 'mid',
    preconditions: ['A repository is checked out'],
    clarificationPrompts: ['What is the goal?'],
    metaGuidance: ['Keep notes short.'],
    about: 'A **test** workflow.',
    examples: ['Exercise every construct of the schema'],
    metricsProfile: 'coding',
    validatedAgainstSpecVersion: 3,
    features: ['wr.features.memory_context'],
    recommendedPreferences: { recommendedAutonomy: 'guided', recommendedRiskPolicy: 'balanced' },
    functionDefinitions: [
      {
        name: 'summarise',
        definition: 'Summarise the notes',
        scope: 'workflow',
        parameters: [{ name: 'limit', type: 'number', enum: [1, 2], default: 1 }],
      },
    ],
    assessments: [
      {
        id: 'quality-gate',
        purpose: 'Is the result good enough?',
        dimensions: [
          { id: 'confidence', purpose: 'How sure are we', levels: ['low', 'high'], required: true },
        ],
      },
    ],
    extensionPoints: [
      {
        slotId: 'reviewer',
        purpose: 'Who reviews',
        default: 'wr.routine-design-review',
        acceptedKinds: ['routine'],
      },
    ],
    references: [
      {
        id: 'guide',
        title: 'Guide',
        source: 'docs/guide.md',
        purpose: 'House rules',
        authoritative: true,
        resolveFrom: 'workspace',
      },
    ],
    steps: [
      {
        id: 'gather',
        title: 'Gather context',
        promptBlocks: {
          goal: 'Understand the task.',
          constraints: [
            'Read before writing',
            [
              { kind: 'text', text: 'Use ' },
              { kind: 'ref', refId: 'wr.refs.notes_first' },
            ],
          ],
          procedure: ['Delegate review to {{wr.bindings.reviewer}}.'],
          outputRequired: { notes: 'What you found' },
          verify: ['Notes exist'],
        },
        agentRole: 'You are a careful investigator.',
        modelTier: 'lightweight',
        guidance: ['Be brief'],
        askForFiles: false,
        hasValidation: true,
        requireConfirmation: { kind: 'human_approval', condition: { var: 'risk', equals: 'high' } },
        runCondition: {
          and: [{ var: 'mode', not_equals: 'skip' }, { not: { var: 'x', in: [1, 'a', null] } }],
        },
        validationCriteria: {
          and: [
            {
              type: 'contains',
              value: 'notes',
              message: 'mention notes',
              condition: { var: 'strict', equals: true },
            },
            {
              or: [
                { type: 'length', min: 1, max: 100, message: 'length' },
                { not: { type: 'regex', pattern: 'x', flags: 'i', message: 'no x' } },
              ],
            },
          ],
        },
        assessmentRefs: ['quality-gate'],
        assessmentConsequences: [
          {
            when: { anyEqualsLevel: 'low', forAssessment: 'quality-gate' },
            effect: { kind: 'require_followup', guidance: 'Dig deeper.' },
          },
        ],
        notesOptional: false,
        functionDefinitions: [{ name: 'local_fn', definition: 'Local' }],
        functionCalls: [{ name: 'summarise', args: { limit: 1 } }],
        functionReferences: ['summarise()'],
        promptFragments: [
          { id: 'high-risk', when: { var: 'risk', equals: 'high' }, text: 'Be extra careful.' },
        ],
        audit: { prompt: 'Audit it', rubric: ['complete'] },
        verification: { command: 'npm test', prompt: 'Run tests' },
      },
      {
        id: 'repeat',
        type: 'loop',
        title: 'Repeat until done',
        loop: {
          type: 'while',
          maxIterations: 5,
          conditionSource: {
            kind: 'artifact_contract',
            contractRef: 'wr.contracts.loop_control',
            loopId: 'repeat',
          },
        },
        body: [
          {
            id: 'work',
            title: 'Work',
            prompt: 'Do one increment.',
            outputContract: { contractRef: 'wr.contracts.loop_control', required: true },
          },
          {
            id: 'fan-out',
            type: 'parallel',
            title: 'Fan out',
            parallelDelegations: [
              {
                workflowId: 'wr.routine-ideation',
                goal: 'Ideas',
                contextMapping: { a: 'b' },
                args: { k: 'v' },
                modelTier: 'heavy',
                allowedTools: ['read_file', 'mcp:grep'],
              },
            ],
            synthesis: { prompt: 'Merge', outputContract: { contractRef: 'wr.contracts.review_verdict' } },
          },
        ],
        requireConfirmation: false,
        notesOptional: true,
      },
      {
        id: 'count-loop',
        type: 'loop',
        title: 'Three times',
        loop: { type: 'for', count: 3, maxIterations: 3, iterationVar: 'i' },
        body: 'single',
      },
      {
        id: 'each-loop',
        type: 'loop',
        title: 'Each file',
        loop: { type: 'forEach', items: 'files', itemVar: 'file', indexVar: 'idx', maxIterations: 50 },
        body: [
          {
            id: 'per-file',
            title: 'Per file',
            templateCall: { templateId: 'wr.templates.capability_probe', args: { x: 1 } },
          },
        ],
        runCondition: { var: 'files', contains: 'a' },
      },
      {
        id: 'single',
        title: 'Single',
        prompt: 'Once.',
        requireConfirmation: { var: 'confirm', equals: true },
      },
    ],
  };
}
