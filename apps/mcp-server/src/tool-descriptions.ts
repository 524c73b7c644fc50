/**
 * What each tool tells the agent. Written for a model reading a tool list: when to call it, what to pass,
 * what comes back and what to do next.
 */
export const TOOL_DESCRIPTIONS = {
  list_workflows: [
    'List the workflows you can run: id, name, description, version and where each was loaded from.',
    'Check here before a multi-step task (a bug investigation, a code review, a feature): a workflow that fits',
    "is the user's chosen way of doing it, so prefer it to improvising. Pass workspacePath so the project's",
    'own workflows (<workspace>/.worktrain/workflows/) are included. Then inspect_workflow to look closer, or',
    'start_workflow to run one.',
  ].join(' '),
  inspect_workflow: [
    'Show one workflow before running it: mode "metadata" gives name, description and version; mode "preview"',
    '(default) gives the compiled steps, loops and conditions. Read-only; starts nothing.',
  ].join(' '),
  start_workflow: [
    "Start a run (session) of a workflow: the user's own step-by-step plan for this kind of task.",
    "The response holds the first step's instructions (pending.prompt) and a continueToken.",
    'Do that step exactly as written, then call continue_workflow with the continueToken and your output.',
    'Do not skip, merge or reorder steps and do not guess what comes next: the workflow may loop, branch or',
    'check your output. Pass workspacePath, a one-line goal, and any initial facts as context (they are',
    'remembered; later calls send only changes). Every step is recorded durably, so the run can be resumed in',
    'another conversation.',
  ].join(' '),
  continue_workflow: [
    'Report the pending step as done and get the next one, or re-read where a run stands.',
    'ADVANCE: send the continueToken from the LATEST response, unchanged, with output.notesMarkdown (a markdown',
    'recap of this step only) and output.artifacts when the step asks for structured results (e.g. a',
    'wr.loop_control decision). You get the next step, or kind "blocked" listing what to fix plus a token to',
    'retry the same step, or isComplete true. Retrying the same call with the same token is safe.',
    'REHYDRATE: send a token with intent "rehydrate" and no output to see the pending step again after lost',
    'context; nothing changes. A resumeToken (st_…) from resume_session or checkpoint_workflow only rehydrates.',
    'nextIntent says what to do: "perform_pending_then_continue" (do the step, then call again),',
    '"await_user_confirmation" (the step wants the user to confirm before you advance), "complete" (done).',
    'Send context only for facts that changed. Never edit tokens or reuse ones from earlier steps.',
  ].join(' '),
  checkpoint_workflow: [
    'Save a checkpoint of the current step without advancing, and get a resumeToken (st_…) that lets a later',
    'conversation continue this session with continue_workflow (intent "rehydrate"). Use it before a long pause',
    'or when the conversation is about to end. Safe to call twice with the same token.',
  ].join(' '),
  resume_session: [
    'Find an earlier workflow session to pick up, e.g. when the user says "continue the login bug work".',
    'Matches the query against session goals, titles, workflow ids and step notes; sessionId finds one exactly',
    '(an unknown sessionId is a SESSION_NOT_FOUND error).',
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
