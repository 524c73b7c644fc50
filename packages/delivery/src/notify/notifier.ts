import { type Logger, silentLogger } from '@worktrain/contracts';
import { postWithRetries, type Transport } from './send.js';
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signNotification,
  TIMESTAMP_HEADER,
} from './sign.js';
import { renderSlackMessage } from './slack.js';
import {
  type NotificationEvent,
  type NotificationEventInput,
  NotificationEventSchema,
  type NotificationTarget,
  type SendReport,
  type WebhookTarget,
} from './types.js';

export interface NotifierOptions {
  readonly targets: readonly NotificationTarget[];
  readonly logger?: Logger;
  readonly transport?: Transport;
  /** Seconds since the epoch for signatures (default the system clock). */
  readonly nowSeconds?: () => number;
}

/** Sends notifications to the configured targets (and per-call extra ones, such as a trigger's callback). */
export interface Notifier {
  /**
   * Sends `event` to every target whose `events` include its type, plus `extra` targets, in parallel, each
   * with its own retries. Resolves when all are done; never rejects. Logs each failure with the target's
   * name and status only (never the URL, the secret or the body).
   */
  notify(event: NotificationEventInput, extra?: readonly NotificationTarget[]): Promise<SendReport[]>;
}

/** Creates a {@link Notifier}. With no targets, `notify` resolves to `[]` at once. */
export function createNotifier(options: NotifierOptions): Notifier {
  const log = (options.logger ?? silentLogger).child({ component: 'notify' });
  const now = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  return {
    async notify(input, extra = []) {
      const event = NotificationEventSchema.parse(input);
      const targets = [...options.targets, ...extra].filter(
        (t) => t.events === undefined || t.events.includes(event.type),
      );
      const reports = await Promise.all(targets.map((t) => send(t, event, now, options.transport)));
      for (const r of reports) {
        if (r.ok)
          log.debug({ target: r.target, type: event.type, attempts: r.attempts }, 'notification sent');
        else
          log.warn(
            {
              target: r.target,
              type: event.type,
              attempts: r.attempts,
              status: r.status,
              sessionId: event.sessionId,
            },
            `notification not delivered: ${r.error ?? 'failed'}`,
          );
      }
      return reports;
    },
  };
}

/** Sends one notification to one target with its retry schedule. */
export async function send(
  target: NotificationTarget,
  event: NotificationEvent,
  nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  transport: Transport = {},
): Promise<SendReport> {
  const body = target.kind === 'slack' ? JSON.stringify(renderSlackMessage(event)) : JSON.stringify(event);
  const build =
    target.kind === 'slack'
      ? () => ({ headers: {}, body })
      : () => ({ headers: webhookHeaders(target, event, body, nowSeconds()), body });
  const outcome = await postWithRetries(target.url, build, target, transport);
  return {
    target: target.name,
    kind: target.kind,
    ok: outcome.ok,
    attempts: outcome.attempts,
    status: outcome.status,
    ...(outcome.error === undefined ? {} : { error: scrub(outcome.error, target) }),
  };
}

function webhookHeaders(
  target: WebhookTarget,
  event: NotificationEvent,
  body: string,
  ts: number,
): Record<string, string> {
  return {
    'user-agent': 'WorkTrain-Notifications',
    [EVENT_HEADER]: event.type,
    [DELIVERY_HEADER]: event.id,
    [TIMESTAMP_HEADER]: String(ts),
    [SIGNATURE_HEADER]: signNotification(target.secret, ts, body),
  };
}

/** A receiver's error body may echo the URL or the secret: cut them out. */
function scrub(text: string, target: NotificationTarget): string {
  let out = text.split(target.url).join('<url>');
  if (target.kind === 'webhook' && target.secret.length >= 4) out = out.split(target.secret).join('***');
  return out;
}
