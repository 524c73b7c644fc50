/**
 * Built-in routines for `wr.templates.routine.<name>` template calls, used when the workflow registry does
 * not supply the routine's own definition (the registry's routine file always wins, like WorkRail, which
 * expands the routine JSON found in its `workflows/routines/`). The text is WorkTrain's own; `{argName}`
 * placeholders are filled from `templateCall.args` at compile time.
 */

export interface BuiltinRoutineStep {
  readonly id: string;
  readonly title: string;
  readonly prompt: string;
  readonly agentRole?: string;
}

export interface BuiltinRoutine {
  /** Routine id in WorkRail's naming (`wr.routine-<name>`). */
  readonly id: string;
  readonly name: string;
  readonly metaGuidance: readonly string[];
  readonly steps: readonly BuiltinRoutineStep[];
}

const p = (...parts: readonly string[]): string => parts.join('\n');

const ROUTINES: readonly BuiltinRoutine[] = [
  {
    id: 'wr.routine-tension-driven-design',
    name: 'Design candidates from real tensions',
    metaGuidance: [
      "Aim for candidates that differ in substance, each one answering the problem's real tensions.",
      'Include the simplest option that could work; an ambitious design has to earn its cost.',
      'For every candidate say what it gains, what it gives up and how it would fail.',
    ],
    steps: [
      {
        id: 'step-frame',
        title: 'Frame the problem and its tensions',
        agentRole: 'You are a designer who understands the problem before proposing anything.',
        prompt: p(
          'Restate the problem in your own words, with the acceptance criteria and hard constraints it must respect.',
          'Find the principles the decision-maker works by (project docs, rules files, existing code conventions) and list them.',
          'Name the two to four tensions that make this problem hard (for example speed against safety, flexibility against simplicity).',
          'Look for how similar problems were already solved in this context and note the patterns worth reusing.',
        ),
      },
      {
        id: 'step-generate',
        title: 'Generate candidates',
        agentRole: 'You are a designer producing genuinely different options.',
        prompt: p(
          'Produce three to five candidates. Each must resolve the tensions differently; variations of one idea count once.',
          'One candidate is the smallest change that satisfies the acceptance criteria.',
          'For each: the core idea, how it handles each tension, what it costs, and the most likely way it fails.',
        ),
      },
      {
        id: 'step-compare',
        title: 'Compare and rank',
        agentRole: 'You are an impartial evaluator of design options.',
        prompt: p(
          'Compare the candidates against the acceptance criteria, the constraints and the principles you found.',
          'Rank them and explain the ranking. If your goal names a focus angle, rank only and leave the final choice to the caller.',
          'Name the runner-up and what would make it the better choice.',
        ),
      },
      {
        id: 'step-deliver',
        title: 'Deliver the candidates',
        agentRole: 'You are writing a clear, decision-ready design summary.',
        prompt: p(
          'Write `{deliverableName}` with the framing, the tensions, every candidate with its trade-offs, and the ranking.',
          'Summarise the ranking and the open questions in your step notes as well.',
        ),
      },
    ],
  },
  {
    id: 'wr.routine-design-review',
    name: 'Review a selected design',
    metaGuidance: [
      'Review the chosen design; do not start a new design from scratch.',
      'Report concrete gaps with their consequence, not generic criticism.',
      'Always ask whether a simpler version would still meet the acceptance criteria.',
    ],
    steps: [
      {
        id: 'step-tradeoffs',
        title: 'Check the accepted trade-offs',
        agentRole: 'You are a design reviewer looking for real gaps.',
        prompt: p(
          'List the trade-offs the selected design accepts.',
          'For each, check that it is stated honestly and that the acceptance criteria still hold with it.',
        ),
      },
      {
        id: 'step-failure-modes',
        title: 'Probe failure modes',
        agentRole: 'You are a design reviewer thinking about how things break.',
        prompt: p(
          'Walk through the ways the design can fail: bad input, partial failure, concurrency, scale, operator error.',
          'Note which failures the design handles, which it does not, and how severe each gap is.',
        ),
      },
      {
        id: 'step-alternatives',
        title: 'Compare with the runner-up and a simpler option',
        agentRole: 'You are a design reviewer testing the choice against its alternatives.',
        prompt: p(
          'Compare the design with the runner-up and with the simplest option that could work.',
          'Say whether the choice still stands, and what evidence would change it.',
        ),
      },
      {
        id: 'step-deliver',
        title: 'Deliver the review findings',
        agentRole: 'You are writing actionable review findings.',
        prompt: p(
          'Write `{deliverableName}` with each finding, its severity, its evidence and a suggested change.',
          'End with a verdict: keep the design, revise it, or reconsider the choice. Put the verdict in your notes too.',
        ),
      },
    ],
  },
  {
    id: 'wr.routine-hypothesis-challenge',
    name: 'Challenge a hypothesis',
    metaGuidance: [
      'Try to disprove the claim; confirming evidence alone proves little.',
      'Rate what you find by real risk.',
    ],
    steps: [
      {
        id: 'step-state-claim',
        title: 'State the claim and what would refute it',
        agentRole: 'You are an adversarial reviewer.',
        prompt: p(
          'State the claim under challenge precisely.',
          'List the observations that would refute it if they were found.',
        ),
      },
      {
        id: 'step-attack',
        title: 'Look for refuting evidence',
        agentRole: 'You are an adversarial reviewer gathering evidence.',
        prompt: p(
          'Search for each refuting observation in the code, data or documents available.',
          'Record what you found, where, and how strongly it bears on the claim.',
        ),
      },
      {
        id: 'step-deliver',
        title: 'Deliver the verdict',
        agentRole: 'You are reporting a challenge outcome.',
        prompt: p(
          'Write `{deliverableName}` with the verdict (holds, revise, or rejected), the evidence and the remaining uncertainty.',
          'Summarise the verdict in your notes.',
        ),
      },
    ],
  },
  {
    id: 'wr.routine-final-verification',
    name: 'Verify the finished work',
    metaGuidance: [
      'Check the result against what was promised, with evidence for every claim of completion.',
    ],
    steps: [
      {
        id: 'step-collect',
        title: 'Collect the promises',
        agentRole: 'You are a verifier establishing what must be true.',
        prompt:
          'List the acceptance criteria, the planned changes and any commitments made earlier in the session.',
      },
      {
        id: 'step-check',
        title: 'Check each promise',
        agentRole: 'You are a verifier gathering evidence.',
        prompt: p(
          'For each item, gather direct evidence: run the tests or builds, read the changed code, inspect the outputs.',
          'Mark each item met, partly met or not met, with the evidence.',
        ),
      },
      {
        id: 'step-deliver',
        title: 'Deliver the verification report',
        agentRole: 'You are reporting verification results.',
        prompt:
          'Write `{deliverableName}` with every item, its status and its evidence, and list what still needs work.',
      },
    ],
  },
];

