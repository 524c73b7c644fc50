import type { ModelPrice, TurnUsage } from './provider.js';

/**
 * Prices in USD per million tokens (input, output, cache read, 5-minute cache write).
 * Source: https://docs.anthropic.com/en/docs/about-claude/pricing (table "Model pricing"), read 2026-11.
 * Cache writes cost 1.25x input and cache reads 0.1x input per that page. Keys are model id prefixes; the
 * longest matching prefix wins, so dated ids (`claude-sonnet-4-5-20250929`) and Bedrock ids
 * (`anthropic.claude-sonnet-4-5-…`, `us.anthropic.…`) resolve to the same row.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-opus-4-5': { inputPerMTok: 5, outputPerMTok: 25, cacheReadPerMTok: 0.5, cacheWritePerMTok: 6.25 },
  'claude-opus-4-1': { inputPerMTok: 15, outputPerMTok: 75, cacheReadPerMTok: 1.5, cacheWritePerMTok: 18.75 },
  'claude-opus-4': { inputPerMTok: 15, outputPerMTok: 75, cacheReadPerMTok: 1.5, cacheWritePerMTok: 18.75 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
  'claude-sonnet-4': { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
  'claude-3-7-sonnet': { inputPerMTok: 3, outputPerMTok: 15, cacheReadPerMTok: 0.3, cacheWritePerMTok: 3.75 },
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5, cacheReadPerMTok: 0.1, cacheWritePerMTok: 1.25 },
  'claude-3-5-haiku': { inputPerMTok: 0.8, outputPerMTok: 4, cacheReadPerMTok: 0.08, cacheWritePerMTok: 1 },
  'claude-3-haiku': {
    inputPerMTok: 0.25,
    outputPerMTok: 1.25,
    cacheReadPerMTok: 0.03,
    cacheWritePerMTok: 0.3,
  },
};

/** The price row of a model id (longest matching prefix, Bedrock region/vendor prefixes stripped). */
export function priceOf(
  model: string,
  table: Readonly<Record<string, ModelPrice>> = MODEL_PRICES,
): ModelPrice | undefined {
  const bare = model.replace(/^(?:[a-z]{2}\.)?anthropic\./, '');
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (bare.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table[best];
}

/** Cost in USD of `usage` at `price`. */
export function costOf(usage: TurnUsage, price: ModelPrice): number {
  return (
    (usage.inputTokens * price.inputPerMTok +
      usage.outputTokens * price.outputPerMTok +
      usage.cacheReadTokens * price.cacheReadPerMTok +
      usage.cacheWriteTokens * price.cacheWritePerMTok) /
    1_000_000
  );
}
