import type { Logger } from '@worktrain/contracts';
import {
  type ApprovalRequest,
  createNotifier,
  type NotificationEventInput,
  type NotificationTarget,
  type Transport,
} from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';
import type { NotificationsConfig } from './config.js';

/**
 * Session notifications of the daemon (DESIGN §8 "notify"): session completed, session failed, approval
 * needed, to the webhooks and Slack hooks of `config.yaml` and to the session's trigger `callbackUrl`.
 * Fire and forget: each call returns at once; sends run in the background with their retries. Best effort:
 * a notification still retrying when the daemon stops is lost (sessions and approvals are the durable
 * record). Nothing here logs a URL, a secret or a body.
 */
export interface SessionNotifications {
  completed(sessionId: string, summary: string, url: string | null): void;
  failed(sessionId: string, summary: string): void;
  approvalNeeded(sessionId: string, request: ApprovalRequest): void;
  /** Resolves when every notification started so far is done (sent or given up). */
  flush(): Promise<void>;
}

/** Facts of a session: its summary, and the trigger kept in its `session_created` context (`daemon` key). */
interface SessionFacts {
  readonly title: string | null;
  readonly workflowId: string | null;
  readonly callbackUrl: string | null;
  readonly triggerId: string | null;
}

export function createSessionNotifications(options: {
  readonly config: NotificationsConfig;
  readonly store: SessionStore;
  readonly logger: Logger;
  readonly transport?: Transport;
  readonly now?: () => number;
  /** The current `callbackUrl` of a trigger (triggers.yaml, hot-reloaded), or null. */
  readonly callbackUrlOf?: (triggerId: string) => string | null;
}): SessionNotifications {
  const { config } = options;
  const now = options.now ?? Date.now;
  const targets: NotificationTarget[] = [
    ...config.webhooks.map(
      (w): NotificationTarget => ({
        kind: 'webhook',
        name: w.name,
        url: w.url,
        secret: w.secret,
        maxAttempts: w.maxAttempts,
        timeoutMs: w.timeoutMs,
        ...(w.events === undefined ? {} : { events: w.events }),
      }),
    ),
    ...config.slack.map(
      (s): NotificationTarget => ({
        kind: 'slack',
        name: s.name,
        url: s.url,
        maxAttempts: s.maxAttempts,
        timeoutMs: s.timeoutMs,
        ...(s.events === undefined ? {} : { events: s.events }),
      }),
    ),
  ];
  const notifier = createNotifier({
    targets,
    logger: options.logger,
    ...(options.transport === undefined ? {} : { transport: options.transport }),
  });
  const inFlight = new Set<Promise<unknown>>();

  const facts = async (sessionId: string): Promise<SessionFacts> => {
    const summary = await options.store.getSummary(sessionId);
    const first = await options.store.readEvents(sessionId, { limit: 1 });
    const created = first.isOk() ? first.value[0] : undefined;
    let callbackUrl: string | null = null;
    let triggerId: string | null = null;
    if (created?.kind === 'session_created') {
      const daemon = created.data.context.daemon;
      if (typeof daemon === 'object' && daemon !== null && !Array.isArray(daemon)) {
        if (typeof daemon.triggerId === 'string') {
          triggerId = daemon.triggerId;
          callbackUrl = options.callbackUrlOf?.(triggerId) ?? null;
        }
      }
    }
    return {
      title: summary.isOk() ? (summary.value.title ?? summary.value.goal?.split('\n')[0] ?? null) : null,
      workflowId: summary.isOk() ? summary.value.workflowId : null,
      callbackUrl,
      triggerId,
    };
  };

  const send = (sessionId: string, build: (f: SessionFacts) => NotificationEventInput): void => {
    if (targets.length === 0 && config.callbackSecret === undefined) return;
    const p = (async () => {
      const f = await facts(sessionId);
      const extra: NotificationTarget[] =
        f.callbackUrl !== null && config.callbackSecret !== undefined
          ? [{ kind: 'webhook', name: 'trigger callback', url: f.callbackUrl, secret: config.callbackSecret }]
          : [];
      if (targets.length === 0 && extra.length === 0) return;
      await notifier.notify(build(f), extra);
    })().catch((thrown: unknown) =>
      options.logger.warn({ sessionId, error: String(thrown) }, 'notification failed'),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const base = (type: NotificationEventInput['type'], id: string, sessionId: string, f: SessionFacts) => ({
    id,
    type,
    at: new Date(now()).toISOString(),
    sessionId,
    workflowId: f.workflowId,
    title: f.title,
    triggerId: f.triggerId,
  });

  return {
    completed(sessionId, summary, url) {
      send(sessionId, (f) => ({
        ...base('session.completed', `session.completed:${sessionId}`, sessionId, f),
        summary,
        url,
      }));
    },
    failed(sessionId, summary) {
      send(sessionId, (f) => ({
        ...base('session.failed', `session.failed:${sessionId}`, sessionId, f),
        summary,
      }));
    },
    approvalNeeded(sessionId, request) {
      send(sessionId, (f) => ({
        ...base('approval.needed', `approval.needed:${request.id}`, sessionId, f),
        summary: `${request.tier} tier: ${request.summary}`,
        approval: {
          id: request.id,
          tier: request.tier,
          action: request.action.kind,
          summary: request.summary,
          autoApproveAt: request.autoApproveAt,
        },
      }));
    },
    async flush() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
