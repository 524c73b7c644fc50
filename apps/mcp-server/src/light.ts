import type { ErrorBody, Logger, WorkTrainError } from '@worktrain/contracts';

/*
 * Tiny helpers mirroring `@worktrain/contracts` (describeThrown, toErrorBody, silentLogger) for the
 * modules on the MCP handshake path. Importing contracts at runtime builds every shared zod schema
 * (~100 ms on a loaded machine); the handshake needs none of them. Types still come from contracts.
 */

/** Best-effort message of an unknown thrown value. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  return typeof thrown === 'string' ? thrown : JSON.stringify(thrown);
}

/** The wire shape `{code, message, details?}` of an error (never a stack). */
export function toErrorBody(error: WorkTrainError): ErrorBody {
  return error.details === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, details: { ...error.details } };
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
