import { type JsonObject, JsonObjectSchema } from '@worktrain/contracts';
import { type TaskCandidate, TaskCandidateSchema } from '@worktrain/triggers';
import { z } from 'zod';

/** A task enqueued by `POST /api/v1/dispatch` (or `worktrain run` through the daemon). */
export const DispatchPayloadSchema = z.strictObject({
  kind: z.literal('dispatch'),
  workflowId: z.string().min(1).max(200),
  goal: z.string().min(1).max(65_536),
  /** The git repository to work in (absolute path). */
  workspace: z.string().min(1).max(4096),
  title: z.string().max(1024).optional(),
  context: JsonObjectSchema.optional(),
  /** GitHub repository (`owner/name`) to deliver the PR to; without it the work stays on the branch. */
  repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/)
    .optional(),
  /** Source issue number: the PR says `Closes #N` and the issue gets a comment. */
  issueNumber: z.number().int().positive().optional(),
});
export type DispatchPayload = z.infer<typeof DispatchPayloadSchema>;

/** A task that continues an existing session (after an approval, or `sessions resume`). */
export const ResumePayloadSchema = z.strictObject({
  kind: z.literal('resume'),
  sessionId: z.string().min(1).max(200),
});

/** Where a session's work is delivered. */
export interface DeliveryTarget {
  readonly repo: string | null;
  readonly issueNumber: number | null;
}

/** What a worker runs, whatever enqueued it. */
export type WorkItem =
  | {
      readonly kind: 'start';
      readonly workflowId: string;
      readonly goal: string;
      readonly repoPath: string;
      readonly title: string | null;
      readonly context: JsonObject;
      readonly candidate: TaskCandidate | null;
      readonly target: DeliveryTarget;
    }
  | { readonly kind: 'resume'; readonly sessionId: string };

/** Reads a task payload: a trigger's TaskCandidate, a dispatch, or a resume. Null when it is none. */
export function readWorkItem(payload: unknown): { ok: WorkItem } | { error: string } {
  const resume = ResumePayloadSchema.safeParse(payload);
  if (resume.success) return { ok: { kind: 'resume', sessionId: resume.data.sessionId } };
  const dispatch = DispatchPayloadSchema.safeParse(payload);
  if (dispatch.success)
    return {
      ok: {
        kind: 'start',
        workflowId: dispatch.data.workflowId,
        goal: dispatch.data.goal,
        repoPath: dispatch.data.workspace,
        title: dispatch.data.title ?? null,
        context: dispatch.data.context ?? {},
        candidate: null,
        target: { repo: dispatch.data.repo ?? null, issueNumber: dispatch.data.issueNumber ?? null },
      },
    };
  const candidate = TaskCandidateSchema.safeParse(payload);
  if (candidate.success) {
    const c = candidate.data;
    return {
      ok: {
        kind: 'start',
        workflowId: c.workflowId,
        goal: c.goal,
        repoPath: c.workspace,
        title: c.title,
        context: {
          source: {
            sourceId: c.sourceId,
            url: c.url,
            title: c.title,
            body: c.body,
            labels: c.labels,
            author: c.author,
            triggerId: c.triggerId,
          },
          ...c.metadata,
        },
        candidate: c,
        target: githubTarget(c),
      },
    };
  }
  return {
    error: `task payload is neither a trigger candidate, a dispatch nor a resume: ${dispatch.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')}`,
  };
}

function githubTarget(c: TaskCandidate): DeliveryTarget {
  if (!c.sourceId.startsWith('github:')) return { repo: null, issueNumber: null };
  const repo = typeof c.metadata.repo === 'string' ? c.metadata.repo : null;
  const n = c.metadata.number;
  const isIssue = c.metadata.kind === 'issue';
  return { repo, issueNumber: isIssue && typeof n === 'number' ? n : null };
}
