import { isAbsolute, resolve } from 'node:path';
import { err, ok, type Result } from '@worktrain/contracts';
// Types only: `@worktrain/delivery` (git, forge clients) and delivery-rollback.ts (also the runtime) are
// imported by the commands that use them, so that the CLI starts without loading them.
import type { DeclaredOperation, PatchCheckPolicy, PatchValidation } from '@worktrain/delivery';
import type { Command } from 'commander';
import { type CliError, usageError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import { parseNonNegativeInt, parsePositiveInt } from '../options.js';
import type { CommandContext } from '../program.js';

export interface CheckPatchOptions {
  readonly file: string;
  readonly targets?: string;
  readonly protected?: string;
  readonly approve?: string;
  readonly declare?: string;
  readonly allowExecutable?: string;
  readonly maxFiles?: string;
  readonly maxBytes?: string;
  readonly worktree?: string;
  readonly allowBinary?: boolean;
  readonly allowSymlinks?: boolean;
  readonly protectLockfiles?: boolean;
  readonly gitCheck?: boolean;
}

/** The JSON document of `delivery check-patch`: `ok` and `reasons` as documented, audit data beside them. */
export interface CheckPatchOutput {
  readonly ok: boolean;
  readonly reasons: readonly {
    readonly code: string;
    readonly path: string | null;
    readonly message: string;
  }[];
  readonly needsApproval: boolean;
  readonly sha256: string;
  readonly files: PatchValidation['files'];
  readonly git: PatchValidation['git'];
}

const list = (value: string | undefined): string[] | undefined =>
  value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

function parseDeclared(value: string | undefined): Result<PatchCheckPolicy['declared'], CliError> {
  const entries = list(value);
  if (entries === undefined) return ok(undefined);
  const out: { path: string; operation: DeclaredOperation }[] = [];
  for (const entry of entries) {
    const m = /^(add|delete|update):(.+)$/.exec(entry);
    if (m === null || m[2] === undefined)
      return err(usageError(`option '--declare' expects <add|delete|update>:<path>, got '${entry}'`));
    out.push({ operation: m[1] as DeclaredOperation, path: m[2] });
  }
  return ok(out);
}

/**
 * `worktrain delivery check-patch <file>`: validates a patch file with the patch safety validator of
 * `@worktrain/delivery` (`validatePatch`: structural and policy checks, then `git apply --check`).
 * The verdict is the output; a refused patch is not an error (exit code 1 through the view's `failed`).
 */
export async function executeCheckPatch(
  deps: CliDeps,
  opts: CheckPatchOptions,
): Promise<Result<CheckPatchOutput, CliError>> {
  const maxFiles = parsePositiveInt('--max-files', opts.maxFiles);
  if (maxFiles.isErr()) return err(maxFiles.error);
  const maxBytes = parseNonNegativeInt('--max-bytes', opts.maxBytes);
  if (maxBytes.isErr()) return err(maxBytes.error);
  const declared = parseDeclared(opts.declare);
  if (declared.isErr()) return err(declared.error);
  const path = isAbsolute(opts.file) ? opts.file : resolve(deps.cwd, opts.file);
  const text = await deps.fs.readText(path);
  if (text.isErr()) return err(text.error);
  const targets = list(opts.targets);
  const protectedPaths = list(opts.protected);
  const approved = list(opts.approve);
  const allowExecutable = list(opts.allowExecutable);
  const policy: PatchCheckPolicy = {
    ...(targets === undefined ? {} : { targets }),
    ...(protectedPaths === undefined ? {} : { protectedPaths }),
    ...(approved === undefined ? {} : { approvedProtectedPaths: approved }),
    ...(allowExecutable === undefined ? {} : { allowExecutable }),
    ...(maxFiles.value === undefined ? {} : { maxFiles: maxFiles.value }),
    ...(maxBytes.value === undefined ? {} : { maxBytes: maxBytes.value }),
    ...(declared.value === undefined ? {} : { declared: declared.value }),
    allowBinary: opts.allowBinary === true,
    allowSymlinks: opts.allowSymlinks === true,
    protectLockfiles: opts.protectLockfiles !== false,
  };
  const worktree = opts.worktree === undefined ? undefined : resolve(deps.cwd, opts.worktree);
  if (worktree !== undefined && !deps.fs.exists(worktree))
    return err(usageError(`option '--worktree': no such directory: ${worktree}`));
  const { validatePatch } = await import('@worktrain/delivery');
  const v = await validatePatch(text.value, policy, {
    gitCheck: opts.gitCheck !== false,
    ...(worktree === undefined ? {} : { worktree }),
  });
  return ok({
    ok: v.ok,
    reasons: v.reasons.map((r) => ({ code: r.code, path: r.path, message: r.message })),
    needsApproval: v.needsApproval,
    sha256: v.sha256,
    files: v.files,
    git: v.git,
  });
}

function renderCheckPatch(out: CheckPatchOutput): string {
  const lines = [out.ok ? 'ok: the patch passes every check' : `refused: ${out.reasons.length} reason(s)`];
  for (const r of out.reasons)
    lines.push(`  - ${r.code}${r.path === null ? '' : ` ${r.path}`}: ${r.message}`);
  if (out.needsApproval) lines.push('(only protected paths: approval would let it through)');
  for (const f of out.files)
    lines.push(`  ${f.operation.padEnd(6)} ${f.path}  sha256:${f.sha256.slice(0, 16)}`);
  return lines.join('\n');
}

export function registerDeliveryCommands(program: Command, ctx: CommandContext): void {
  const { deps } = ctx;
  const delivery = program
    .command('delivery')
    .description('delivery tools: patch validation, applying patches, rolling back a delivery');
  delivery
    .command('check-patch')
    .description('check a patch file against the delivery safety policy; exit 0 when ok, 1 when refused')
    .argument('<file>', 'unified diff / git patch file')
    .option('--targets <globs>', 'comma-separated globs of the paths the patch may touch')
    .option(
      '--protected <globs>',
      'comma-separated globs of paths that need approval (replaces the defaults)',
    )
    .option('--approve <globs>', 'comma-separated globs of protected paths that are approved')
    .option('--declare <list>', 'declared operations, comma-separated <add|delete|update>:<path>')
    .option('--allow-executable <globs>', 'comma-separated globs of paths that may be executable')
    .option('--max-files <n>', 'maximum number of files (default 50)')
    .option('--max-bytes <n>', 'maximum patch size in bytes (default 1048576)')
    .option('--worktree <dir>', 'check symlinks in and run git apply --check against this worktree')
    .option('--allow-binary', 'allow binary changes')
    .option('--allow-symlinks', 'allow symlinks that stay inside the tree')
    .option('--no-protect-lockfiles', 'do not require approval for lockfiles')
    .option('--no-git-check', 'skip the git apply --check second opinion')
    .action(async (file: string, flags: Omit<CheckPatchOptions, 'file'>, command: Command) => {
      await ctx.run(command, () => executeCheckPatch(deps, { ...flags, file }), {
        text: renderCheckPatch,
        failed: (out) => !out.ok,
      });
    });

  delivery
    .command('rollback')
    .description(
      "roll back a session's delivery: close its PR/MR with a note and push a revert commit to its branch (idempotent)",
    )
    .argument('<session>', 'session id (sess_…)')
    .option('--reason <text>', 'why; written in the PR/MR note and the session log')
    .option('--repo-path <dir>', 'clone to make the revert in (default: the repository the session ran in)')
    .option('--delivery-id <id>', 'delivery round to roll back (default 1)')
    .action(
      async (
        sessionId: string,
        flags: { reason?: string; repoPath?: string; deliveryId?: string },
        command: Command,
      ) => {
        const { executeRollback, renderRollback } = await import('./delivery-rollback.js');
        await ctx.run(
          command,
          (g) =>
            executeRollback(deps, {
              sessionId,
              ...(g.home === undefined ? {} : { home: g.home }),
              ...(flags.reason === undefined ? {} : { reason: flags.reason }),
              ...(flags.repoPath === undefined ? {} : { repoPath: flags.repoPath }),
              ...(flags.deliveryId === undefined ? {} : { deliveryId: flags.deliveryId }),
            }),
          { text: renderRollback },
        );
      },
    );
  delivery
    .command('apply')
    .description(
      'validate a patch (the delivery rules) and apply it to a worktree and its index; falls back to --3way and reports conflicts',
    )
    .argument('<file>', 'unified diff / git patch file')
    .option('--worktree <dir>', 'worktree to apply in (default: the current directory)')
    .option('--no-3way', 'do not fall back to a three-way merge')
    .option('--check', 'only check whether it applies; change nothing')
    .option('--approve <globs>', 'comma-separated globs of protected paths that are approved')
    .action(
      async (
        file: string,
        flags: { worktree?: string; '3way'?: boolean; check?: boolean; approve?: string },
        command: Command,
      ) => {
        const approve = list(flags.approve);
        const { executeApply, renderApply } = await import('./delivery-rollback.js');
        await ctx.run(
          command,
          () =>
            executeApply(deps, {
              file,
              ...(flags.worktree === undefined ? {} : { worktree: flags.worktree }),
              threeWay: flags['3way'] !== false,
              check: flags.check === true,
              ...(approve === undefined ? {} : { approve }),
            }),
          { text: renderApply },
        );
      },
    );
  delivery
    .command('plan')
    .description(
      "dry run of a session's delivery: branch, commits, diff stat, PR/MR title and body; pushes and opens nothing",
    )
    .argument('<session>', 'session id (sess_…)')
    .option('--worktree <dir>', "worktree to plan from (default: the session's worktree)")
    .option('--base <branch>', "base branch (default: the session's, else main)")
    .option('--template <name>', 'PR/MR template name')
    .action(
      async (
        sessionId: string,
        flags: { worktree?: string; base?: string; template?: string },
        command: Command,
      ) => {
        const { executePlan, renderPlan } = await import('./delivery-rollback.js');
        await ctx.run(
          command,
          (g) =>
            executePlan(deps, {
              sessionId,
              ...(g.home === undefined ? {} : { home: g.home }),
              ...(flags.worktree === undefined ? {} : { worktree: flags.worktree }),
              ...(flags.base === undefined ? {} : { baseBranch: flags.base }),
              ...(flags.template === undefined ? {} : { template: flags.template }),
            }),
          { text: renderPlan },
        );
      },
    );
}