/** Built-in routines by their short name (`tension-driven-design`). */
export const BUILTIN_ROUTINES: Readonly<Record<string, BuiltinRoutine>> = Object.freeze(
  Object.fromEntries(ROUTINES.map((routine) => [routine.id.replace(/^wr\.routine-/, ''), routine])),
);

/** The built-in routine with this short name, or undefined. */
export function findBuiltinRoutine(name: string): BuiltinRoutine | undefined {
  return Object.hasOwn(BUILTIN_ROUTINES, name) ? BUILTIN_ROUTINES[name] : undefined;
}

/** Template id prefix of routine templates (`wr.templates.routine.<name>`). */
export const ROUTINE_TEMPLATE_PREFIX = 'wr.templates.routine.';

/**
 * Routine ids a `wr.templates.routine.<name>` template may refer to, in lookup order:
 * `wr.routine-<name>` (the corpus naming), `routine-<name>` (WorkRail's older naming), `<name>`.
 * Returns [] for a template id outside the routine namespace.
 */
export function routineIdCandidates(templateId: string): readonly string[] {
  if (!templateId.startsWith(ROUTINE_TEMPLATE_PREFIX)) return [];
  const name = templateId.slice(ROUTINE_TEMPLATE_PREFIX.length);
  if (name.length === 0) return [];
  return [`wr.routine-${name}`, `routine-${name}`, name];
}

/** The template id a routine id answers to: `wr.routine-x` / `routine-x` / `x` → `wr.templates.routine.x`. */
export function routineTemplateId(routineId: string): string {
  return `${ROUTINE_TEMPLATE_PREFIX}${routineId.replace(/^(wr\.)?routine-/, '')}`;
}
