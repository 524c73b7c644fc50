/**
 * The text of the built-in routines (WorkTrain's own). Names and `{arg}` placeholders match WorkRail's
 * routines (EtienneBBeaulac/workrail `workflows/routines/*.json`, MIT) so a template call written for
 * WorkRail passes the same args: most take `{deliverableName}`, `ideation` takes `{deliverable}` and
 * `{quantity}`, `execution-simulation`, `feature-implementation` and `tension-driven-design` take none.
 */
import type { BuiltinRoutine } from './routines.js';

const p = (...parts: readonly string[]): string => parts.join('\n');

const step = (id: string, title: string, agentRole: string, ...prompt: readonly string[]) => ({
  id,
  title,
  agentRole,
  prompt: p(...prompt),
});

export const ROUTINES: readonly BuiltinRoutine[] = [
  {
    id: 'wr.routine-context-gathering',
    name: 'Gather context from a codebase',
    metaGuidance: [
      'Read before concluding; cite file paths for every claim.',
      'Go as deep as the question needs, not deeper.',
    ],
    steps: [
      step(
        'step-targets',
        'Choose what to investigate',
        'You are a researcher planning an investigation.',
        'List the questions the caller needs answered and the places (modules, files, docs, history) likely to answer them.',
        'Order them by how much each answer would change the outcome.',
      ),
      step(
        'step-explore',
        'Explore',
        'You are a researcher reading the codebase.',
        'Work through the list: survey structure first, then read the relevant code paths, following calls and data flow where they matter.',
        'Record facts with file paths and line ranges; mark anything you inferred rather than read.',
      ),
      step(
        'step-synthesize',
        'Synthesize findings',
        'You are summarising research for another agent.',
        'Write `{deliverableName}`: answers to each question with evidence, the key files, the patterns in use, and the open unknowns.',
      ),
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
      step(
        'step-tradeoffs',
        'Check the accepted trade-offs',
        'You are a design reviewer looking for real gaps.',
        'List the trade-offs the selected design accepts.',
        'For each, check that it is stated honestly and that the acceptance criteria still hold with it.',
      ),
      step(
        'step-failure-modes',
        'Probe failure modes',
        'You are a design reviewer thinking about how things break.',
        'Walk through the ways the design can fail: bad input, partial failure, concurrency, scale, operator error.',
        'Note which failures the design handles, which it does not, and how severe each gap is.',
      ),
      step(
        'step-alternatives',
        'Compare with the runner-up and a simpler option',
        'You are a design reviewer testing the choice against its alternatives.',
        'Compare the design with the runner-up and with the simplest option that could work, and check it against the principles the project follows.',
        'Say whether the choice still stands, and what evidence would change it.',
      ),
      step(
        'step-deliver',
        'Deliver the review findings',
        'You are writing actionable review findings.',
        'Write `{deliverableName}` with each finding, its severity, its evidence and a suggested change.',
        'End with a verdict: keep the design, revise it, or reconsider the choice. Put the verdict in your notes too.',
      ),
    ],
  },
  {
    id: 'wr.routine-execution-simulation',
    name: 'Simulate execution by tracing',
    metaGuidance: ['Trace concrete values through real code; do not guess what a function does.'],
    steps: [
      step(
        'step-scenarios',
        'Pick the scenarios',
        'You are a debugger choosing what to trace.',
        'Choose the inputs and paths worth tracing: the reported failure, the common case and the edge cases nearest to it.',
      ),
      step(
        'step-trace',
        'Trace execution',
        'You are a debugger tracing code by hand.',
        'For each scenario, follow the code line by line, writing down the state (variables, calls, returned values) at each decision point.',
      ),
      step(
        'step-analyze',
        'Explain the divergence',
        'You are a debugger explaining a failure.',
        'Point to where actual and expected behaviour part ways, the root cause, and the evidence from the trace. Summarise it in your notes.',
      ),
    ],
  },
  {
    id: 'wr.routine-feature-implementation',
    name: 'Implement an approved plan',
    metaGuidance: ['Stay inside the plan and its scope; follow the patterns already in the code.'],
    steps: [
      step(
        'step-understand',
        'Understand the plan',
        'You are an engineer preparing to implement.',
        'Read the plan, its acceptance criteria and the code it touches. List the changes in order and anything unclear.',
      ),
      step(
        'step-implement',
        'Implement step by step',
        'You are an engineer implementing carefully.',
        'Make the changes one plan step at a time, with tests for new behaviour, matching existing conventions.',
      ),
      step(
        'step-verify',
        'Verify and report',
        'You are an engineer checking your own work.',
        'Run the tests, build and linters. Check every acceptance criterion. Report what changed, the results and any deviation from the plan in your notes.',
      ),
    ],
  },
  {
    id: 'wr.routine-feedback-resolution',
    name: 'Resolve review feedback at the root',
    metaGuidance: ['Fix causes, not symptoms; a quick patch needs a stated reason.'],
    steps: [
      step(
        'step-catalog',
        'Catalogue the feedback',
        'You are an engineer taking review feedback seriously.',
        'List every comment, what it asks for, and which ones share an underlying cause.',
      ),
      step(
        'step-options',
        'Find causes and options',
        'You are an engineer analysing feedback.',
        'For each group, trace the root cause and compare a structural fix with a local patch: cost, risk, and what each leaves behind.',
      ),
      step(
        'step-resolve',
        'Plan, apply and verify',
        'You are an engineer resolving feedback.',
        'Choose a resolution per group, apply it, run the checks, and write `{deliverableName}` mapping each comment to its resolution and evidence.',
      ),
    ],
  },
  {
    id: 'wr.routine-final-verification',
    name: 'Verify the finished work',
    metaGuidance: [
      'Check the result against what was promised, with evidence for every claim of completion.',
    ],
    steps: [
      step(
        'step-collect',
        'Collect the promises',
        'You are a verifier establishing what must be true.',
        'List the acceptance criteria, the invariants, the planned changes and any commitments made earlier in the session.',
      ),
      step(
        'step-check',
        'Check each promise',
        'You are a verifier gathering evidence.',
        'For each item, gather direct evidence: run the tests or builds, read the changed code, inspect the outputs.',
        'Mark each item met, partly met or not met, and note regressions or drift from the plan by severity.',
      ),
      step(
        'step-deliver',
        'Deliver the verification report',
        'You are reporting verification results.',
        'Write `{deliverableName}` with every item, its status and its evidence, and list what still needs work.',
      ),
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
      step(
        'step-state-claim',
        'State the claim and what would refute it',
        'You are an adversarial reviewer.',
        'State the claim under challenge precisely, with the evidence offered for it.',
        'Write the strongest counter-argument, and list the observations that would refute the claim if found.',
      ),
      step(
        'step-attack',
        'Look for refuting evidence',
        'You are an adversarial reviewer gathering evidence.',
        'Search for each refuting observation in the code, data or documents available, and consider alternative explanations.',
        'Record what you found, where, and how strongly it bears on the claim.',
      ),
      step(
        'step-deliver',
        'Deliver the verdict',
        'You are reporting a challenge outcome.',
        'Write `{deliverableName}` with the verdict (holds, revise, or rejected), the evidence, the tests that would settle the remaining doubt, and the remaining uncertainty.',
      ),
    ],
  },
  {
    id: 'wr.routine-ideation',
    name: 'Generate ideas',
    metaGuidance: ['Diverge before converging; quantity first, then judgement.'],
    steps: [
      step(
        'step-problem',
        'Understand the problem space',
        'You are a creative problem solver.',
        'Restate the problem, its constraints and what a good solution must achieve. Note the perspective you were asked to take, if any.',
      ),
      step(
        'step-diverge',
        'Generate ideas',
        'You are a creative problem solver generating options.',
        'Produce at least {quantity} distinct ideas, including unconventional ones. One line each.',
      ),
      step(
        'step-deliver',
        'Refine and deliver',
        'You are a pragmatic evaluator of ideas.',
        'Develop the most promising ideas (how they work, cost, risk) and write `{deliverable}` with all ideas, the shortlist and why.',
      ),
    ],
  },
  {
    id: 'wr.routine-parallel-work-partitioning',
    name: 'Partition work for parallel execution',
    metaGuidance: ['Only items with no shared files or ordering dependency may run in the same batch.'],
    steps: [
      step(
        'step-inventory',
        'Inventory and dependencies',
        'You are a planner analysing work items.',
        'List every work item with the files and interfaces it touches, then the dependencies between items.',
      ),
      step(
        'step-batches',
        'Form batches',
        'You are a planner partitioning work.',
        'Group independent items into parallel batches; keep dependent or conflicting items sequential, and say why.',
      ),
      step(
        'step-plan',
        'Produce the execution plan',
        'You are a planner writing an execution plan.',
        'Write `{deliverableName}`: the batches in order, the items of each, and the items flagged for sequential handling.',
      ),
    ],
  },
  {
    id: 'wr.routine-philosophy-alignment',
    name: 'Check alignment with the coding philosophy',
    metaGuidance: ['Judge against the principles the developer actually states and practises, by name.'],
    steps: [
      step(
        'step-discover',
        'Find the principles',
        'You are a reviewer learning the house rules.',
        "Collect the developer's principles from rules files, docs and the prevailing code style, each with its source.",
      ),
      step(
        'step-evaluate',
        'Evaluate principle by principle',
        'You are a reviewer applying principles.',
        'Check the artifact against each principle; separate blocking violations from acceptable tensions, and note where stated and practised principles differ.',
      ),
      step(
        'step-deliver',
        'Deliver the philosophy review',
        'You are writing a principled review.',
        'Write `{deliverableName}` with findings grouped by principle, their severity and a suggested change.',
      ),
    ],
  },
  {
    id: 'wr.routine-plan-analysis',
    name: 'Analyse an implementation plan',
    metaGuidance: ['A plan is ready when someone else could execute it without guessing.'],
    steps: [
      step(
        'step-completeness',
        'Check completeness',
        'You are a plan reviewer.',
        'Check that every requirement maps to plan steps, and that tests, migrations, docs and rollout are covered.',
      ),
      step(
        'step-patterns-risk',
        'Check patterns and risks',
        'You are a plan reviewer looking for risk.',
        "Check that the plan follows the codebase's patterns, and list the risks (breakage, data, performance, security) with mitigations.",
      ),
      step(
        'step-deliver',
        'Deliver the analysis',
        'You are writing a plan review.',
        'Write `{deliverableName}` with the gaps, risks and concrete amendments, and a verdict: ready, ready with changes, or not ready.',
      ),
    ],
  },
  {
    id: 'wr.routine-plan-generation',
    name: 'Generate an implementation plan',
    metaGuidance: ['Plan from the shared facts; state assumptions instead of hiding them.'],
    steps: [
      step(
        'step-understand',
        'Understand the planning problem',
        'You are an engineer planning a change.',
        'Restate the goal, the constraints and the facts you were given, and the perspective you were asked to plan from.',
      ),
      step(
        'step-plan',
        'Write the plan',
        'You are an engineer writing a concrete plan.',
        'Write ordered steps with the files to change, the tests to add and how each step is verified.',
      ),
      step(
        'step-deliver',
        'Critique and deliver',
        'You are an engineer reviewing your own plan.',
        'Find the weakest parts of the plan and fix them, then write `{deliverableName}` with the plan, its assumptions and its risks.',
      ),
    ],
  },
  {
    id: 'wr.routine-reviewer-family',
    name: 'Run one reviewer family',
    metaGuidance: ["Stay within your family's mission; report findings with file and line evidence."],
    steps: [
      step(
        'step-review',
        'Run the checklist and deliver findings',
        'You are a focused code reviewer.',
        'Read the fact packet and the family mission and checklist you were given. Review the change against each checklist item.',
        'Write `{deliverableName}` with each finding (severity, file and line, evidence, suggested fix) and the checklist items that passed.',
      ),
    ],
  },
  {
    id: 'wr.routine-tension-driven-design',
    name: 'Design candidates from real tensions',
    metaGuidance: [
      "Aim for candidates that differ in substance, each one answering the problem's real tensions.",
      'Include the simplest option that could work; an ambitious design has to earn its cost.',
      'For every candidate say what it gains, what it gives up and how it would fail.',
      'If your goal names a focus angle you are one of several parallel executors: rank, and leave the choice to the caller.',
    ],
    steps: [
      step(
        'step-frame',
        'Frame the problem and its tensions',
        'You are a designer who understands the problem before proposing anything.',
        'Restate the problem in your own words, with the acceptance criteria and hard constraints it must respect.',
        'Find the principles the decision-maker works by (project docs, rules files, existing code conventions) and list them.',
        'Name the two to four tensions that make this problem hard (for example speed against safety, flexibility against simplicity).',
        'Look for how similar problems were already solved in this context and note the patterns worth reusing.',
      ),
      step(
        'step-generate',
        'Generate candidates',
        'You are a designer producing genuinely different options.',
        'Produce three to five candidates. Each must resolve the tensions differently; variations of one idea count once.',
        'One candidate is the smallest change that satisfies the acceptance criteria.',
        'For each: the core idea, how it handles each tension, what it costs, and the most likely way it fails.',
      ),
      step(
        'step-compare',
        'Compare and rank',
        'You are an impartial evaluator of design options.',
        'Compare the candidates against the acceptance criteria, the constraints and the principles you found.',
        'Rank them and explain the ranking. Name the runner-up and what would make it the better choice.',
      ),
      step(
        'step-deliver',
        'Deliver the candidates',
        'You are writing a clear, decision-ready design summary.',
        'Write the output file named in your goal (default `design-candidates.md`) with the framing, the tensions, every candidate with its trade-offs, and the ranking.',
        'Summarise the ranking and the open questions in your step notes as well.',
      ),
    ],
  },
];
