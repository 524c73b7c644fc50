/**
 * What each tool tells the agent. Written for a model reading a tool list: when to call it, what to pass,
 * what comes back and what to do next.
 */
export const TOOL_DESCRIPTIONS = {
  list_workflows: [
    'List the workflows you can run: id, name, description, version and where each was loaded from.',
    'Call this when the user asks for a workflow by purpose ("review my MR", "investigate this bug") and you',
    'do not know its id. Pass workspacePath so project workflows in <workspace>/.worktrain/workflows/ are included.',
    'Then call inspect_workflow to look closer, or start_workflow to run one.',
  ].join(' '),
  inspect_workflow: [
    'Show one workflow before running it: mode "metadata" gives name, description and version; mode "preview"',
    '(default) gives the compiled steps, loops and conditions. Read-only; starts nothing.',
  ].join(' '),
  start_workflow: [
    "Start a run (session) of a workflow. The response contains the first step's prompt: do that step, then call",
    'continue_workflow with the continueToken from this response and your output. WorkTrain hands out one step at',
    "a time, checks your output against the step's contract, and records every step durably, so the run can be",
    'resumed in another conversation. Pass workspacePath, a one-line goal, and any initial facts as context.',
  ].join(' '),
  continue_workflow: [
    'Advance a running workflow, or re-read where it stands.',
    'To advance: pass the continueToken from the LATEST response exactly as received, plus output.notesMarkdown',
    '(a markdown recap of this step) and output.artifacts when the step asks for structured results (e.g. a',
    'wr.loop_control decision). The response is the next step\'s prompt, or kind "blocked" with the problems to fix',
    'and a token to retry the same step, or isComplete true when the workflow is done.',
    'To recover lost context: pass a token with intent "rehydrate" (or no output) to see the pending step again;',
    'a resumeToken (st_…) from resume_session or checkpoint_workflow only allows this.',
    'Pass context only for facts that changed. Never edit or reuse tokens from earlier steps.',
  ].join(' '),
  checkpoint_workflow: [
    'Save a checkpoint of the current step without advancing, and get a resumeToken (st_…) that lets a later',
    'conversation continue this session with continue_workflow (intent "rehydrate"). Use it before a long pause',
    'or when the conversation is about to end. Safe to call twice with the same token.',
  ].join(' '),
  resume_session: [
    'Find an earlier workflow session to pick up, e.g. when the user says "continue the login bug work".',
    'Matches the query against session goals, titles, workflow ids and step notes; sessionId finds one exactly.',
    'Each candidate comes with the continue_workflow call (resumeToken + intent "rehydrate") that restores it.',
    'Read-only.',
  ].join(' '),
} as const;

export const TOOL_TITLES = {
  list_workflows: 'List workflows',
  inspect_workflow: 'Inspect a workflow',
  start_workflow: 'Start a workflow',
  continue_workflow: 'Continue a workflow',
  checkpoint_workflow: 'Checkpoint a workflow',
  resume_session: 'Resume a session',
} as const;
