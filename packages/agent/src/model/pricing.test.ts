import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf, DEFAULT_ANTHROPIC_MODEL, MODEL_PRICES, priceOf } from './pricing.js';
import { backoffDelayMs, DEFAULT_RETRY_POLICY } from './retry.js';

describe('prices', () => {
  it('resolves dated and Bedrock model ids by longest prefix', () => {
    expect(priceOf('claude-sonnet-4-5-20250929')?.inputPerMTok).toBe(3);
    expect(priceOf('us.anthropic.claude-haiku-4-5-20251001-v1:0')?.outputPerMTok).toBe(5);
    expect(priceOf('claude-opus-4-1-20250805')?.inputPerMTok).toBe(15);
    expect(priceOf('claude-opus-4-5')?.inputPerMTok).toBe(5);
    expect(priceOf('gpt-4o')).toBeUndefined();
  });

  it('prices the default Anthropic model, which the installed SDK does not mark deprecated', () => {
    expect(MODEL_PRICES[DEFAULT_ANTHROPIC_MODEL]).toBeDefined();
    // The SDK warns at run time about ids in DEPRECATED_MODELS (not an exported path: read its file).
    const sdk = dirname(createRequire(import.meta.url).resolve('@anthropic-ai/sdk'));
    const deprecated = readFileSync(join(sdk, 'internal', 'data', 'deprecated-models.js'), 'utf8');
    expect(deprecated).toContain('DEPRECATED_MODELS');
    expect(deprecated).not.toContain(`'${DEFAULT_ANTHROPIC_MODEL}'`);
  });

  it('prices every token class', () => {
    const price = { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 };
    expect(
      costOf({ inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 }, price),
    ).toBe(3);
    expect(
      costOf(
        { inputTokens: 0, outputTokens: 1_000_000, cacheReadTokens: 1_000_000, cacheWriteTokens: 1_000_000 },
        price,
      ),
    ).toBeCloseTo(19.05);
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter in [d/2, d] and is capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(0, policy, null, () => 0)).toBe(50);
    expect(backoffDelayMs(0, policy, null, () => 1)).toBe(100);
    expect(backoffDelayMs(2, policy, null, () => 1)).toBe(400);
    expect(backoffDelayMs(10, policy, null, () => 1)).toBe(1000);
  });

  it('honours a longer retry-after (seconds or HTTP date), capped by maxDelayMs', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 5000 };
    expect(backoffDelayMs(0, policy, '2', () => 0)).toBe(2000);
    expect(backoffDelayMs(0, policy, '60', () => 0)).toBe(5000);
    expect(backoffDelayMs(0, policy, new Date(10_000).toUTCString(), () => 0, 7_000)).toBe(3000);
    expect(backoffDelayMs(0, policy, 'soon', () => 0)).toBe(50);
  });
});
