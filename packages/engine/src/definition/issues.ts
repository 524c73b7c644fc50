/**
 * Turns zod issues into the engine's validation issue shape: a JSON Pointer (RFC 6901) to the offending
 * value and a short human message (`required property 'id' is missing`, `unknown property 'foo'`).
 */
import type * as z from 'zod';

/** One problem found in a workflow definition. */
export interface DefinitionIssue {
  /** JSON Pointer into the definition, e.g. `/steps/3/loop/maxIterations`; `` is the whole document. */
  readonly path: string;
  readonly message: string;
}

/** RFC 6901 JSON Pointer of a path (`~` → `~0`, `/` → `~1`). */
export function toJsonPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

type Segment = PropertyKey;

/** Expands one zod issue into issues with their path relative to the parsed value. */
export function expandIssue(issue: z.core.$ZodIssue): { path: Segment[]; message: string }[] {
  const path = [...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: `unknown property '${key}'` }));
    case 'invalid_type': {
      if ('input' in issue && issue.input === undefined) {
        const name = path.length > 0 ? `'${String(path[path.length - 1])}' ` : '';
        return [{ path, message: `required property ${name}is missing` }];
      }
      return [{ path, message: `must be ${article(issue.expected)}, got ${jsonKind(issue.input)}` }];
    }
    case 'invalid_value':
      return [{ path, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` }];
    case 'invalid_union': {
      if ('discriminator' in issue && issue.discriminator === 'type') {
        const input = 'input' in issue ? issue.input : undefined;
        const value = typeof input === 'object' && input !== null && 'type' in input ? input.type : input;
        return [
          {
            path,
            message: `unknown step type ${JSON.stringify(value)}: use "loop", "parallel", or no type for a standard step`,
          },
        ];
      }
      return [{ path, message: issue.message }];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
