/** Workflow tools: `complete_step`, `report_issue`, `signal_coordinator` (effects go through SessionHooks). */
import { JsonObjectSchema, JsonValueSchema } from '@worktrain/contracts';
import * as z from 'zod';
import { type AgentTool, toolError } from './types.js';

const CompleteSchema = z.object({
  notesMarkdown: z.string().optional(),
  artifacts: z.array(JsonValueSchema).optional(),
  context: JsonObjectSchema.optional(),
});

export function createCompleteStepTool(): AgentTool {
  return {
    definition: {
      name: 'complete_step',
      description:
        'Submit your output for the current workflow step: notesMarkdown (what you did and found), artifacts (typed JSON objects the step asks for), context (key/values for later steps). ' +
        'If the output is not accepted, the result lists the problems; fix them and call complete_step again.',
      inputSchema: {
        type: 'object',
        properties: {
          notesMarkdown: { type: 'string', description: 'Markdown notes for this step.' },
          artifacts: { type: 'array', items: {}, description: 'Artifacts required by the step contract.' },
          context: { type: 'object', description: 'Context values to set.' },
        },
      },
    },
    async execute(input, context) {
      const parsed = CompleteSchema.safeParse(input);
      if (!parsed.success)
        return toolError(
          `Invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
        );
      return context.hooks.completeStep(parsed.data);
    },
  };
}

const IssueSchema = z.object({
  severity: z.enum(['info', 'warning', 'error', 'fatal']),
  summary: z.string().min(1).max(2000),
  details: z.string().max(50_000).optional(),
});

export function createReportIssueTool(): AgentTool {
  return {
    definition: {
      name: 'report_issue',
      description:
        'Report a problem you cannot solve yourself (missing access, contradictory instructions, broken environment). Severity fatal asks the operator to stop the session.',
      inputSchema: {
        type: 'object',
        properties: {
          severity: { type: 'string', enum: ['info', 'warning', 'error', 'fatal'] },
          summary: { type: 'string' },
          details: { type: 'string' },
        },
        required: ['severity', 'summary'],
      },
    },
    async execute(input, context) {
      const parsed = IssueSchema.safeParse(input);
      if (!parsed.success)
        return toolError('Invalid input: severity (info|warning|error|fatal) and summary are required.');
      await context.hooks.reportIssue(parsed.data);
      return { content: 'Issue recorded.', isError: false };
    },
  };
}

const SignalSchema = z.object({
  kind: z.string().min(1).max(100),
  message: z.string().max(20_000),
  data: JsonValueSchema.optional(),
});

export function createSignalCoordinatorTool(): AgentTool {
  return {
    definition: {
      name: 'signal_coordinator',
      description:
        'Send a short structured signal to the coordinator that started this session (progress, need_input, blocked…). It does not wait for an answer.',
      inputSchema: {
        type: 'object',
        properties: { kind: { type: 'string' }, message: { type: 'string' }, data: {} },
        required: ['kind', 'message'],
      },
    },
    async execute(input, context) {
      const parsed = SignalSchema.safeParse(input);
      if (!parsed.success) return toolError('Invalid input: kind and message (strings) are required.');
      await context.hooks.signalCoordinator(parsed.data);
      return { content: 'Signal sent.', isError: false };
    },
  };
}
