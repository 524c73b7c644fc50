import { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';

/**
 * True when `thrown` comes from the client going away mid-request (it closed the connection before its
 * body was read, e.g. a webhook sender that timed out): Node's request is destroyed before completing, or
 * the error is the socket's `ECONNRESET` / an `AbortError`. Nothing on the daemon's side failed, so the
 * API logs it at debug rather than as an unhandled error.
 */
export function clientAborted(thrown: unknown, c: Context): boolean {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming instanceof IncomingMessage && !incoming.complete && incoming.destroyed) return true;
  if (typeof thrown !== 'object' || thrown === null) return false;
  const code = 'code' in thrown ? thrown.code : undefined;
  const name = 'name' in thrown ? thrown.name : undefined;
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || name === 'AbortError';
}
