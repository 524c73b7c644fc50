/** "Did you mean" suggestions for unknown workflow ids. */

/** Levenshtein edit distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * Up to `limit` known ids close to `wanted`, closest first: within an edit distance of a third of the
 * longer id (at least 2), or containing / contained in `wanted` once a `wr.`-style namespace is ignored.
 */
export function closestIds(wanted: string, known: readonly string[], limit = 5): string[] {
  const bare = (id: string): string => id.slice(id.indexOf('.') + 1).toLowerCase();
  const w = wanted.toLowerCase();
  return known
    .map((id) => {
      const distance = editDistance(w, id.toLowerCase());
      const b = bare(id);
      const q = bare(wanted);
      const related = q.length >= 3 && b.length >= 3 && (b.includes(q) || q.includes(b));
      const threshold = Math.max(2, Math.floor(Math.max(w.length, id.length) / 3));
      return { id, distance, close: distance <= threshold || related };
    })
    .filter((c) => c.close)
    .sort((a, b) => a.distance - b.distance || (a.id < b.id ? -1 : 1))
    .slice(0, limit)
    .map((c) => c.id);
}
