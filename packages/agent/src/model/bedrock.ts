/**
 * The Bedrock provider: Claude on Amazon Bedrock through `@anthropic-ai/bedrock-sdk` (same Messages API
 * shapes, AWS SigV4 auth, `/model/{id}/invoke-with-response-stream`). Shares the turn loop, retries and
 * truncation detection with the Anthropic provider.
 */
import type { AnthropicBedrock } from '@anthropic-ai/bedrock-sdk';
import type Anthropic from '@anthropic-ai/sdk';
import { createMessagesProvider } from './anthropic.js';

type RawEvent = Anthropic.RawMessageStreamEvent;

import { priceOf } from './pricing.js';
import type { ModelPrice, ModelProvider } from './provider.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

export interface BedrockProviderOptions {
  /** Bedrock model id or inference profile, e.g. `us.anthropic.claude-sonnet-4-5-20250929-v1:0`. */
  readonly model: string;
  readonly maxTokens: number;
  /** AWS region, e.g. `us-east-1`. Required: never read from the environment deep inside the provider. */
  readonly region: string;
  /**
   * Static credentials; when omitted the AWS default credential provider chain is used at request time.
   * Never logged.
   */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** Skips request signing (a local Bedrock-compatible endpoint, tests). */
  readonly skipAuth?: boolean;
  /** Endpoint override, default `https://bedrock-runtime.{region}.amazonaws.com`. */
  readonly baseURL?: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly retry?: Partial<RetryPolicy>;
  readonly price?: ModelPrice;
  readonly random?: () => number;
}

/**
 * Creates the Bedrock {@link ModelProvider}. Construction does no network I/O and reads no credentials;
 * the Bedrock SDK is imported on the first turn.
 */
export function createBedrockProvider(options: BedrockProviderOptions): ModelProvider {
  const common = {
    awsRegion: options.region,
    apiKey: null, // do not pick up AWS_BEARER_TOKEN_BEDROCK from the environment implicitly
    ...(options.skipAuth === true ? { skipAuth: true } : {}),
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    maxRetries: 0,
  };
  const creds = options.credentials;
  // Loaded on first use: the AWS SDK is heavy, and importing it eagerly would burden every user of this
  // package (and it does not load under bundler-style "module" export conditions).
  let client: Promise<AnthropicBedrock> | undefined;
  const getClient = (): Promise<AnthropicBedrock> => {
    client ??= import('@anthropic-ai/bedrock-sdk').then(({ AnthropicBedrock: Bedrock }) =>
      creds === undefined
        ? new Bedrock(common)
        : new Bedrock({
            ...common,
            awsAccessKey: creds.accessKeyId,
            awsSecretKey: creds.secretAccessKey,
            awsSessionToken: creds.sessionToken ?? null,
          }),
    );
    return client;
  };
  async function* stream(
    params: Parameters<AnthropicBedrock['messages']['stream']>[0],
    signal: AbortSignal | undefined,
  ): AsyncGenerator<RawEvent> {
    const messages = (await getClient()).messages.stream(params, signal === undefined ? {} : { signal });
    messages.on('error', () => {}); // surfaced through iteration
    yield* messages;
  }
  return createMessagesProvider({
    name: 'bedrock',
    model: options.model,
    maxTokens: options.maxTokens,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    price: options.price ?? priceOf(options.model),
    random: options.random ?? Math.random,
    stream,
  });
}
