import { JsonObjectSchema } from '@worktrain/contracts';
import * as z from 'zod';

/**
 * What a trigger turns an outside event into (DESIGN §6): the payload of the task the router enqueues.
 * `sourceId` identifies the outside item (`github:octo-org/octo-repo#issue/12`) and is the dedupe key, so a
 * webhook and a poll of the same item make one task. `goal` is the rendered `goalTemplate` (never empty).
 * Untrusted text (`title`, `body`) is data: the agent runtime must delimit it in prompts.
 * The candidate names exactly one of `workflowId` (the task runs one session of it) or `pipeline` (the task
 * starts one pipeline of that kind): what its trigger named when the event was admitted, so a hot reload
 * between enqueue and run cannot change what the task runs.
 */
export const TaskCandidateSchema = z
  .object({
    sourceId: z.string().min(1).max(512),
    title: z.string().max(1024),
    body: z.string().max(65_536),
    url: z.string().max(2048).nullable(),
    labels: z.array(z.string().max(256)).max(100),
    author: z.string().max(256).nullable(),
    goal: z.string().min(1).max(65_536),
    workspace: z.string().min(1),
    metadata: JsonObjectSchema,
    triggerId: z.string().min(1),
    workflowId: z.string().min(1).optional(),
    pipeline: z.string().min(1).max(64).optional(),
  })
  .refine((c) => (c.workflowId === undefined) !== (c.pipeline === undefined), {
    message: 'a candidate names exactly one of workflowId or pipeline',
  });
export type TaskCandidate = z.infer<typeof TaskCandidateSchema>;

/**
 * What a provider extracts from one item (webhook payload or polled record). The router adds `goal`,
 * `workspace`, `triggerId`, `workflowId` or `pipeline`, and merges `contextMapping` results into `metadata`.
 */
export interface CandidateDraft {
  readonly sourceId: string;
  readonly title: string;
  readonly body?: string;
  readonly url?: string | null;
  readonly labels?: readonly string[];
  readonly author?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
}
