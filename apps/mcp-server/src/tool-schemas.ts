import { isAbsolute } from 'node:path';
import * as z from 'zod';

/**
 * Input schemas of the six MCP tools. Names and parameters are WorkRail v2's
 * (EtienneBBeaulac/workrail `src/mcp/v2/tools.ts`, MIT) so prompts and clients written for WorkRail work
 * unchanged. Where WorkRail requires `workspacePath` we accept its absence (the registry then uses only
 * the bundled, user and `--workflows` sources); everything WorkRail accepts, we accept.
 * The descriptions are ours.
 */

const workspacePath = z
  .string()
  .min(1)
  .refine(isAbsolute, 'workspacePath must be an absolute path')
  .describe(
    'Absolute path of the workspace (repository) you are working in, e.g. the "Workspace:" value of your ' +
      'environment. WorkTrain also loads workflows from <workspacePath>/.worktrain/workflows/ and remembers ' +
      'the workspace so resume_session can find the session later.',
  );

/** Workflow ids: WorkRail's legacy (`my-workflow`) and namespaced (`wr.discovery`) forms, leniently. */
const workflowId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'workflowId must look like "my-workflow" or "wr.discovery"');

const contextRecord = z.record(z.string(), z.unknown());

export const ListWorkflowsInput = z.object({
  workspacePath: workspacePath.optional(),
  includeSources: z
    .boolean()
    .optional()
    .describe('When true, each workflow also names the directory it was loaded from (already included).'),
});

export const InspectWorkflowInput = z.object({
  workflowId: workflowId.describe('Id of the workflow to inspect, as listed by list_workflows.'),
  mode: z
    .enum(['metadata', 'preview'])
    .default('preview')
    .describe('"metadata": name, description and version only. "preview" (default): every step, compiled.'),
  workspacePath: workspacePath.optional(),
});

export const StartWorkflowInput = z.object({
  workflowId: workflowId.describe('Id of the workflow to run, as listed by list_workflows.'),
  workspacePath: workspacePath.optional(),
  goal: z
    .string()
    .max(4096)
    .optional()
    .describe('One sentence: what this run should achieve (shown when resuming).'),
  context: contextRecord
    .optional()
    .describe(
      'Initial facts the workflow may branch on (runCondition variables), e.g. {"taskComplexity": "Small"}.',
    ),
});

const outputObject = z
  .object({
    notesMarkdown: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Markdown recap of THIS step only: what you did, what you decided and why, what you produced ' +
          '(files, commands, results), open risks. Specific names and numbers; 10 to 30 lines is typical.',
      ),
    artifacts: z
      .array(z.unknown())
      .optional()
      .describe(
        'Structured results the step asks for, e.g. [{"kind": "wr.loop_control", "decision": "stop"}]. ' +
          "Their shape is set by the step's output contract.",
      ),
  })
  .strict();

/** The shape clients see (tools/list). Validation adds cross-field rules in {@link parseContinueInput}. */
export const ContinueWorkflowInput = z
  .object({
    continueToken: z
      .string()
      .min(1)
      .describe(
        'Token from the previous response, passed back exactly as received. A continueToken (ct_…) lets ' +
          'you advance; a resumeToken (st_…) from resume_session or checkpoint_workflow only rehydrates.',
      ),
    intent: z
      .enum(['advance', 'rehydrate'])
      .optional()
      .describe(
        '"advance": the pending step is done (send output). "rehydrate": show the pending step again ' +
          '(after lost context); send no output. Default: "advance" when output is present, else "rehydrate".',
      ),
    context: contextRecord
      .optional()
      .describe('Only facts that CHANGED since your last call; merged into the session context.'),
    contextVariables: contextRecord
      .optional()
      .describe('Older name for "context". Send one of the two, not both.'),
    output: outputObject
      .optional()
      .describe('Your result for the pending step (only with intent "advance").'),
    notes: z.string().min(1).optional().describe('Shortcut for output.notesMarkdown.'),
    artifacts: z.array(z.unknown()).optional().describe('Shortcut for output.artifacts.'),
    workspacePath: workspacePath.optional(),
  })
  .strict();

