import { err, type JsonValue, ok, type Result } from '@worktrain/contracts';
// The engine is imported by the commands that use it (`await import`), so start-up does not load it.
import type { EngineError, WorkflowRegistry } from '@worktrain/engine';
import { createMemorySessionStore } from '@worktrain/session-store';
import type { Command } from 'commander';
import { type CliError, cliError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import { summarizeDefinition, type WorkflowSummary } from '../format/workflow-summary.js';
import { renderWorkflowList, renderWorkflowShow, renderWorkflowValidate } from '../format/workflows.js';
import type { CommandContext } from '../program.js';
import { buildWorkflowRegistry, resolvePath, type WorkflowSourceOptions } from '../workflow-sources.js';

/** One problem of a workflow file: JSON pointer into the definition (`` = whole file) and message. */
export interface WorkflowIssue {
  readonly path: string;
  readonly message: string;
}

/** Issues carried by an engine error: `details.issues`, else its `details.pointer`, else the message alone. */
export function issuesOf(error: EngineError): WorkflowIssue[] {
  const issues = error.details?.issues;
  if (Array.isArray(issues)) {
    const list = issues.flatMap((issue: unknown): WorkflowIssue[] =>
      typeof issue === 'object' && issue !== null && 'message' in issue && typeof issue.message === 'string'
        ? [
            {
              path: 'path' in issue && typeof issue.path === 'string' ? issue.path : '',
              message: issue.message,
            },
          ]
        : [],
    );
    if (list.length > 0) return list;
  }
  const errors = error.details?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    // Registry errors are strings `"/json/pointer: message"`; split them back into issues.
    return errors.map((entry: unknown) => {
      const match = /^(\/[^:\s]*): ([\s\S]*)$/.exec(String(entry));
      return match ? { path: match[1] ?? '', message: match[2] ?? '' } : { path: '', message: String(entry) };
    });
  }
  const pointer = error.details?.pointer;
  return [{ path: typeof pointer === 'string' ? pointer : '', message: error.message }];
}

function fromEngineError(error: EngineError): CliError {
  switch (error.code) {
    case 'WORKFLOW_NOT_FOUND':
      return cliError('WORKFLOW_NOT_FOUND', error.message, error.details);
    case 'WORKFLOW_INVALID':
    case 'COMPILE_FAILED':
      return cliError('WORKFLOW_INVALID', error.message, { ...error.details, issues: issuesOf(error) });
    default:
      return cliError('ENGINE_ERROR', error.message, { engineCode: error.code, ...error.details });
  }
}

// ---------------------------------------------------------------------------------------------- list

export interface WorkflowListOptions extends WorkflowSourceOptions {}

export interface WorkflowListOutput {
  readonly workflows: readonly {
    readonly workflowId: string;
    readonly name: string;
    readonly version: string;
    readonly description: string;
    readonly source: { readonly kind: string; readonly path: string };
  }[];
  /** Files that were found but failed validation; they are skipped, not fatal. */
  readonly invalid: readonly {
    readonly path: string;
    readonly workflowId: string | null;
    readonly errors: readonly string[];
  }[];
}

/** `worktrain workflow list`: every workflow visible from the configured sources (later sources shadow earlier). */
export async function executeWorkflowList(
  deps: CliDeps,
  opts: WorkflowListOptions,
): Promise<Result<WorkflowListOutput, CliError>> {
  const built = await buildWorkflowRegistry(deps, opts);
  if (built.isErr()) return err(built.error);
  const { registry, workspacePath } = built.value;
  return registry
    .list(workspacePath === undefined ? {} : { workspacePath })
    .mapErr(fromEngineError)
    .map((listed) => ({
      workflows: listed.workflows
        .map((w) => {
          const summary = summarizeDefinition(w.definition);
          return {
            workflowId: w.workflowId,
            name: summary.name,
            version: summary.version,
            description: summary.description,
            source: w.source,
          };
        })
        .sort((a, b) => a.workflowId.localeCompare(b.workflowId)),
      invalid: listed.invalid,
    }));
}

// ---------------------------------------------------------------------------------------------- show

export interface WorkflowShowOptions extends WorkflowSourceOptions {
  readonly workflowId: string;
}

export interface WorkflowShowOutput extends WorkflowSummary {
  readonly source: { readonly kind: string; readonly path: string };
  /** The definition as authored (validated JSON). */
  readonly definition: JsonValue;
}

/** `worktrain workflow show <id>`: the definition's metadata and its steps as authored. */
export async function executeWorkflowShow(
  deps: CliDeps,
  opts: WorkflowShowOptions,
): Promise<Result<WorkflowShowOutput, CliError>> {
  const built = await buildWorkflowRegistry(deps, opts);
  if (built.isErr()) return err(built.error);
  const { registry, workspacePath } = built.value;
  return getWorkflow(registry, opts.workflowId, workspacePath).map((loaded) => ({
    ...summarizeDefinition(loaded.definition),
    source: loaded.source,
    definition: loaded.definition,
  }));
}

