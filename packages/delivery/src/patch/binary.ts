/**
 * `GIT binary patch` blocks (git's `apply.c` `parse_binary`): `literal <size>` or `delta <size>`, then lines
 * of base85 data whose first character gives the byte count of the line (`A`–`Z` = 1–26, `a`–`z` = 27–52),
 * ended by an empty line; a second block (the reverse patch) may follow. Data is validated, not inflated.
 */

import type { BinaryPatchInfo } from './parse.js';

const BASE85 = /^[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]+$/;

export interface BinaryParse {
  readonly blocks: BinaryPatchInfo[];
  readonly errors: { line: number; message: string }[];
  /** Index of the first line after the binary patch. */
  readonly next: number;
}

/** Parses the blocks starting at `lines[start]` (the line after `GIT binary patch`). */
export function parseBinaryPatch(lines: readonly string[], start: number): BinaryParse {
  const blocks: BinaryPatchInfo[] = [];
  const errors: { line: number; message: string }[] = [];
  let i = start;
  while (blocks.length < 2) {
    const m = /^(literal|delta) (\d{1,12})$/.exec(lines[i] ?? '');
    if (m === null) {
      if (blocks.length === 0)
        errors.push({ line: i + 1, message: 'binary patch without literal/delta block' });
      break;
    }
    const method = m[1] === 'delta' ? 'delta' : 'literal';
    blocks.push({ method, size: Number(m[2]) });
    i += 1;
    let dataLines = 0;
    for (;;) {
      const line = lines[i];
      if (line === undefined) {
        errors.push({ line: i, message: 'binary patch ends without an empty line' });
        return { blocks, errors, next: i };
      }
      i += 1;
      if (line === '') break;
      dataLines += 1;
      const first = line.charCodeAt(0);
      const count =
        first >= 65 && first <= 90 ? first - 64 : first >= 97 && first <= 122 ? first - 96 + 26 : -1;
      const body = line.slice(1);
      if (count < 0 || body.length !== Math.ceil(count / 4) * 5 || !BASE85.test(body)) {
        errors.push({ line: i, message: 'corrupt binary patch data line' });
        while ((lines[i] ?? '') !== '' && i < lines.length) i += 1;
        return { blocks, errors, next: i };
      }
    }
    if (dataLines === 0) errors.push({ line: i, message: 'binary patch block without data' });
  }
  return { blocks, errors, next: i };
}
