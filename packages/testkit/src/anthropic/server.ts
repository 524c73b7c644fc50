import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { listen, type NodeEnv } from '../http-server.js';
import { type MessageCreateParams, validateMessageCreateParams } from './request-schema.js';
import { messageFrames, sseFrame } from './sse.js';
import {
  buildMessage,
  errorBody,
  type FakeErrorStatus,
  type FakeMessageTurn,
  type FakeTurn,
} from './turns.js';

/** A request the fake received, recorded before it is answered. */
export interface RecordedAnthropicRequest {
  /** 0-based position among all requests this server received. */
  readonly index: number;
  /** When the request arrived (epoch ms, `Date.now()`), e.g. for "webhook → first model request" latency. */
  readonly receivedAt: number;
  readonly method: string;
  readonly path: string;
  /** Lower-cased header names. `x-api-key` and `authorization` are kept so tests can assert auth. */
  readonly headers: Readonly<Record<string, string>>;
  /** The key sent as `x-api-key` or `Authorization: Bearer …` (SDK 1.14 uses the latter), if any. */
  readonly apiKey: string | undefined;
  readonly rawBody: string;
  /** The JSON body, or undefined when it was not JSON. */
  readonly body: unknown;
  /** The validated body; undefined when validation failed (see `issues`). */
  readonly params: MessageCreateParams | undefined;
  /** Validation problems; a request with issues was answered 400 invalid_request_error. */
  readonly issues: readonly string[];
  readonly stream: boolean;
  /** What the fake answered: HTTP status, and whether a scripted turn was consumed. */
  response?: { status: number; scripted: boolean };
}

/** A queue of turns consumed in order, or a function choosing the turn for each valid request. */
export type FakeScript =
  | readonly FakeTurn[]
  | ((request: RecordedAnthropicRequest & { params: MessageCreateParams }) => FakeTurn | Promise<FakeTurn>);

export interface FakeAnthropicOptions {
  /** Initial script. Default: empty queue (every request is answered 500 "script exhausted"). */
  readonly script?: FakeScript;
  /** When set, any other key gets 401 authentication_error. Default: any non-empty key is accepted. */
  readonly apiKey?: string;
  /** Bind address. Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Values of the `anthropic-ratelimit-requests-limit` / `-tokens-limit` headers. Default 4000 / 400000. */
  readonly rateLimit?: { readonly requests?: number; readonly tokens?: number };
}

export interface FakeAnthropic {
  /** Base URL to pass as `baseURL` to the SDK, e.g. `http://127.0.0.1:39123`. */
  readonly url: string;
  /** Every request received, in order (also invalid ones). */
  readonly requests: RecordedAnthropicRequest[];
  /** Replaces the script (queue of turns or responder function); a queue is copied. */
  script(script: FakeScript): void;
  /** Appends turns to the queue (turning a function script into a queue). */
  push(...turns: FakeTurn[]): void;
  /** Turns left in the queue (0 with a function script). */
  remaining(): number;
  close(): Promise<void>;
}

/**
 * Starts a fake of the Anthropic Messages API (`POST /v1/messages`) on loopback. Answers follow the
 * documented wire format: SSE with `event:` lines for `stream: true`, a `Message` JSON otherwise, and
 * errors as `{type:"error", error:{type, message}, request_id}` with the real status codes. Checks auth
 * (`x-api-key` or `Authorization: Bearer`), the `anthropic-version` header and the body (see
 * `validateMessageCreateParams`) the way the API does, answering 401/400 before consuming the script.
 */