function getWorkflow(registry: WorkflowRegistry, workflowId: string, workspacePath: string | undefined) {
  return registry
    .get(workflowId, workspacePath === undefined ? {} : { workspacePath })
    .mapErr(fromEngineError);
}

// ------------------------------------------------------------------------------------------- preview

export interface WorkflowPreviewOptions extends WorkflowSourceOptions {
  readonly workflowId: string;
}

export interface WorkflowPreviewOutput {
  readonly workflowId: string;
  readonly workflowHash: string;
  /** Step-by-step preview text of the compiled workflow. */
  readonly text: string;
  /** The engine's inspect document (`inspectWorkflow` mode preview), printed with `--format json`. */
  readonly inspect: JsonValue;
}

/**
 * `worktrain workflow preview <id>`: compiles the workflow as a session would (workspace bindings, routines
 * from the same sources) through the engine's `inspectWorkflow`, and shows the resulting step sequence.
 * The engine gets a throw-away in-memory store and keyring: inspecting writes nothing anywhere.
 */
export async function executeWorkflowPreview(
  deps: CliDeps,
  opts: WorkflowPreviewOptions,
): Promise<Result<WorkflowPreviewOutput, CliError>> {
  const built = await buildWorkflowRegistry(deps, opts);
  if (built.isErr()) return err(built.error);
  const { registry, workspacePath } = built.value;
  const { createEngine, createMemoryKeyring } = await import('@worktrain/engine');
  const engine = createEngine({
    store: createMemorySessionStore(),
    keyring: createMemoryKeyring(),
    workflows: registry,
  });
  const inspected = await engine.inspectWorkflow({
    workflowId: opts.workflowId,
    mode: 'preview',
    ...(workspacePath === undefined ? {} : { workspacePath }),
  });
  if (inspected.isErr()) return err(fromEngineError(inspected.error));
  const { workflowId, workflowHash, compiled } = inspected.value;
  const text =
    typeof compiled === 'object' && compiled !== null && !Array.isArray(compiled)
      ? compiled.preview
      : undefined;
  return ok({ workflowId, workflowHash, text: typeof text === 'string' ? text : '', inspect: compiled });
}

// ------------------------------------------------------------------------------------------ validate

export interface WorkflowValidateOptions {
  /** Path of the workflow JSON file (relative to `deps.cwd`). */
  readonly file: string;
}

/** Verdict of `workflow validate`: the JSON document printed with `--format json`. */
export interface WorkflowValidateOutput {
  readonly valid: boolean;
  /** The definition's `id` when it could be read, else null. */
  readonly workflowId: string | null;
  /** `sha256:<hex>` of the compiled workflow; present only when valid. */
  readonly workflowHash?: string;
  /** Every problem found, `path` a JSON pointer (`` = the whole file). Empty when valid. */
  readonly issues: readonly WorkflowIssue[];
}

/**
 * `worktrain workflow validate <file>`: loads the file with the engine's loader (`loadWorkflowFile`: the
 * registry's own limits and code path, so validate and the daemon agree: a file over 4 MiB is refused
 * unread), then compiles it. An invalid workflow is an ok result with `valid: false` (exit 1); a file that
 * cannot be read is an error (FILE_NOT_FOUND, FILE_UNREADABLE).
 */
export async function executeWorkflowValidate(
  deps: CliDeps,
  opts: WorkflowValidateOptions,
): Promise<Result<WorkflowValidateOutput, CliError>> {
  const path = resolvePath(deps, opts.file);
  const { compileWorkflow, loadWorkflowFile, validateWorkflowDefinition } = await import('@worktrain/engine');
  const load = await loadWorkflowFile(path);
  if (!load.ok) {
    if (load.unreadable !== undefined) return err(unreadableFile(path, load.unreadable));
    return ok({ valid: false, workflowId: load.workflowId, issues: load.issues });
  }
  // Loaded means valid against the schema (memoised: no second validation); compiling finds the rest.
  const validated = validateWorkflowDefinition(load.definition);
  if (validated.isErr())
    return ok({ valid: false, workflowId: load.workflowId, issues: issuesOf(validated.error) });
  const compiled = compileWorkflow(validated.value, { bindings: {} });
  if (compiled.isErr())
    return ok({ valid: false, workflowId: load.workflowId, issues: issuesOf(compiled.error) });
  return ok({
    valid: true,
    workflowId: compiled.value.workflowId,
    workflowHash: compiled.value.hash,
    issues: [],
  });
}

