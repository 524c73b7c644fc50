/** Options of `waitFor`. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
  /** Milliseconds between probes. Default 20. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout error message. */
  readonly description?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined`, `null` or `false`, and resolves with it —
 * the way tests synchronise with servers and child processes instead of sleeping. Rejects with an Error
 * naming `description` (and the last error the probe threw, if any) after `timeoutMs`.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(
        `waitFor: ${options.description ?? 'condition'} not met within ${timeoutMs} ms${cause}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
