import { TriggerSandboxSchema } from '@worktrain/contracts';
import * as z from 'zod';
import { type DispatchCondition, DispatchConditionSchema } from '../condition.js';
import { compilePath } from '../jsonpath.js';
import type { AnyTriggerProvider } from '../provider.js';
import { checkTemplate } from '../template.js';

/** Default queue the router enqueues on (the daemon's worker pool claims from it). */
export const DEFAULT_TASK_QUEUE = 'tasks';
/** Default dedupe window: an item that made a task is not re-dispatched for 7 days (seconds). */
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 7 * 24 * 3600;
/** Default webhook body limit, bytes (1 MiB); GitHub caps payloads at 25 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const JsonPathString = z.string().superRefine((value, ctx) => {
  const compiled = compilePath(value);
  if (compiled.isErr()) ctx.addIssue({ code: 'custom', message: compiled.error });
});

/** True when zod's payload is an object (the exclusive-keys checks below need one to look into). */
const isEntry = (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null;

/**
 * Keys every trigger entry has, whatever its provider. The provider's `configSchema` validates the rest
 * (so `repo`, `webhook`, `poll`, `cron`… belong to providers). A trigger names exactly one of `workflowId`
 * (each task runs one session of that workflow) or `pipeline` (each task starts one pipeline of that kind,
 * e.g. `feature`); both is an issue at `pipeline`, neither an issue at `workflowId`. These two checks run
 * even when other keys are invalid, so every issue of an entry is reported at once.
 */
export const CommonTriggerSchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
        'id: letters, digits, ".", "_", "-" (max 64), starting alphanumeric',
      ),
    provider: z.string().min(1),
    /** The workflow each task runs as one session (exclusive with `pipeline`). */
    workflowId: z.string().min(1).optional(),
    /** The pipeline kind each task starts (`feature`; exclusive with `workflowId`). */
    pipeline: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,63}$/,
        'pipeline: a pipeline kind such as "feature" (lowercase letters, digits, "-")',
      )
      .optional(),
    workspace: z.string().min(1),
    goalTemplate: z
      .string()
      .min(1)
      .superRefine((value, ctx) => {
        const checked = checkTemplate(value);
        if (checked.isErr()) ctx.addIssue({ code: 'custom', message: checked.error });
      })
      .optional(),
    dispatchCondition: DispatchConditionSchema.optional(),
    events: z.array(z.string().min(1)).min(1).optional(),
    contextMapping: z.record(z.string().min(1), JsonPathString).optional(),
    queue: z.string().min(1).max(200).default(DEFAULT_TASK_QUEUE),
    priority: z.number().int().default(0),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    dedupeWindowSeconds: z.number().int().min(0).default(DEFAULT_DEDUPE_WINDOW_SECONDS),
    maxBodyBytes: z
      .number()
      .int()
      .min(1)
      .max(25 * 1024 * 1024)
      .default(DEFAULT_MAX_BODY_BYTES),
    enabled: z.boolean().default(true),
    /**
     * Where the daemon also posts this trigger's session notifications (completed, failed, approval needed),
     * signed like `notifications.webhooks` with `notifications.callbackSecret`. Write `$NAME` when the URL
     * carries a token.
     */
    callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * The sandbox of this trigger's sessions: `network.allow` adds hosts to config.yaml's
     * `sandbox.network.allow` (e.g. `registry.npmjs.org` for a repository whose checks run `npm ci`).
     */
    sandbox: TriggerSandboxSchema.optional(),
  })
  .refine((t) => t.workflowId === undefined || t.pipeline === undefined, {
    path: ['pipeline'],
    message:
      'name either `workflowId` (the workflow a task runs) or `pipeline` (the pipeline it starts), not both',
    when: isEntry,
  })
  .refine((t) => t.workflowId !== undefined || t.pipeline !== undefined, {
    path: ['workflowId'],
    message:
      'required: `workflowId` (the workflow a task runs) or `pipeline` (the pipeline it starts, e.g. feature)',
    when: isEntry,
  });
export const COMMON_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(CommonTriggerSchema.shape),
  'extends',
]);

/** Top level of a triggers.yaml file. `defaults` are named partial entries that triggers `extends`. */
export const TriggersFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  defaults: z.record(z.string().min(1), z.record(z.string(), z.unknown())).optional(),
  triggers: z.array(z.record(z.string(), z.unknown())).default([]),
});

/** A validated trigger: the common keys, its provider, and the provider's parsed config. */
export interface TriggerDefinition {
  readonly id: string;
  readonly providerName: string;
  readonly provider: AnyTriggerProvider;
  /** The workflow each task runs as a session; null when the trigger names a {@link pipeline}. */
  readonly workflowId: string | null;
  /** The pipeline kind each task starts (`feature`); null when the trigger names a {@link workflowId}. */
  readonly pipeline: string | null;
  readonly workspace: string;
  readonly goalTemplate: string | null;
  readonly dispatchCondition: DispatchCondition | null;
  readonly events: readonly string[] | null;
  readonly contextMapping: Readonly<Record<string, string>>;
  readonly queue: string;
  readonly priority: number;
  readonly maxAttempts: number | null;
  readonly dedupeWindowMs: number;
  readonly maxBodyBytes: number;
  readonly enabled: boolean;
  /** Notification callback of this trigger's sessions (`callbackUrl`), secrets resolved; never print it. */
  readonly callbackUrl?: string | null;
  /** Hosts this trigger's sessions may reach through the sandbox's proxy, besides config.yaml's. */
  readonly sandboxNetworkAllow?: readonly string[];
  /** The provider's config, secrets resolved from the environment. Never print it. */
  readonly config: unknown;
  /** The entry as written (after `extends`, before `$ENV` substitution): safe to print. */
  readonly source: Readonly<Record<string, unknown>>;
  /** The file the entry came from and its index in that file's `triggers` list. */
  readonly file: string;
  readonly index: number;
}
