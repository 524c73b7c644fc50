/**
 * `createWorkflowRegistry`: the file-system implementation of the engine's `WorkflowRegistry` port.
 *
 * Every `list`/`get` re-scans the source directories (new sessions see edits; running sessions are pinned
 * by the compiler's hash, not by this registry), re-reading only files whose mtime or size changed.
 */
import { isAbsolute, resolve } from 'node:path';
import { err, makeError, ok, type Result, ResultAsync } from '@worktrain/contracts';
import type { EngineError, LoadedWorkflow, WorkflowRegistry, WorkflowSourceDir } from '../api.js';
import { closestIds } from './suggest.js';
import { findJsonFiles, WorkflowFileCache } from './workflow-files.js';

/** Options of {@link createWorkflowRegistry}. */
export interface WorkflowRegistryOptions {
  /**
   * Directories to load `*.json` workflows from (recursively; hidden entries skipped; a missing directory
   * is empty). Precedence by kind, lowest first: `bundled` < `user` < `custom` < `project`; within a kind,
   * later entries shadow earlier ones with the same workflow id.
   */
  readonly sources: readonly WorkflowSourceDir[];
  /**
   * Directories of a workspace's own workflows, relative to the `workspacePath` passed to `list`/`get`
   * (absolute paths are used as they are). They rank above every source, and are listed HIGHEST
   * precedence first. Default `['.worktrain/workflows', '.workrail/workflows']`: ours wins over WorkRail's.
   */
  readonly workspaceWorkflowDirs?: readonly string[];
}

/** One file that could not be loaded, as reported by `list`. */
export interface InvalidWorkflowFile {
  path: string;
  workflowId: string | null;
  errors: readonly string[];
}

const KIND_RANK: Record<WorkflowSourceDir['kind'], number> = { bundled: 0, user: 1, custom: 2, project: 3 };
export const DEFAULT_WORKSPACE_WORKFLOW_DIRS = ['.worktrain/workflows', '.workrail/workflows'] as const;

interface Listing {
  readonly workflows: readonly LoadedWorkflow[];
  readonly invalid: readonly InvalidWorkflowFile[];
  /** Ids whose winning file is invalid (so `get` reports WORKFLOW_INVALID, not a shadowed version). */
  readonly invalidById: ReadonlyMap<string, InvalidWorkflowFile>;
}

/**
 * Creates a registry over directories. Never fails on a bad file: invalid JSON, schema or semantic errors,
 * non-workflow JSON and unreadable files are reported in `list().invalid`. An invalid file still shadows
 * lower-precedence files with the same id (so a broken project override is never silently replaced by the
 * bundled version); `get` then returns `WORKFLOW_INVALID` with the file's errors.
 *
 * Errors of `get`: `WORKFLOW_NOT_FOUND` (`details: { workflowId, suggestions: string[] }`, close ids first),
 * `WORKFLOW_INVALID` (`details: { workflowId, path, errors }`).
 */
export function createWorkflowRegistry(options: WorkflowRegistryOptions): WorkflowRegistry {
  const cache = new WorkflowFileCache();
  const ordered = options.sources
    .map((source, index) => ({ source, index }))
    .sort((a, b) => KIND_RANK[a.source.kind] - KIND_RANK[b.source.kind] || a.index - b.index)
    .map(({ source }) => source);
  const workspaceDirs = options.workspaceWorkflowDirs ?? DEFAULT_WORKSPACE_WORKFLOW_DIRS;

  function sourcesFor(workspacePath: string | undefined): WorkflowSourceDir[] {
    if (workspacePath === undefined) return [...ordered];
    const workspace = [...workspaceDirs].reverse().map(
      (dir): WorkflowSourceDir => ({
        kind: 'project',
        dir: isAbsolute(dir) ? dir : resolve(workspacePath, dir),
      }),
    );
    return [...ordered, ...workspace];
  }

  async function scan(workspacePath: string | undefined): Promise<Listing> {
    const winners = new Map<string, { loaded?: LoadedWorkflow; invalid?: InvalidWorkflowFile }>();
    const invalid: InvalidWorkflowFile[] = [];
    const seen = new Set<string>();
    for (const source of sourcesFor(workspacePath)) {
      const problems: { path: string; error: string }[] = [];
      const files = await findJsonFiles(resolve(source.dir), problems);
      for (const problem of problems)
        invalid.push({ path: problem.path, workflowId: null, errors: [problem.error] });
      const inThisSource = new Map<string, string>();
      for (const path of files) {
        if (seen.has(path)) continue; // the same directory listed twice
        seen.add(path);
        const load = await cache.load(path);
        const id = load.workflowId;
        if (id !== null && inThisSource.has(id)) {
          invalid.push({
            path,
            workflowId: id,
            errors: [
              `duplicate workflow id '${id}': also defined in ${inThisSource.get(id)} (same source directory)`,
            ],
          });
          continue;
        }
        if (id !== null) inThisSource.set(id, path);
        if (load.ok) {
          winners.set(load.workflowId, {
            loaded: {
              workflowId: load.workflowId,
              source: { kind: source.kind, path },
              definition: load.definition,
            },
          });
        } else {
          const entry: InvalidWorkflowFile = { path, workflowId: load.workflowId, errors: load.errors };
          invalid.push(entry);
          if (load.workflowId !== null) winners.set(load.workflowId, { invalid: entry });
        }
      }
    }
    cache.retainOnly(seen);
    const workflows: LoadedWorkflow[] = [];
    const invalidById = new Map<string, InvalidWorkflowFile>();
    for (const [id, winner] of winners) {
      if (winner.loaded !== undefined) workflows.push(winner.loaded);
      else if (winner.invalid !== undefined) invalidById.set(id, winner.invalid);
    }
    workflows.sort((a, b) => (a.workflowId < b.workflowId ? -1 : a.workflowId > b.workflowId ? 1 : 0));
    return { workflows, invalid, invalidById };
  }

  function listing(workspacePath: string | undefined): ResultAsync<Listing, EngineError> {
    return ResultAsync.fromPromise(scan(workspacePath), (thrown) =>
      makeError('STORE_ERROR', `workflow directories could not be scanned: ${String(thrown)}`),
    );
  }

  return {
    list(input) {
      return listing(input?.workspacePath).map(({ workflows, invalid }) => ({ workflows, invalid }));
    },
    get(workflowId, input) {
      return listing(input?.workspacePath).andThen((found) => pick(found, workflowId));
    },
  };
}

function pick(found: Listing, workflowId: string): Result<LoadedWorkflow, EngineError> {
  const loaded = found.workflows.find((w) => w.workflowId === workflowId);
  if (loaded !== undefined) return ok(loaded);
  const broken = found.invalidById.get(workflowId);
  if (broken !== undefined) {
    return err(
      makeError(
        'WORKFLOW_INVALID',
        `workflow '${workflowId}' (${broken.path}) is invalid: ${broken.errors.slice(0, 3).join('; ')}`,
        {
          workflowId,
          path: broken.path,
          errors: [...broken.errors],
        },
      ),
    );
  }
  const suggestions = closestIds(
    workflowId,
    found.workflows.map((w) => w.workflowId),
  );
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : '';
  return err(
    makeError('WORKFLOW_NOT_FOUND', `no workflow with id '${workflowId}'.${hint}`, {
      workflowId,
      suggestions,
    }),
  );
}
