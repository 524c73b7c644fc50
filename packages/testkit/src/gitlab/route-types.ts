import type * as z from 'zod';
import type { FakeGitLabProject } from './state.js';

// What the fake GitLab's route modules share: a handler's input and answer, and the registrar that wires a
// handler with auth, faults, query checks, pagination, shape checks and ETags (see server.ts).

export type Json = Record<string, unknown>;

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  /** Schema of a success body (array items for lists). */
  readonly schema?: z.ZodType;
  readonly list?: readonly unknown[];
}

export type Handler = (input: {
  project: FakeGitLabProject;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Json;
  userId: number;
}) => Reply;

/**
 * Registers `handle` for `method` on `<prefix>/api/v4/projects/:id<path>` under route name `name` (used by
 * faults and recorded requests). `querySchema` lists the documented query parameters: anything else is a
 * recorded violation and a 400.
 */
export type RouteRegistrar = (
  method: string,
  path: string,
  name: string,
  handle: Handler,
  querySchema?: z.ZodType,
) => void;

/** GitLab's `{"message": …}` error body. */
export const message = (status: number, text: string | string[]): Reply => ({
  status,
  body: { message: text },
});
/** GitLab's `{"error": …}` body (missing or invalid parameter). */
export const errorReply = (status: number, text: string): Reply => ({ status, body: { error: text } });