export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  let queue: FakeTurn[] = [];
  let responder: Exclude<FakeScript, readonly FakeTurn[]> | undefined;
  const setScript = (script: FakeScript): void => {
    if (typeof script === 'function') {
      responder = script;
      queue = [];
    } else {
      responder = undefined;
      queue = [...script];
    }
  };
  setScript(options.script ?? []);
  const requests: RecordedAnthropicRequest[] = [];
  const requestsLimit = options.rateLimit?.requests ?? 4000;
  const tokensLimit = options.rateLimit?.tokens ?? 400_000;
  let messageCount = 0;

  const app = new Hono<NodeEnv>();
  app.post('/v1/messages', async (c) => {
    const receivedAt = Date.now();
    const index = requests.length;
    const requestId = `req_fake_${String(index + 1).padStart(6, '0')}`;
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const rawBody = await c.req.text();
    let body: unknown;
    let issues: string[] = [];
    try {
      body = JSON.parse(rawBody);
    } catch {
      issues = ['There was an error parsing the body of your request: it is not valid JSON.'];
    }
    let params: MessageCreateParams | undefined;
    if (issues.length === 0) {
      const validated = validateMessageCreateParams(body);
      if (validated.ok) params = validated.value;
      else issues = validated.issues;
    }
    const stream = params?.stream === true;
    const apiKey = headers['x-api-key'] ?? /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    const recorded: RecordedAnthropicRequest = {
      index,
      receivedAt,
      method: 'POST',
      path: '/v1/messages',
      headers,
      apiKey,
      rawBody,
      body,
      params,
      issues,
      stream,
    };
    requests.push(recorded);

    const resetAt = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const common: Record<string, string> = {
      'request-id': requestId,
      'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
      'anthropic-ratelimit-requests-limit': String(requestsLimit),
      'anthropic-ratelimit-requests-remaining': String(Math.max(0, requestsLimit - index - 1)),
      'anthropic-ratelimit-requests-reset': resetAt,
      'anthropic-ratelimit-tokens-limit': String(tokensLimit),
      'anthropic-ratelimit-tokens-remaining': String(tokensLimit),
      'anthropic-ratelimit-tokens-reset': resetAt,
    };
    const fail = (
      status: FakeErrorStatus,
      message: string | undefined,
      extra: Record<string, string> = {},
      scripted = false,
    ) => {
      recorded.response = { status, scripted };
      // Built by hand: hono's typed status codes do not include Anthropic's non-standard 529.
      return new Response(JSON.stringify(errorBody(status, message, requestId)), {
        status,
        headers: { ...common, ...extra, 'content-type': 'application/json' },
      });
    };

    if (apiKey === undefined || apiKey === '') return fail(401, 'x-api-key header is required');
    if (options.apiKey !== undefined && apiKey !== options.apiKey) return fail(401, 'invalid x-api-key');
    if (headers['anthropic-version'] === undefined) return fail(400, 'anthropic-version: header is required');
    if (params === undefined) return fail(400, issues.join('\n'));

    let turn: FakeTurn | undefined;
    if (responder !== undefined) turn = await responder({ ...recorded, params });
    else turn = queue.shift();
    if (turn === undefined) {
      return fail(500, `fake-anthropic: the script has no turn left for request #${index} (${requestId})`);
    }
    if (turn.kind === 'error') {
      const extra: Record<string, string> = {};
      if (turn.status === 429 || turn.status === 529 || turn.retryAfterSeconds !== undefined) {
        extra['retry-after'] = String(turn.retryAfterSeconds ?? 0);
      }
      return fail(turn.status, turn.message, extra, true);
    }
    const outgoing = c.env.outgoing;
    if (turn.kind === 'raw_sse') {
      if (!stream)
        return fail(500, 'fake-anthropic: a raw_sse turn was scripted for a non-streaming request', {}, true);
      recorded.response = { status: 200, scripted: true };
      await writeStream(outgoing, common, [turn.body], undefined, false);
      return RESPONSE_ALREADY_SENT;
    }
    messageCount += 1;
    if (turn.delayMs !== undefined && turn.delayMs > 0) await delay(turn.delayMs);
    recorded.response = { status: 200, scripted: true };
    await answerMessage(outgoing, common, turn, params, messageCount, stream);
    return RESPONSE_ALREADY_SENT;
  });
  app.all('*', (c) =>
    c.json(
      errorBody(
        404,
        `fake-anthropic: no route for ${c.req.method} ${new URL(c.req.url).pathname}`,
        'req_fake_404',
      ),
      404,
    ),
  );

  const server = await listen(app, { host: options.host, port: options.port });
  return {
    url: server.url,
    requests,
    script: setScript,
    push: (...turns) => {
      responder = undefined;
      queue.push(...turns);
    },
    remaining: () => queue.length,
    close: () => server.close(),
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function answerMessage(
  outgoing: ServerResponse,
  common: Record<string, string>,
  turn: FakeMessageTurn,
  params: MessageCreateParams,
  sequence: number,
  stream: boolean,
): Promise<void> {
  const { message, rawInputs } = buildMessage(turn, params, sequence);
  const usageHeaders = {
    ...common,
    'anthropic-ratelimit-input-tokens-limit': common['anthropic-ratelimit-tokens-limit'] ?? '0',
    'anthropic-ratelimit-output-tokens-limit': common['anthropic-ratelimit-tokens-limit'] ?? '0',
  };
  if (stream) {
    const { frames, stopAt } = messageFrames(message, rawInputs, turn.fault);
    const sent = stopAt === undefined ? frames : frames.slice(0, stopAt);
    await writeStream(outgoing, usageHeaders, sent, turn.fault, stopAt !== undefined);
    return;
  }
  if (turn.fault === 'stall_after_start') {
    outgoing.writeHead(200, { ...usageHeaders, 'content-type': 'application/json' });
    outgoing.flushHeaders();
    return;
  }
  if (turn.fault === 'overloaded_mid_stream') {
    const body = JSON.stringify(errorBody(529, undefined, common['request-id'] ?? ''));
    outgoing.writeHead(529, { ...common, 'content-type': 'application/json', 'retry-after': '0' });
    outgoing.end(body);
    return;
  }
  const json = JSON.stringify(message);
  if (turn.fault === 'cut_mid_tool_input' || turn.fault === 'end_mid_tool_input') {
    outgoing.writeHead(200, { ...usageHeaders, 'content-type': 'application/json' });
    outgoing.write(json.slice(0, Math.floor(json.length / 2)));
    if (turn.fault === 'cut_mid_tool_input') outgoing.destroy();
    else outgoing.end();
    return;
  }
  outgoing.writeHead(200, {
    ...usageHeaders,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(json)),
  });
  outgoing.end(json);
}

/** Writes SSE frames one by one, yielding to the event loop between them so clients see real chunking. */
async function writeStream(
  outgoing: ServerResponse,
  headers: Record<string, string>,
  frames: readonly string[],
  fault: string | undefined,
  faulted: boolean,
): Promise<void> {
  outgoing.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  for (const frame of frames) {
    if (outgoing.destroyed) return;
    outgoing.write(frame);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (faulted && fault === 'cut_mid_tool_input') {
    // Destroying the socket mid-body leaves the chunked encoding unterminated, like a dropped connection.
    outgoing.socket?.destroy();
    return;
  }
  if (faulted && fault === 'stall_after_start') return;
  if (faulted && fault === 'overloaded_mid_stream') {
    outgoing.write(sseFrame({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
  }
  outgoing.end();
}
