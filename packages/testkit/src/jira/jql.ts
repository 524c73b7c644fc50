/** One clause of the JQL subset the fake Jira understands. */
export interface JqlClause {
  readonly field: 'key' | 'issuekey' | 'project' | 'status' | 'labels';
  readonly op: '=' | '!=' | 'in' | 'not in';
  readonly values: readonly string[];
}

const FIELDS = new Set(['key', 'issuekey', 'project', 'status', 'labels']);
const VALUE = /^("[^"]*"|'[^']*'|[^\s"'(),]+)$/;
const unquote = (s: string) =>
  s
    .trim()
    .replace(/^"(.*)"$/, '$1')
    .replace(/^'(.*)'$/, '$1');

/**
 * Parses `field op value [AND …] [ORDER BY …]` with fields key/issuekey/project/status/labels and operators
 * `=`, `!=`, `in (…)`, `not in (…)`; values bare or quoted. Anything else is an error (Jira answers 400).
 */
export function parseJql(jql: string): { ok: true; clauses: JqlClause[] } | { ok: false; error: string } {
  const where = jql.replace(/\border\s+by\b[\s\S]*$/i, '').trim();
  if (where === '') return { ok: true, clauses: [] };
  const clauses: JqlClause[] = [];
  for (const part of where.split(/\s+and\s+/i)) {
    const match = /^\s*(\w+)\s*(=|!=|not\s+in|in)\s*(.+?)\s*$/i.exec(part);
    const field = match?.[1]?.toLowerCase();
    if (match === null || field === undefined || !FIELDS.has(field))
      return { ok: false, error: `the clause '${part.trim()}' is not supported by this fake` };
    const op = (match[2] ?? '=').toLowerCase().replace(/\s+/g, ' ') as JqlClause['op'];
    const raw = match[3] ?? '';
    const list = op === 'in' || op === 'not in' ? /^\(([^()]*)\)$/.exec(raw)?.[1] : raw;
    const items = list === undefined ? [] : op === '=' || op === '!=' ? [list] : list.split(',');
    // One value: a quoted string or a single bare token (so `a = X OR b = Y` is not read as a value).
    if (items.length === 0 || !items.every((v) => VALUE.test(v.trim())))
      return { ok: false, error: `the clause '${part.trim()}' is not supported by this fake` };
    const values = items.map(unquote);
    clauses.push({ field: field as JqlClause['field'], op, values });
  }
  return { ok: true, clauses };
}

/** True when an issue's fields satisfy every clause (case-insensitive, as Jira compares these fields). */
export function matchesJql(
  clauses: readonly JqlClause[],
  issue: { key: string; project: string; status: string; labels: readonly string[] },
): boolean {
  return clauses.every((c) => {
    const have =
      c.field === 'labels'
        ? issue.labels.map((l) => l.toLowerCase())
        : [
            (c.field === 'project'
              ? issue.project
              : c.field === 'status'
                ? issue.status
                : issue.key
            ).toLowerCase(),
          ];
    const hit = c.values.some((v) => have.includes(v.toLowerCase()));
    return c.op === '=' || c.op === 'in' ? hit : !hit;
  });
}
