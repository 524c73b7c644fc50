/**
 * Workflow lookup and compilation for the facade: registry → validate → compile (with the workspace's
 * bindings and routines from the registry) → pinned snapshot.
 */
import { err, type Result } from '@worktrain/contracts';
import type { EngineError, LoadedWorkflow, WorkflowListItem } from '../api.js';
import type { CompiledWorkflow } from '../compiled.js';
import type { SourceWorkflow } from '../compiler/index.js';
import { compileWorkflow, loadBindings, templateRoutineCandidates } from '../compiler/index.js';
import { validateWorkflowDefinition } from '../definition/validate.js';
import type { EngineDeps } from './core.js';

/** Compiles a loaded definition. Routines referenced by templates are looked up in the registry. */
export async function compileLoaded(
  deps: EngineDeps,
  loaded: LoadedWorkflow,
  workspacePath: string | undefined,
): Promise<Result<CompiledWorkflow, EngineError>> {
  const definition = validateWorkflowDefinition(loaded.definition, loaded.source.path);
  if (definition.isErr()) return err(definition.error);
  let bindings: Readonly<Record<string, string>> = {};
  if (workspacePath !== undefined) {
    const loadedBindings = loadBindings(workspacePath, loaded.workflowId);
    if (loadedBindings.isErr()) return err(loadedBindings.error);
    bindings = loadedBindings.value;
  }
  const source: SourceWorkflow = definition.value;
  const routines = new Map<string, SourceWorkflow>();
  if (templateRoutineCandidates(source).length > 0) {
    const listed = await deps.workflows.list(workspacePath === undefined ? {} : { workspacePath });
    if (listed.isOk()) {
      for (const w of listed.value.workflows) {
        const parsed = validateWorkflowDefinition(w.definition, w.source.path);
        if (parsed.isOk()) routines.set(w.workflowId, parsed.value);
      }
    }
  }
  return compileWorkflow(source, { bindings, resolveRoutine: (id) => routines.get(id) });
}

/** Registry entry + compiled form, for list_workflows. */
export function listItem(loaded: LoadedWorkflow, compiled: CompiledWorkflow | undefined): WorkflowListItem {
  const def = loaded.definition;
  const examples = Array.isArray(def.examples)
    ? def.examples.filter((e): e is string => typeof e === 'string')
    : undefined;
  return {
    workflowId: loaded.workflowId,
    name: typeof def.name === 'string' ? def.name : loaded.workflowId,
    description: typeof def.description === 'string' ? def.description : '',
    version: typeof def.version === 'string' ? def.version : '0.0.0',
    kind: 'workflow',
    workflowHash: compiled?.hash ?? null,
    source: loaded.source,
    ...(examples === undefined || examples.length === 0 ? {} : { examples }),
  };
}
