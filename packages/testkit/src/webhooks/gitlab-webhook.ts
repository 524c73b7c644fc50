import { randomUUID } from 'node:crypto';

/** A GitLab webhook delivery, ready for `fetch(url, request)`. */
export interface GitLabWebhookRequest {
  readonly method: 'POST';
  /** `Content-Type`, `User-Agent`, `X-Gitlab-Event`, `X-Gitlab-Token`, `X-Gitlab-Event-UUID`, … */
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface GitLabWebhookRequestOptions {
  /** `X-Gitlab-Event-UUID`; default a random UUID. */
  readonly eventUuid?: string;
  /** `X-Gitlab-Instance`; default `https://gitlab.example`. */
  readonly instance?: string;
}

/**
 * Builds a webhook delivery as GitLab sends it (docs.gitlab.com/user/project/integrations/webhooks): JSON
 * body, `X-Gitlab-Event` (e.g. `Note Hook`, `Merge Request Hook`), the secret token verbatim in
 * `X-Gitlab-Token` (GitLab does not sign the body), `X-Gitlab-Event-UUID`, `X-Gitlab-Webhook-UUID`,
 * `X-Gitlab-Instance` and `User-Agent: GitLab/…`. `token` undefined leaves `X-Gitlab-Token` out.
 */
export function gitlabWebhookRequest(
  event: string,
  payload: unknown,
  token: string | undefined,
  options: GitLabWebhookRequestOptions = {},
): GitLabWebhookRequest {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'User-Agent': 'GitLab/17.0.0',
    'X-Gitlab-Event': event,
    'X-Gitlab-Event-UUID': options.eventUuid ?? randomUUID(),
    'X-Gitlab-Webhook-UUID': randomUUID(),
    'X-Gitlab-Instance': options.instance ?? 'https://gitlab.example',
  };
  if (token !== undefined) headers['X-Gitlab-Token'] = token;
  return { method: 'POST', headers, body: JSON.stringify(payload) };
}

/** POSTs `gitlabWebhookRequest(event, payload, token, options)` to `url`; resolves with the response. */
export function sendGitLabWebhook(
  url: string,
  event: 'Note Hook' | 'Merge Request Hook' | 'Pipeline Hook' | (string & {}),
  payload: unknown,
  token: string | undefined,
  options: GitLabWebhookRequestOptions = {},
): Promise<Response> {
  return fetch(url, gitlabWebhookRequest(event, payload, token, options));
}
