import * as z from 'zod';

/**
 * The one error shape every WorkTrain package uses: a closed string `code`, a human `message` that says
 * what went wrong and what to do, and optional structured `details` (JSON-serialisable).
 *
 * Each package narrows `C` to its own closed union of codes, e.g.
 * `type StoreError = WorkTrainError<'SEQ_CONFLICT' | 'STORE_IO'>`.
 */
export interface WorkTrainError<C extends string = string> {
  readonly code: C;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Wire form of an error (HTTP bodies, MCP error results, `--format json` output). */
export const ErrorBodySchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** Builds a {@link WorkTrainError}; `details` is omitted when undefined so the shape stays minimal. */
export function makeError<C extends string>(
  code: C,
  message: string,
  details?: Record<string, unknown>,
): WorkTrainError<C> {
  return details === undefined ? { code, message } : { code, message, details };
}

/** Converts any error value to the wire shape (never leaks stacks). */
export function toErrorBody(error: WorkTrainError): ErrorBody {
  return error.details === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, details: { ...error.details } };
}

/** Best-effort message of an unknown thrown value, for adapters converting library exceptions into codes. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  return typeof thrown === 'string' ? thrown : JSON.stringify(thrown);
}
