/**
 * The Anthropic provider: `@anthropic-ai/sdk` `messages.stream` with prompt caching, our own retry loop
 * (429 / 529 / 5xx / connection errors, jittered exponential backoff honouring `retry-after`) and
 * truncation detection (a stream that ends without `message_stop`, an unclosed block, or incomplete tool
 * input JSON is retried rather than silently turned into `{}`). Works against any Messages-compatible
 * `baseURL`.
 */
import Anthropic from '@anthropic-ai/sdk';
import { describeThrown, makeError, ResultAsync, sleep } from '@worktrain/contracts';
import { buildMessagesParams } from './anthropic-request.js';
import { costOf, priceOf } from './pricing.js';
import type {
  ModelError,
  ModelPrice,
  ModelProvider,
  TurnRequest,
  TurnResponse,
  TurnUsage,
} from './provider.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { StreamAccumulator } from './stream-accumulator.js';

export interface AnthropicProviderOptions {
  /** API key, sent as the SDK sends it. Never logged. */
  readonly apiKey: string;
  /** A Messages-compatible endpoint; default the SDK's (https://api.anthropic.com). */
  readonly baseURL?: string;
  /** Model id, e.g. `claude-sonnet-4-5`. */
  readonly model: string;
  /** `max_tokens` of every turn. */
  readonly maxTokens: number;
  /** Transport override (tests, proxies). */
  readonly fetch?: typeof globalThis.fetch;
  readonly retry?: Partial<RetryPolicy>;
  /** Price override (USD/MTok); default from the built-in table by model id. */
  readonly price?: ModelPrice;
  /** Per-request timeout in ms (default 600 000, the SDK's). */
  readonly timeoutMs?: number;
  /** Source of jitter (tests). */
  readonly random?: () => number;
}

/** A failure of one attempt: retryable or not, with the server's retry-after if any. */
interface AttemptFailure {
  readonly error: ModelError;
  readonly retryable: boolean;
  readonly retryAfter?: string | null;
}

function classify(thrown: unknown, signal: AbortSignal | undefined): AttemptFailure {
  if (signal?.aborted === true || thrown instanceof Anthropic.APIUserAbortError)
    return { error: makeError('ABORTED', 'The model request was aborted.'), retryable: false };
  if (thrown instanceof Anthropic.APIError && typeof thrown.status === 'number') {
    const status = thrown.status;
    const retryAfter = thrown.headers?.get('retry-after') ?? null;
    const details = { status, requestId: thrown.requestID ?? null, type: thrown.type ?? null };
    const msg = thrown.apiMessage ?? thrown.message;
    if (status === 429)
      return {
        error: makeError('RATE_LIMITED', `Rate limited: ${msg}`, details),
        retryable: true,
        retryAfter,
      };
    if (status === 529)
      return { error: makeError('OVERLOADED', `Overloaded: ${msg}`, details), retryable: true, retryAfter };
    if (status >= 500)
      return {
        error: makeError('SERVER_ERROR', `Server error ${status}: ${msg}`, details),
        retryable: true,
        retryAfter,
      };
    if (status === 401 || status === 403)
      return {
        error: makeError('AUTHENTICATION', `Authentication failed (${status}): ${msg}`, details),
        retryable: false,
      };
    if (status === 413)
      return {
        error: makeError('REQUEST_TOO_LARGE', `Request too large: ${msg}`, details),
        retryable: false,
      };
    if (status === 408 || status === 409)
      return {
        error: makeError('SERVER_ERROR', `HTTP ${status}: ${msg}`, details),
        retryable: true,
        retryAfter,
      };
    return {
      error: makeError('INVALID_REQUEST', `Request rejected (${status}): ${msg}`, details),
      retryable: false,
    };
  }
  // Connection resets, sockets destroyed mid-stream, SDK "stream ended" errors: transient.
  return {
    error: makeError('CONNECTION', `Model connection failed: ${describeThrown(thrown)}`),
    retryable: true,
  };
}

/** Creates the Anthropic {@link ModelProvider}. Construction does no network I/O. */
export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    maxRetries: 0, // we retry ourselves, so truncated streams and errors share one budget
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
  return createMessagesProvider({
    name: 'anthropic',
    model: options.model,
    maxTokens: options.maxTokens,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    price: options.price ?? priceOf(options.model),
    random: options.random ?? Math.random,
    stream: (params, signal) => client.messages.stream(params, signal === undefined ? {} : { signal }),
  });
}

/** What a Messages-API client must offer: a stream of raw events for a request. */
export type MessagesStreamer = (
  params: Anthropic.MessageCreateParamsNonStreaming,
  signal: AbortSignal | undefined,
) => AsyncIterable<Anthropic.RawMessageStreamEvent> & {
  on?(event: 'error', fn: (e: unknown) => void): unknown;
};

/** Shared turn loop of the Messages-API providers (Anthropic direct, Bedrock). */
export function createMessagesProvider(config: {
  readonly name: string;
  readonly model: string;
  readonly maxTokens: number;
  readonly retry: RetryPolicy;
  readonly price: ModelPrice | undefined;
  readonly random: () => number;
  readonly stream: MessagesStreamer;
}): ModelProvider {
  async function attempt(request: TurnRequest): Promise<{ ok: TurnResponse } | { fail: AttemptFailure }> {
    const params = buildMessagesParams(request, { model: config.model, maxTokens: config.maxTokens });
    const acc = new StreamAccumulator(request.onTextDelta);
    try {
      const stream = config.stream(params, request.signal);
      stream.on?.('error', () => {}); // errors surface through the iterator; avoid unhandled emits
      for await (const event of stream) {
        request.onProgress?.();
        acc.push(event);
      }
    } catch (thrown) {
      return { fail: classify(thrown, request.signal) };
    }
    if (request.signal?.aborted === true)
      return { fail: { error: makeError('ABORTED', 'The model request was aborted.'), retryable: false } };
    const done = acc.finish();
    if (!done.complete)
      return {
        fail: {
          error: makeError('TRUNCATED_RESPONSE', `Truncated model response: ${done.reason}.`),
          retryable: true,
        },
      };
    return {
      ok: {
        message: { role: 'assistant', content: done.content },
        stopReason: done.stopReason,
        usage: done.usage,
        model: done.model === '' ? config.model : done.model,
        attempts: 1,
      },
    };
  }

  async function turn(request: TurnRequest): Promise<TurnResponse> {
    for (let retry = 0; ; retry++) {
      const result = await attempt(request);
      if ('ok' in result) return { ...result.ok, attempts: retry + 1 };
      const { fail } = result;
      if (!fail.retryable || retry >= config.retry.maxRetries) {
        throw new ModelFailure({ ...fail.error, details: { ...fail.error.details, attempts: retry + 1 } });
      }
      const delay = backoffDelayMs(retry, config.retry, fail.retryAfter, config.random);
      if (!(await sleep(delay, request.signal)))
        throw new ModelFailure(makeError('ABORTED', 'The model request was aborted while waiting to retry.'));
    }
  }

  return {
    name: config.name,
    model: config.model,
    scripted: false,
    turn: (request) =>
      ResultAsync.fromPromise(turn(request), (thrown) =>
        thrown instanceof ModelFailure ? thrown.error : makeError('CONNECTION', describeThrown(thrown)),
      ),
    cost: (usage: TurnUsage) => (config.price === undefined ? undefined : costOf(usage, config.price)),
  };
}

/** Internal carrier of a ModelError through the async retry loop (never escapes `turn`). */
class ModelFailure extends Error {
  constructor(readonly error: ModelError) {
    super(error.message);
  }
}
