import * as z from 'zod';

/** What a notification is about (DESIGN §8 "notify"). */
export const NOTIFICATION_TYPES = ['session.completed', 'session.failed', 'approval.needed'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * The JSON body of a webhook notification (and the data a Slack message is rendered from). `id` is stable
 * for one occurrence (the same event re-sent after a crash keeps its id), so receivers can dedupe on it;
 * it is also sent as `X-WorkTrain-Delivery`. Times are ISO 8601 strings.
 */
export const NotificationEventSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(NOTIFICATION_TYPES),
  at: z.string(),
  sessionId: z.string().min(1),
  workflowId: z.string().nullable().default(null),
  title: z.string().nullable().default(null),
  /** One line for humans: "Delivered https://…/pull/3", "delivery rejected by cli:alice: …". */
  summary: z.string(),
  /** The pull/merge request, when there is one. */
  url: z.string().nullable().default(null),
  /** Link to the session (console or API), when the daemon knows one. */
  sessionUrl: z.string().nullable().default(null),
  triggerId: z.string().nullable().default(null),
  /** `approval.needed`: the request to decide (`worktrain approvals approve <id>`). */
  approval: z
    .object({
      id: z.string(),
      tier: z.enum(['low', 'medium', 'high']),
      action: z.string(),
      summary: z.string(),
      /** ms since the epoch when a medium-tier request approves itself; null = never. */
      autoApproveAt: z.number().nullable(),
    })
    .nullable()
    .default(null),
});
export type NotificationEvent = z.infer<typeof NotificationEventSchema>;
export type NotificationEventInput = z.input<typeof NotificationEventSchema>;

/** Retry schedule of one delivery of a notification. */
export interface RetryOptions {
  /** Attempts in all, including the first (default 5). */
  readonly maxAttempts?: number;
  /** First backoff, ms (default 1 000); doubles per attempt, with equal jitter (uniform in [d/2, d]). */
  readonly baseDelayMs?: number;
  /** Longest backoff, ms (default 30 000); also caps a server's `Retry-After`. */
  readonly maxDelayMs?: number;
  /** Per-attempt timeout, ms (default 10 000). */
  readonly timeoutMs?: number;
}

/** A generic webhook: JSON POST signed with HMAC-SHA256 (see `signNotification`). */
export interface WebhookTarget extends RetryOptions {
  readonly kind: 'webhook';
  /** Shown in logs and reports instead of the URL (which may carry a token). */
  readonly name: string;
  readonly url: string;
  /** Signing secret; never logged. */
  readonly secret: string;
  /** Which notifications go here (default all). */
  readonly events?: readonly NotificationType[];
}

/** A Slack incoming webhook (`https://hooks.slack.com/services/…`; the URL is the secret). */
export interface SlackTarget extends RetryOptions {
  readonly kind: 'slack';
  readonly name: string;
  readonly url: string;
  readonly events?: readonly NotificationType[];
}

export type NotificationTarget = WebhookTarget | SlackTarget;

/** The outcome of sending one notification to one target. */
export interface SendReport {
  readonly target: string;
  readonly kind: NotificationTarget['kind'];
  readonly ok: boolean;
  readonly attempts: number;
  /** Last HTTP status (null: no response — network error or timeout). */
  readonly status: number | null;
  /** Why it failed, without the URL or the secret. */
  readonly error?: string;
}
