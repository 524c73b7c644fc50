import type { Result } from '@worktrain/contracts';
import type * as z from 'zod';
import type { CandidateDraft } from './candidate.js';
import type { TriggerError } from './errors.js';

/**
 * A received webhook request as the router sees it: header names lower-cased, the raw body bytes exactly
 * as received (signatures are computed over these), and the receive time (ms epoch).
 */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Uint8Array;
  readonly receivedAt: number;
}

/**
 * One event a provider recognised. `event` is `<type>.<action>` where the source has actions
 * (`issues.labeled`, `merge_request.open`, `jira:issue_updated`) else `<type>`; the trigger's `events:` list
 * filters on it (an entry without a dot matches every action of that type). `payload` is what
 * `dispatchCondition`, `goalTemplate` and `contextMapping` see. `draft` is null when the event carries no
 * item to work on; `reason` then says why.
 */
export interface ParsedEvent {
  readonly event: string;
  readonly payload: unknown;
  readonly draft: CandidateDraft | null;
  readonly reason?: string;
}

/** The webhook half of a provider. `verify` must compare secrets in constant time. */
export interface WebhookHandlerV1<C> {
  /** Checks the request's signature or token against the trigger's secret. */
  verify(request: WebhookRequest, config: C): Result<void, TriggerError>;
  /** The sender's delivery id (for replay detection), or null when the scheme has none. */
  deliveryId?(request: WebhookRequest, config: C): string | null;
  /**
   * Headers a real delivery of `event` carries (GitHub `X-GitHub-Event: issues` for `issues.labeled`), so
   * a dry run (`worktrain trigger test --event`) can build the request the sender would have sent.
   */
  eventHeaders?(event: string, config: C): Record<string, string>;
  /** Parses a verified request. PAYLOAD_INVALID for bodies that are not what the scheme promises. */
  parse(request: WebhookRequest, config: C): Result<ParsedEvent, TriggerError>;
}

/** Persisted state of one poller (opaque to the scheduler apart from the ETag). */
export interface PollCursor {
  /** Provider-defined JSON (e.g. `{ since: "2026-11-25T10:00:00Z" }`), null on the first run. */
  readonly cursor: unknown;
  /** ETags of the previous responses, keyed by request (sent back as `If-None-Match`). */
  readonly etags: Readonly<Record<string, string>>;
}

/** What one poll run may use: the parsed config, the previous cursor, an injected fetch and clock. */
export interface PollContext<C> {
  readonly triggerId: string;
  readonly config: C;
  readonly state: PollCursor;
  readonly fetch: typeof fetch;
  readonly now: number;
  readonly signal: AbortSignal;
}

/** Result of one poll run: the items found (possibly none) and the state to persist. */
export interface PollOutcome {
  readonly items: readonly ParsedEvent[];
  readonly state: PollCursor;
  /** When the source said how much budget is left (GitHub `x-ratelimit-*`): the next run waits for reset. */
  readonly rateLimit?: { readonly remaining: number; readonly resetAt: number };
}

/** The polling half of a provider. Errors: UPSTREAM_AUTH disables the trigger; UPSTREAM_UNAVAILABLE backs off. */
export interface PollerV1<C> {
  /** Interval between runs, ms. */
  intervalMs(config: C): number;
  /** False when this trigger's config asks for no polling (e.g. a webhook-only GitHub trigger). Default true. */
  enabled?(config: C): boolean;
  poll(context: PollContext<C>): Promise<Result<PollOutcome, TriggerError>>;
  /**
   * The event a poll would make of one item exactly as the source's API returns it (a GitHub issue, a
   * GitLab merge request, a Jira issue), for dry runs (`worktrain trigger test <id> --event issues.polled
   * --payload item.json`). `event` is the event name asked for. PAYLOAD_INVALID when it is not such an item.
   * Optional: without it, a poll-only trigger cannot be dry-run.
   */
  parseItem?(item: unknown, config: C, event: string): Result<ParsedEvent, TriggerError>;
}

/** A cron schedule: 5-field expression, IANA time zone, whether missed ticks are fired after downtime. */
export interface CronSpec {
  readonly cron: string;
  readonly timezone: string;
  readonly catchUp: boolean;
}

/** One tick of a schedule: `at` is the scheduled instant (ms epoch), or the fire time of a manual fire. */
export interface TickContext<C> {
  readonly triggerId: string;
  readonly config: C;
  readonly at: number;
  readonly manual: boolean;
}

/** The schedule half of a provider: its cron and the event of one tick. */
export interface ScheduleV1<C> {
  spec(config: C): CronSpec;
  tick(context: TickContext<C>): ParsedEvent;
}

/**
 * Version 1 of the trigger provider specification. Built-in providers and third-party packages implement
 * exactly this. `configSchema` validates the provider's own keys of a trigger entry in triggers.yaml (the
 * common keys — id, provider, workflowId or pipeline, workspace, events, dispatchCondition, goalTemplate… — are
 * removed first), so its issues are reported at their exact path.
 */
export interface TriggerProviderV1<C = unknown> {
  readonly specificationVersion: 'v1';
  /** Short name used in `provider:` for built-ins (`github`), or the package name for third-party ones. */
  readonly kind: string;
  readonly configSchema: z.ZodType<C>;
  readonly webhook?: WebhookHandlerV1<C>;
  readonly poll?: PollerV1<C>;
  readonly schedule?: ScheduleV1<C>;
}

/**
 * The provider value stored in a registry, whatever its config type (methods are declared with method
 * syntax, so a `TriggerProviderV1<GitHubConfig>` is assignable; each provider is only ever called with the
 * config its own schema produced).
 */
export type AnyTriggerProvider = TriggerProviderV1<unknown>;

/**
 * Declares a trigger provider (the Vercel-AI-style specification entry point). Returns the provider with
 * `specificationVersion: 'v1'` stamped, so a package's default export is recognisable when loaded by name.
 * Throws (a programmer error) when it has none of webhook, poll, schedule.
 */
export function defineTriggerProvider<C>(
  provider: Omit<TriggerProviderV1<C>, 'specificationVersion'>,
): TriggerProviderV1<C> {
  if (!provider.webhook && !provider.poll && !provider.schedule)
    throw new TypeError(`trigger provider ${provider.kind} needs at least one of webhook, poll, schedule`);
  return { ...provider, specificationVersion: 'v1' };
}
