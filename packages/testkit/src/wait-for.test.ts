import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for.js';

describe('waitFor', () => {
  it('resolves with the first truthy probe value', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls += 1;
        return calls >= 3 ? { calls } : undefined;
      },
      { intervalMs: 1 },
    );
    expect(value).toEqual({ calls: 3 });
  });

  it('keeps polling through probe errors and reports the last one on timeout', async () => {
    await expect(
      waitFor(
        () => {
          throw new Error('not yet');
        },
        { timeoutMs: 50, intervalMs: 5, description: 'the PR to exist' },
      ),
    ).rejects.toThrow('waitFor: the PR to exist not met within 50 ms (last error: not yet)');
  });

  it('treats 0 and empty string as values, false and null as not yet', async () => {
    expect(await waitFor(() => 0)).toBe(0);
    expect(await waitFor(() => '')).toBe('');
    await expect(waitFor(() => null, { timeoutMs: 30 })).rejects.toThrow(/not met/);
  });
});
