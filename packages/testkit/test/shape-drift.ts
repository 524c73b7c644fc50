/**
 * Keys of a real payload (a fixture) missing from ours, or carrying another JSON type; `null` on either side
 * matches anything and arrays compare their first items. Extra keys in ours are fine (forges add keys).
 */
export function shapeDrift(real: unknown, ours: unknown, path = ''): string[] {
  if (real === null || ours === null) return [];
  if (Array.isArray(real)) {
    if (!Array.isArray(ours)) return [`${path}: array expected`];
    return real.length > 0 && ours.length > 0 ? shapeDrift(real[0], ours[0], `${path}[0]`) : [];
  }
  if (typeof real === 'object') {
    if (typeof ours !== 'object' || Array.isArray(ours)) return [`${path}: object expected`];
    const mine = ours as Record<string, unknown>;
    return Object.entries(real as Record<string, unknown>).flatMap(([key, value]) =>
      key in mine ? shapeDrift(value, mine[key], `${path}.${key}`) : [`${path}.${key}: missing`],
    );
  }
  return typeof real === typeof ours ? [] : [`${path}: ${typeof real} expected, got ${typeof ours}`];
}
