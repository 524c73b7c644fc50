import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { githubWebhookRequest, signGitHubWebhook } from '../src/index.js';

describe('GitHub webhook signing', () => {
  it('matches the example in GitHub docs "Validating webhook deliveries"', () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(signGitHubWebhook('Hello, World!', "It's a Secret to Everybody")).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('signs bytes and strings identically', () => {
    const body = '{"action":"labeled","é":1}';
    expect(signGitHubWebhook(new TextEncoder().encode(body), 's')).toBe(signGitHubWebhook(body, 's'));
  });

  it('builds a delivery whose signature verifies over the exact body', () => {
    const request = githubWebhookRequest('issues', { action: 'labeled', issue: { number: 7 } }, 'topsecret', {
      deliveryId: 'd-1',
    });
    expect(request.headers['X-GitHub-Event']).toBe('issues');
    expect(request.headers['X-GitHub-Delivery']).toBe('d-1');
    expect(JSON.parse(request.body)).toEqual({ action: 'labeled', issue: { number: 7 } });
    const expected = Buffer.from(
      `sha256=${createHmac('sha256', 'topsecret').update(request.body).digest('hex')}`,
    );
    const actual = Buffer.from(request.headers['X-Hub-Signature-256'] ?? '');
    expect(actual.length === expected.length && timingSafeEqual(actual, expected)).toBe(true);
  });

  it('leaves the signature out when asked, and differs for another secret', () => {
    expect(
      githubWebhookRequest('ping', {}, 's', { unsigned: true }).headers['X-Hub-Signature-256'],
    ).toBeUndefined();
    expect(signGitHubWebhook('{}', 'a')).not.toBe(signGitHubWebhook('{}', 'b'));
  });
});
