import type { EngineLimits } from '../api.js';

/**
 * Default limits on agent input (bytes for sizes). Notes of 256 KiB are far beyond a useful step summary;
 * the caps keep one hostile or confused call from bloating the durable log.
 */
export const DEFAULT_ENGINE_LIMITS: EngineLimits = Object.freeze({
  maxNotesBytes: 262_144,
  maxArtifactsBytes: 1_048_576,
  maxJsonDepth: 64,
  maxContextBytes: 262_144,
  maxConsecutiveBlocked: 5,
});

/** Defaults overridden by the given fields (non-positive or non-finite values are ignored). */
export function resolveLimits(overrides: Partial<EngineLimits> | undefined): EngineLimits {
  const out: Record<keyof EngineLimits, number> = { ...DEFAULT_ENGINE_LIMITS };
  for (const key of Object.keys(out) as (keyof EngineLimits)[]) {
    const value = overrides?.[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out[key] = Math.floor(value);
  }
  return out;
}
