/**
 * A Slack incoming-webhook double on loopback, faithful to what Slack documents for incoming webhooks
 * ("Sending messages using incoming webhooks", "Handling errors"): a POST of JSON `{text, blocks}` to the
 * secret path `/services/T…/B…/<token>` answers `200 ok` (text/plain); a malformed body `400
 * invalid_payload`; neither `text` nor `blocks` `400 no_text`; malformed Block Kit `400 invalid_blocks`;
 * an unknown path `404 no_service`; a rate limit `429 rate_limited` with `Retry-After`. Blocks are checked
 * against the Block Kit limits the notifier relies on: at most 50 blocks; `header` plain_text ≤150
 * characters; `section` text ≤3 000; `context` 1–10 elements.
 */
import { Hono } from 'hono';
import { listen, type NodeEnv } from '../http-server.js';

export interface SlackMessageRecord {
  readonly text: string | undefined;
  readonly blocks: unknown[] | undefined;
  readonly raw: string;
}

export interface FakeSlack {
  readonly url: string;
  /** The incoming-webhook URL to configure (contains the secret token). */
  readonly webhookUrl: string;
  /** Messages Slack accepted, in order. */
  readonly messages: SlackMessageRecord[];
  /** Every request, accepted or not, with the status answered. */
  readonly requests: Array<{ status: number; body: string }>;
  /** The next `count` requests answer `status` with `body` (and `Retry-After: 0` for 429). */
  failNext(count: number, status: number, body: string): void;
  close(): Promise<void>;
}

type Block = { type?: unknown; text?: { type?: unknown; text?: unknown }; elements?: unknown };

function blocksError(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > 50) return 'more than 50 blocks';
  for (const raw of blocks) {
    if (typeof raw !== 'object' || raw === null) return 'a block is not an object';
    const b = raw as Block;
    const text = typeof b.text?.text === 'string' ? b.text.text : null;
    switch (b.type) {
      case 'header':
        if (b.text?.type !== 'plain_text' || text === null || text.length === 0 || text.length > 150)
          return 'header needs plain_text of 1-150 characters';
        break;
      case 'section':
        if ((b.text?.type !== 'mrkdwn' && b.text?.type !== 'plain_text') || text === null)
          return 'section needs a text object';
        if (text.length === 0 || text.length > 3000) return 'section text must be 1-3000 characters';
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10)
          return 'context needs 1-10 elements';
        break;
      case 'divider':
        break;
      default:
        return `unsupported block type ${String(b.type)}`;
    }
  }
  return null;
}

/** Starts the double on 127.0.0.1 (free port). */
export async function startFakeSlack(): Promise<FakeSlack> {
  const token = `T0WORKTRAIN/B0TEST/${Math.random().toString(36).slice(2, 14)}`;
  const messages: SlackMessageRecord[] = [];
  const requests: Array<{ status: number; body: string }> = [];
  const faults: Array<{ status: number; body: string }> = [];
  const app = new Hono<NodeEnv>();
  app.post('/services/*', async (c) => {
    const raw = await c.req.text();
    const answer = (status: 200 | 400 | 404 | 410 | 429 | 500 | 503, body: string) => {
      requests.push({ status, body: raw });
      if (status === 429) c.header('retry-after', '0');
      return c.text(body, status);
    };
    const fault = faults.shift();
    if (fault !== undefined) return answer(fault.status as 500, fault.body);
    if (c.req.path !== `/services/${token}`) return answer(404, 'no_service');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return answer(400, 'invalid_payload');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return answer(400, 'invalid_payload');
    const body = parsed as { text?: unknown; blocks?: unknown };
    if (body.text !== undefined && typeof body.text !== 'string') return answer(400, 'invalid_payload');
    const hasText = typeof body.text === 'string' && body.text.trim() !== '';
    if (!hasText && body.blocks === undefined) return answer(400, 'no_text');
    if (body.blocks !== undefined && blocksError(body.blocks) !== null) return answer(400, 'invalid_blocks');
    messages.push({
      text: typeof body.text === 'string' ? body.text : undefined,
      blocks: Array.isArray(body.blocks) ? body.blocks : undefined,
      raw,
    });
    return answer(200, 'ok');
  });
  const server = await listen(app);
  return {
    url: server.url,
    webhookUrl: `${server.url}/services/${token}`,
    messages,
    requests,
    failNext(count, status, body) {
      for (let i = 0; i < count; i++) faults.push({ status, body });
    },
    close: () => server.close(),
  };
}
