import type { ListSessionsQuery, SessionSummary } from './port.js';

/** Default and maximum page size of `listSessions`. */
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 1000;

/** A {@link ListSessionsQuery} with limit/offset resolved. */
export interface NormalisedListQuery extends ListSessionsQuery {
  readonly limit: number;
  readonly offset: number;
  /** Lower-cased search text, or undefined when absent or empty. */
  readonly needle: string | undefined;
}

/**
 * Resolves paging: limit defaults to 50 and is clamped to 1..1000 (non-integers floored); offset defaults
 * to 0 and is clamped to ≥ 0. An empty `text` means no text filter.
 */
export function normaliseListQuery(query: ListSessionsQuery = {}): NormalisedListQuery {
  const rawLimit =
    query.limit === undefined || !Number.isFinite(query.limit) ? DEFAULT_LIST_LIMIT : query.limit;
  const limit = Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(rawLimit)));
  const offset =
    query.offset === undefined || !Number.isFinite(query.offset) ? 0 : Math.max(0, Math.floor(query.offset));
  const needle = query.text === undefined || query.text === '' ? undefined : query.text.toLowerCase();
  return { ...query, limit, offset, needle };
}

/** Case-insensitive (Unicode `toLowerCase`) substring test; both backends use it so they agree. */
export function containsFolded(haystack: string | null | undefined, needleLower: string): boolean {
  return haystack?.toLowerCase().includes(needleLower) ?? false;
}

/** Filters of a query that only look at the summary row (everything but notes search). */
export function matchesSummaryFilters(summary: SessionSummary, q: NormalisedListQuery): boolean {
  if (q.status !== undefined && !q.status.includes(summary.status)) return false;
  if (q.workflowId !== undefined && summary.workflowId !== q.workflowId) return false;
  if (q.workspacePath !== undefined && summary.workspacePath !== q.workspacePath) return false;
  if (q.parentSessionId !== undefined && summary.parentSessionId !== q.parentSessionId) return false;
  if (q.updatedSince !== undefined && summary.updatedAt < q.updatedSince) return false;
  return true;
}

/** Listing order of both backends: most recently updated first, then session id ascending (stable). */
export function compareForListing(a: SessionSummary, b: SessionSummary): number {
  if (a.updatedAt !== b.updatedAt) return b.updatedAt - a.updatedAt;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}
