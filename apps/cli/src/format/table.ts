/**
 * Plain-text tables for terminal output: columns padded to the widest cell, two spaces apart, no colours
 * (output is often piped). Cells are single-line: newlines and tabs are replaced by spaces.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string) => cell.replace(/[\r\n\t]+/g, ' ');
  const all = [headers.map(clean), ...rows.map((row) => row.map(clean))];
  const widths = headers.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Shortens `text` to at most `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length <= max ? single : `${single.slice(0, Math.max(0, max - 1))}…`;
}

/** ISO 8601 UTC time of a ms-since-epoch timestamp, to the second (`2026-11-25T17:03:00Z`). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Indents every line of `text` by `spaces` spaces. */
export function indent(text: string, spaces = 2): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line.length > 0 ? pad + line : line))
    .join('\n');
}
