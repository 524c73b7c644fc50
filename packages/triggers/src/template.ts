import { err, ok, type Result } from '@worktrain/contracts';
import { type TriggerError, triggerError } from './errors.js';
import { compilePath, queryPath } from './jsonpath.js';

const PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;

/** The JSONPaths a template refers to, or the first one that does not compile (for config validation). */
export function checkTemplate(template: string): Result<string[], string> {
  const paths: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    const path = m[1] ?? '';
    const compiled = compilePath(path);
    if (compiled.isErr()) return err(`placeholder {{${path}}}: ${compiled.error}`);
    paths.push(path);
  }
  return ok(paths);
}

/**
 * Renders `goalTemplate`: each `{{<JSONPath>}}` is replaced by the first value the path selects in
 * `payload` (strings as is, numbers and booleans in JSON form, arrays of scalars joined with ", ").
 * A placeholder that selects nothing, null, or an object is TEMPLATE_FIELD_MISSING (never an empty goal);
 * so is a result that is blank.
 */
export function renderTemplate(template: string, payload: unknown): Result<string, TriggerError> {
  const missing: string[] = [];
  const out = template.replace(PLACEHOLDER, (_whole, raw: string) => {
    const compiled = compilePath(raw);
    if (compiled.isErr()) {
      missing.push(raw);
      return '';
    }
    const value = queryPath(compiled.value, payload)[0];
    const text = scalarText(value);
    if (text === null) missing.push(raw);
    return text ?? '';
  });
  if (missing.length > 0)
    return err(
      triggerError(
        'TEMPLATE_FIELD_MISSING',
        `goalTemplate refers to missing field(s): ${missing.join(', ')}`,
        {
          paths: missing,
        },
      ),
    );
  if (out.trim().length === 0)
    return err(triggerError('TEMPLATE_FIELD_MISSING', 'goalTemplate rendered an empty goal', { paths: [] }));
  return ok(out);
}

function scalarText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v !== 'object' || v === null))
    return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
  return null;
}
