import type { ModelPrice, TurnUsage } from './provider.js';

/**
 * The Anthropic model id used when `config.yaml` names none (`model.model`) and the one `worktrain init`
 * writes. Source: `@anthropic-ai/sdk` 1.14.0, whose `Model` type lists `claude-sonnet-5-5` as the current
 * Sonnet and whose `DEPRECATED_MODELS` (internal/data/deprecated-models.js) gives `claude-sonnet-4-5`, the
 * previous default, an end-of-life date of 2026-11-30; model page
 * https://platform.claude.com/docs/en/models/sonnet-5-5/overview, read 2026-11. It must keep a row in
 * {@link MODEL_PRICES}, or money budgets (`budgets.maxCostUsd`) count it as free; a test checks both.
 */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

/**
 * Prices in USD per million tokens (input, output, cache read, 5-minute cache write).
 * Source: https://docs.anthropic.com/en/docs/about-claude/pricing (table "Model pricing"), read 2026-11;
 * `claude-sonnet-5-5` from its model page (https://platform.claude.com/docs/en/models/sonnet-5-5/overview:
 * $2 input, $10 output, $0.20 cache read, $2.50 5-minute cache write per MTok), read 2026-11.
 * Cache writes cost 1.25x input and cache reads 0.1x input per that page. Keys are model id prefixes; the
 * longest matching prefix wins, so dated ids (`claude-sonnet-4-5-20250929`) and Bedrock ids
 * (`anthropic.claude-sonnet-4-5-…`, `us.anthropic.…`) resolve to the same row.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'claude-sonnet-5-5': { inputPerMTok: 2, outputPerMTok: 10, cacheReadPerMTok: 0.2, cacheWritePerMTok: 2.5 },
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
