/**
 * Boundary checks of engine inputs. Depth is measured iteratively before any recursive parser runs, so a
 * hostile 100 000-deep context is rejected (CONTEXT_TOO_DEEP) instead of overflowing the stack.
 */

import {
  err,
  type JsonObject,
  JsonObjectSchema,
  type JsonValue,
  JsonValueSchema,
  jsonDepth,
  makeError,
  ok,
  type Result,
  SessionSourceSchema,
} from '@worktrain/contracts';
import * as z from 'zod';
import type { EngineError, EngineLimits } from '../api.js';

export function parseContext(
  value: unknown,
  limits: EngineLimits,
  where: string,
): Result<JsonObject | undefined, EngineError> {
  if (value === undefined) return ok(undefined);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return err(makeError('INPUT_INVALID', `${where} must be a JSON object.`, { field: where }));
  }
  if (jsonDepth(value, limits.maxJsonDepth + 1) > limits.maxJsonDepth) {
    return err(
      makeError(
        'CONTEXT_TOO_DEEP',
        `${where} nests deeper than ${limits.maxJsonDepth} levels; send flat values (ids, flags, short strings).`,
        { maxJsonDepth: limits.maxJsonDepth },
      ),
    );
  }
  const parsed = JsonObjectSchema.safeParse(value);
  if (!parsed.success) {
    return err(
      makeError(
        'INPUT_INVALID',
        `${where} is not plain JSON: ${parsed.error.issues[0]?.message ?? 'invalid'}.`,
        { field: where },
      ),
    );
  }
  return ok(parsed.data);
}

export interface ParsedOutput {
  readonly notesMarkdown?: string;
  readonly artifacts?: readonly JsonValue[];
}

/**
 * Checks the advance output's shape. Artifacts nested beyond the depth limit are passed through unparsed
 * (as an opaque marker) so validation can block them with OUTPUT_TOO_LARGE rather than crash a parser.
 */
export function parseOutput(
  value: unknown,
  limits: EngineLimits,
): Result<ParsedOutput | undefined, EngineError> {
  if (value === undefined || value === null) return ok(undefined);
  if (typeof value !== 'object' || Array.isArray(value))
    return err(makeError('INPUT_INVALID', 'output must be an object { notesMarkdown?, artifacts? }.'));
  const raw: { notesMarkdown?: unknown; artifacts?: unknown } = value;
  if (raw.notesMarkdown !== undefined && typeof raw.notesMarkdown !== 'string') {
    return err(
      makeError('INPUT_INVALID', 'output.notesMarkdown must be a string.', { field: 'output.notesMarkdown' }),
    );
  }
  if (raw.artifacts !== undefined && !Array.isArray(raw.artifacts)) {
    return err(
      makeError('INPUT_INVALID', 'output.artifacts must be an array.', { field: 'output.artifacts' }),
    );
  }
  let artifacts: JsonValue[] | undefined;
  if (Array.isArray(raw.artifacts)) {
    if (jsonDepth(raw.artifacts, limits.maxJsonDepth + 2) > limits.maxJsonDepth + 1) {
      // Too deep to parse safely: keep a shallow stand-in of the same depth class for the limit check.
      artifacts = [tooDeepMarker(limits.maxJsonDepth + 2)];
    } else {
      const parsed = JsonValueSchema.array().safeParse(raw.artifacts);
      if (!parsed.success)
        return err(
          makeError(
            'INPUT_INVALID',
            `output.artifacts must be plain JSON: ${parsed.error.issues[0]?.message ?? 'invalid'}.`,
          ),
        );
      artifacts = parsed.data;
    }
  }
  return ok({
    ...(typeof raw.notesMarkdown === 'string' ? { notesMarkdown: raw.notesMarkdown } : {}),
    ...(artifacts === undefined ? {} : { artifacts }),
  });
}

function tooDeepMarker(depth: number): JsonValue {
  let v: JsonValue = null;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const StartFieldsSchema = z.object({
  workflowId: z.string().min(1, 'workflowId must be a non-empty string; call list_workflows to see the ids'),
  workspacePath: z.string().min(1).optional(),
  goal: z.string().max(4096).optional(),
  parentSessionId: z.string().min(1).max(128).optional(),
  mode: z.enum(['interactive', 'autonomous']).optional(),
  source: SessionSourceSchema.optional(),
});

/** Checks the scalar fields of a start request (the context is checked by {@link parseContext}). */
export function checkStartFields(input: unknown): Result<void, EngineError> {
  if (typeof input !== 'object' || input === null)
    return err(makeError('INPUT_INVALID', 'start input must be an object.'));
  const parsed = StartFieldsSchema.safeParse(input);
  if (parsed.success) return ok(undefined);
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  return err(
    makeError('INPUT_INVALID', `${field === '' ? 'input' : field}: ${issue?.message ?? 'invalid'}.`, {
      field,
    }),
  );
}
