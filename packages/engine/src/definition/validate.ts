/**
 * Validation of workflow definitions: schema v0.3.0 (see `schema.ts`) then the semantic checks of
 * `semantics.ts`. Errors are values: `WORKFLOW_INVALID` with every issue as `{path, message}`.
 */
import { err, jsonDepth, makeError, ok, type Result } from '@worktrain/contracts';
import type { EngineError } from '../api.js';
import { deepFreeze, isDeeplyFrozen } from './frozen.js';
import { type DefinitionIssue, expandIssue, toJsonPointer } from './issues.js';
import { parseWorkflowJson } from './json-text.js';
import { type WorkflowDefinition, WorkflowDefinitionSchema } from './schema.js';
import { checkWorkflowSemantics } from './semantics.js';

/** Deeper documents are rejected before parsing so recursive schemas cannot overflow the stack. */
export const MAX_DEFINITION_DEPTH = 128;
const SUMMARY_ISSUES = 3;

type Inspection =
  | { readonly definition: WorkflowDefinition; readonly issues: readonly [] }
  | { readonly definition?: undefined; readonly issues: readonly DefinitionIssue[] };

function inspect(json: unknown): Inspection {
  if (jsonDepth(json, MAX_DEFINITION_DEPTH) > MAX_DEFINITION_DEPTH) {
    return { issues: [{ path: '', message: `nested deeper than ${MAX_DEFINITION_DEPTH} levels` }] };
  }
  const parsed = WorkflowDefinitionSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap(expandIssue);
    return { issues: issues.map((issue) => ({ path: toJsonPointer(issue.path), message: issue.message })) };
  }
  const semantic = checkWorkflowSemantics(parsed.data);
  return semantic.length === 0 ? { definition: parsed.data, issues: [] } : { issues: semantic };
}

/**
 * Definitions loaded by the registry are deep-frozen and shared across calls; their inspection is
 * remembered (keyed by identity) so re-validating them on every compile costs nothing.
 */
const inspections = new WeakMap<object, Inspection>();

function memoisedInspect(json: unknown): Inspection {
  if (!isDeeplyFrozen(json)) return inspect(json);
  const known = inspections.get(json);
  if (known !== undefined) return known;
  const inspected = inspect(json);
  // Shared between callers from now on, so the parsed definition is frozen like its source.
  const fresh =
    inspected.definition === undefined
      ? inspected
      : { ...inspected, definition: deepFreeze(inspected.definition) };
  inspections.set(json, fresh);
  return fresh;
}

/** Schema and semantic issues of a value (empty when it is a valid workflow definition). */
export function collectDefinitionIssues(json: unknown): readonly DefinitionIssue[] {
  return memoisedInspect(json).issues;
}

function workflowIdOf(json: unknown): string | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('id' in json)) return null;
  return typeof json.id === 'string' ? json.id : null;
}

/** One-line summary: `workflow 'x' is invalid: /steps/3/loop/maxIterations: must be >= 1; … (+2 more)`. */
function summarise(workflowId: string | null, issues: readonly DefinitionIssue[], source?: string): string {
  const head = issues
    .slice(0, SUMMARY_ISSUES)
    .map((issue) => `${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`)
    .join('; ');
  const more = issues.length > SUMMARY_ISSUES ? ` (+${issues.length - SUMMARY_ISSUES} more)` : '';
  const what = workflowId === null ? 'workflow definition' : `workflow '${workflowId}'`;
  return `${source === undefined ? '' : `${source}: `}${what} is invalid: ${head}${more}`;
}

/**
 * Validates a parsed JSON value as a workflow definition.
 *
 * Returns the definition unchanged (defaults are not applied) or `WORKFLOW_INVALID` with
 * `details: { workflowId: string | null, issues: {path, message}[] }`, where `path` is a JSON Pointer such
 * as `/steps/3/loop/maxIterations` and the message summarises the first three issues.
 */
export function validateWorkflowDefinition(
  json: unknown,
  source?: string,
): Result<WorkflowDefinition, EngineError> {
  const { definition, issues } = memoisedInspect(json);
  if (definition !== undefined) return ok(definition);
  const workflowId = workflowIdOf(json);
  return err(
    makeError('WORKFLOW_INVALID', summarise(workflowId, issues, source), {
      workflowId,
      ...(source === undefined ? {} : { path: source }),
      issues,
    }),
  );
}

/** `parseWorkflowJson` then `validateWorkflowDefinition`: text of a workflow file to a definition. */
export function parseWorkflowDefinition(
  text: string,
  path?: string,
): Result<WorkflowDefinition, EngineError> {
  return parseWorkflowJson(text, path).andThen((json) => validateWorkflowDefinition(json, path));
}
