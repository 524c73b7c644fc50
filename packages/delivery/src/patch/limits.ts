/** Header lines (`diff --git`, `---`, names) longer than this are errors, not scanned (bounded work). */
export const MAX_HEADER_LINE = 4096;
