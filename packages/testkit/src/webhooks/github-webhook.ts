import { createHmac, randomUUID } from 'node:crypto';

/**
 * The `X-Hub-Signature-256` value GitHub sends: `sha256=` + hex HMAC-SHA256 of the exact body bytes with the
 * webhook secret (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
 */
export function signGitHubWebhook(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface GitHubWebhookRequest {
  readonly method: 'POST';
  /** Header names as GitHub sends them (`X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256`, …). */
  readonly headers: Record<string, string>;
  /** The exact JSON text that was signed. */
  readonly body: string;
}

export interface GitHubWebhookRequestOptions {
  /** `X-GitHub-Delivery`; default a random UUID. */
  readonly deliveryId?: string;
  /** `X-GitHub-Hook-ID`; default `1`. */
  readonly hookId?: string;
  /** Leave the signature out (to test the 401 path). */
  readonly unsigned?: boolean;
}

/**
 * Builds a webhook delivery as GitHub sends it: JSON body, `Content-Type: application/json`, `X-GitHub-Event`,
 * `X-GitHub-Delivery`, `X-GitHub-Hook-ID`, `User-Agent: GitHub-Hookshot/…` and the `X-Hub-Signature-256`
 * over the body. Use as `fetch(url, githubWebhookRequest('issues', payload, secret))`.
 */
export function githubWebhookRequest(
  event: string,
  payload: unknown,
  secret: string,
  options: GitHubWebhookRequestOptions = {},
): GitHubWebhookRequest {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitHub-Hookshot/testkit',
    'X-GitHub-Event': event,
    'X-GitHub-Delivery': options.deliveryId ?? randomUUID(),
    'X-GitHub-Hook-ID': options.hookId ?? '1',
  };
  if (options.unsigned !== true) headers['X-Hub-Signature-256'] = signGitHubWebhook(body, secret);
  return { method: 'POST', headers, body };
}
