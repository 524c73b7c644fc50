import * as z from 'zod';

/** A JSON value: what can cross a process, HTTP or storage boundary unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** zod schema for {@link JsonValue}; rejects `undefined`, functions, `NaN`/`Infinity`, symbols. */
export const JsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, 'must be a finite number'),
    z.boolean(),
    z.null(),
    z.array(JsonValueSchema),
    z.record(z.string(), JsonValueSchema),
  ]),
);
export const JsonObjectSchema: z.ZodType<JsonObject> = z.record(z.string(), JsonValueSchema);

/**
 * Nesting depth of a value (a scalar is 0, `{}` and `[]` are 1). Iterative, so a hostile 100 000-deep
 * value cannot overflow the stack. Stops counting at `limit + 1`.
 */
export function jsonDepth(value: unknown, limit = 1000): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v !== null && typeof v === 'object') {
      const depth = d + 1;
      if (depth > max) max = depth;
      if (max > limit) return max;
      for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth]);
    }
  }
  return max;
}

/** UTF-8 byte length of a string (what limits in bytes are measured against). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
