import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CUT_LINE_MARK, LineLimiter } from './line-limit.js';

/** Feeds `input` in the given chunk sizes; returns the output and the ids reported as oversized. */
async function run(
  input: string,
  max: number,
  chunkSizes: readonly number[],
): Promise<{ out: string; ids: (string | number | null)[] }> {
  const ids: (string | number | null)[] = [];
  const limiter = new LineLimiter(max, (id) => ids.push(id));
  const parts: Buffer[] = [];
  limiter.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve) => limiter.on('end', resolve));
  const bytes = Buffer.from(input, 'utf8');
  let offset = 0;
  let i = 0;
  while (offset < bytes.length) {
    const size = Math.max(1, chunkSizes[i++ % Math.max(1, chunkSizes.length)] ?? bytes.length);
    limiter.write(bytes.subarray(offset, offset + size));
    offset += size;
  }
  limiter.end();
  await done;
  return { out: Buffer.concat(parts).toString('utf8'), ids };
}

describe('LineLimiter', () => {
  it('passes lines within the limit through unchanged, however the input is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, ' ')),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
        async (lines, chunks) => {
          const input = lines.map((l) => `${l}\n`).join('');
          const { out, ids } = await run(input, 120, chunks);
          expect(out).toBe(input);
          expect(ids).toEqual([]);
        },
      ),
    );
  });

  it('cuts each oversized line, reports its JSON-RPC id, and keeps the following lines intact', async () => {
    const big = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"notes":"${'x'.repeat(500)}"}}`;
    const bigString = `{"jsonrpc":"2.0","id":"req-9","params":{"n":"${'y'.repeat(500)}"}}`;
    const small = '{"jsonrpc":"2.0","id":8,"method":"ping"}';
    const { out, ids } = await run(`${big}\n${small}\n${bigString}\n${small}\n`, 100, [13]);
    expect(ids).toEqual([7, 'req-9']);
    const lines = out.split('\n');
    expect(lines.filter((l) => l === small)).toHaveLength(2);
    // Each cut line ends with the mark, so the transport skips it (it was answered through onOversize).
    expect(lines.filter((l) => l.endsWith(CUT_LINE_MARK))).toHaveLength(2);
    for (const line of lines)
      expect(Buffer.byteLength(line.replace(CUT_LINE_MARK, ''))).toBeLessThanOrEqual(100);
  });

  it('reports null when the id is not at the start of an oversized line', async () => {
    const { ids } = await run(`{"params":"${'z'.repeat(400)}","id":3}\n`, 100, [64]);
    expect(ids).toEqual([null]);
  });
});