/** The CLI error of a workflow file the loader could not read (`errno`: ENOENT, EISDIR, ...). */
function unreadableFile(path: string, errno: string): CliError {
  if (errno === 'ENOENT') return cliError('FILE_NOT_FOUND', `File not found: ${path}`, { path });
  if (errno === 'EISDIR') return cliError('FILE_UNREADABLE', `Is a directory, not a file: ${path}`, { path });
  return cliError('FILE_UNREADABLE', `Cannot read ${path} (${errno})`, { path, errno });
}

/** One file's verdict of `workflow validate` given several files. */
export interface WorkflowValidateFileOutput extends WorkflowValidateOutput {
  /** The file as given on the command line. */
  readonly file: string;
}

/**
 * `workflow validate` of several files (e.g. a shell glob in CI), one verdict each in the given order.
 * Errors: the first file that cannot be read (FILE_NOT_FOUND, ...), as for one file.
 */
export async function executeWorkflowValidateAll(
  deps: CliDeps,
  files: readonly string[],
): Promise<Result<WorkflowValidateFileOutput[], CliError>> {
  const verdicts: WorkflowValidateFileOutput[] = [];
  for (const file of files) {
    const verdict = await executeWorkflowValidate(deps, { file });
    if (verdict.isErr()) return err(verdict.error);
    verdicts.push({ file, ...verdict.value });
  }
  return ok(verdicts);
}

// -------------------------------------------------------------------------------------- registration

function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

interface SourceFlags {
  workflows?: string[];
  workspace?: string;
}

function addSourceOptions(command: Command): Command {
  return command
    .option(
      '--workflows <dir>',
      'extra workflow directory (repeatable; later ones shadow earlier ones)',
      collect,
    )
    .option(
      '--workspace <path>',
      'a workspace whose .worktrain/workflows (or .workrail/workflows) is also read',
    );
}

function sourceOptions(flags: SourceFlags, home: string | undefined): WorkflowSourceOptions {
  return {
    ...(home !== undefined ? { home } : {}),
    ...(flags.workflows ? { workflowDirs: flags.workflows } : {}),
    ...(flags.workspace ? { workspacePath: flags.workspace } : {}),
  };
}

/** Registers `worktrain workflow list|show|validate|preview`. */
export function registerWorkflowCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const workflow = program.command('workflow').description('list, inspect, validate and preview workflows');

  addSourceOptions(
    workflow.command('list').description('list available workflows (id, name, version, source)'),
  ).action(async (flags: SourceFlags, command: Command) => {
    await ctx.run(command, (g) => executeWorkflowList(deps, sourceOptions(flags, g.home)), {
      text: renderWorkflowList,
    });
  });

  addSourceOptions(
    workflow
      .command('show')
      .description("show a workflow's definition: metadata and steps")
      .argument('<id>', 'workflow id'),
  ).action(async (workflowId: string, flags: SourceFlags, command: Command) => {
    await ctx.run(
      command,
      (g) => executeWorkflowShow(deps, { ...sourceOptions(flags, g.home), workflowId }),
      {
        text: renderWorkflowShow,
      },
    );
  });

  workflow
    .command('validate')
    .description(
      'validate and compile workflow files; exit 0 when all are valid, 1 with every issue otherwise ' +
        '(one file: a verdict object in json; several: an array of verdicts, each with its file)',
    )
    .argument('<files...>', 'workflow JSON files')
    .action(async (files: string[], _flags: unknown, command: Command) => {
      const [first] = files;
      if (files.length === 1 && first !== undefined) {
        await ctx.run(command, () => executeWorkflowValidate(deps, { file: first }), {
          text: (out) => renderWorkflowValidate(first, out),
          failed: (out) => !out.valid,
        });
        return;
      }
      await ctx.run(command, () => executeWorkflowValidateAll(deps, files), {
        text: (outs) => {
          const invalid = outs.filter((o) => !o.valid).length;
          return [
            ...outs.map((o) => renderWorkflowValidate(o.file, o)),
            `${outs.length - invalid} of ${outs.length} valid`,
          ].join('\n');
        },
        failed: (outs) => outs.some((o) => !o.valid),
      });
    });

  addSourceOptions(
    workflow
      .command('preview')
      .description('compile a workflow and show its steps in order (json: the inspect document)')
      .argument('<id>', 'workflow id'),
  ).action(async (workflowId: string, flags: SourceFlags, command: Command) => {
    await ctx.run(
      command,
      (g) => executeWorkflowPreview(deps, { ...sourceOptions(flags, g.home), workflowId }),
      {
        text: (out) => out.text,
        json: (out) => out.inspect,
      },
    );
  });
}
