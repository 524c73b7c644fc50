/**
 * Project binding overrides for extension points (`{{wr.bindings.slotId}}`), read from
 * `<workspace>/.worktrain/bindings.json` and WorkRail's `<workspace>/.workrail/bindings.json`.
 *
 * File shape (WorkRail's, EtienneBBeaulac/workrail `src/application/services/compiler/binding-registry.ts`,
 * MIT): either per workflow, `{ "<workflowId>": { "<slotId>": "<routineId>" } }`, or flat,
 * `{ "<slotId>": "<routineId>" }` (used only when every top-level value is a string). When both files exist
 * their entries are merged and `.worktrain/bindings.json` wins on the same slot.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { err, makeError, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';

export const BINDINGS_FILES = ['.worktrain/bindings.json', '.workrail/bindings.json'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readOne(path: string, workflowId: string | undefined): Result<Record<string, string>, EngineError> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (thrown) {
    if (
      typeof thrown === 'object' &&
      thrown !== null &&
      'code' in thrown &&
      (thrown.code === 'ENOENT' || thrown.code === 'ENOTDIR')
    )
      return ok({});
    return err(
      makeError('INPUT_INVALID', `Cannot read bindings file ${path}.`, { path, cause: String(thrown) }),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (thrown) {
    return err(
      makeError('INPUT_INVALID', `Bindings file ${path} is not valid JSON: ${String(thrown)}`, { path }),
    );
  }
  if (!isRecord(parsed))
    return err(makeError('INPUT_INVALID', `Bindings file ${path} must hold a JSON object.`, { path }));
  const pick = (obj: Record<string, unknown>, where: string): Result<Record<string, string>, EngineError> => {
    const out: Record<string, string> = {};
    for (const [slot, value] of Object.entries(obj)) {
      if (typeof value !== 'string') {
        return err(
          makeError(
            'INPUT_INVALID',
            `Bindings file ${path}: ${where}${slot} must be a string (a routine or workflow id).`,
            { path, slotId: slot },
          ),
        );
      }
      out[slot] = value;
    }
    return ok(out);
  };
  if (workflowId !== undefined && Object.hasOwn(parsed, workflowId)) {
    const section = parsed[workflowId];
    if (!isRecord(section))
      return err(
        makeError(
          'INPUT_INVALID',
          `Bindings file ${path}: "${workflowId}" must be an object of slot bindings.`,
          { path },
        ),
      );
    return pick(section, `${workflowId}.`);
  }
  const values = Object.values(parsed);
  if (values.length > 0 && values.every((v) => typeof v === 'string')) return pick(parsed, '');
  return ok({});
}

/**
 * The binding overrides for `workflowId` (or only flat-format entries when it is omitted) in a workspace.
 * Missing files mean no overrides. Errors: `INPUT_INVALID` (with `details.path`) for an unreadable file,
 * invalid JSON, or a binding that is not a string.
 */
export function loadBindings(
  workspacePath: string,
  workflowId?: string,
): Result<Record<string, string>, EngineError> {
  const merged: Record<string, string> = {};
  // Lowest precedence first: WorkRail's file, then ours.
  for (const relative of [...BINDINGS_FILES].reverse()) {
    const one = readOne(join(workspacePath, relative), workflowId);
    if (one.isErr()) return err(one.error);
    Object.assign(merged, one.value);
  }
  return ok(merged);
}