export const CheckpointWorkflowInput = z
  .object({
    checkpointToken: z
      .string()
      .min(1)
      .describe('checkpointToken (ck_…) from the latest start_workflow or continue_workflow response.'),
  })
  .strict();

export const ResumeSessionInput = z
  .object({
    query: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'Words the user used about the earlier work ("login bug", "ACME-1234"); matched against goals and notes.',
      ),
    sessionId: z
      .string()
      .regex(/^sess_[A-Za-z0-9_]+$/, 'sessionId looks like sess_…')
      .optional()
      .describe('Exact session id, when known; returns that session only.'),
    runId: z.string().max(128).optional().describe('Accepted for WorkRail compatibility; not used.'),
    gitBranch: z.string().max(256).optional().describe('Accepted for WorkRail compatibility; not used.'),
    gitHeadSha: z.string().max(64).optional().describe('Accepted for WorkRail compatibility; not used.'),
    workspacePath: workspacePath.optional(),
    sameWorkspaceOnly: z
      .boolean()
      .optional()
      .describe('When true, only sessions started in the same workspacePath are returned.'),
  })
  .strict();

export type ContinueWorkflowArgs = z.infer<typeof ContinueWorkflowInput>;

/** A continue_workflow call after alias normalisation: what the engine receives. */
export interface NormalizedContinueInput {
  readonly continueToken: string;
  readonly intent: 'advance' | 'rehydrate';
  readonly output?: { readonly notesMarkdown?: string; readonly artifacts?: readonly unknown[] };
  readonly context?: Record<string, unknown>;
  readonly workspacePath?: string;
}

/** Cross-field problems of a continue_workflow call, as zod-like issues (path, message). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Normalises WorkRail's aliases (`contextVariables` → `context`, top-level `notes`/`artifacts` →
 * `output`) and infers `intent` the way WorkRail's boundary does: output present → advance, else
 * rehydrate. Returns issues for conflicting aliases and for output sent with intent "rehydrate".
 */
export function normalizeContinueInput(
  args: ContinueWorkflowArgs,
): { ok: true; value: NormalizedContinueInput } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (args.context !== undefined && args.contextVariables !== undefined) {
    issues.push({
      path: 'contextVariables',
      message: 'Send either "context" or "contextVariables", not both.',
    });
  }
  if (args.notes !== undefined && args.output?.notesMarkdown !== undefined) {
    issues.push({ path: 'notes', message: 'Send either "notes" or "output.notesMarkdown", not both.' });
  }
  if (args.artifacts !== undefined && args.output?.artifacts !== undefined) {
    issues.push({ path: 'artifacts', message: 'Send either "artifacts" or "output.artifacts", not both.' });
  }
  const notesMarkdown = args.output?.notesMarkdown ?? args.notes;
  const artifacts = args.output?.artifacts ?? args.artifacts;
  const hasOutput = args.output !== undefined || notesMarkdown !== undefined || artifacts !== undefined;
  const intent = args.intent ?? (hasOutput ? 'advance' : 'rehydrate');
  if (intent === 'rehydrate' && hasOutput) {
    issues.push({ path: 'output', message: 'intent "rehydrate" only reads state; it takes no output.' });
  }
  if (issues.length > 0) return { ok: false, issues };
  const context = args.context ?? args.contextVariables;
  const output =
    notesMarkdown !== undefined || artifacts !== undefined
      ? {
          ...(notesMarkdown !== undefined ? { notesMarkdown } : {}),
          ...(artifacts !== undefined ? { artifacts } : {}),
        }
      : intent === 'advance'
        ? {}
        : undefined;
  return {
    ok: true,
    value: {
      continueToken: args.continueToken,
      intent,
      ...(output !== undefined ? { output } : {}),
      ...(context !== undefined ? { context } : {}),
      ...(args.workspacePath !== undefined ? { workspacePath: args.workspacePath } : {}),
    },
  };
}
