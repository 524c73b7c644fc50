/**
 * `worktrain demo`: runs the same offline demo as `pnpm demo` (`scripts/demo-daemon.ts`: a labelled GitHub
 * issue becomes a pull request through the real daemon, on local doubles) or, with `--mcp`, `pnpm demo:mcp`
 * (`scripts/demo.ts`: the interactive MCP core). The scripts are the single implementation; this command
 * finds them in the WorkTrain source checkout and runs them with tsx. The demos use the private test doubles
 * (`@worktrain/testkit`), so they exist only in a checkout, not in a published install.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { err, ok, type Result } from '@worktrain/contracts';
import type { Command } from 'commander';
import { type CliError, cliError } from '../cli-error.js';
import type { CliDeps } from '../deps.js';
import type { CommandContext } from '../program.js';

export type DemoKind = 'daemon' | 'pipeline' | 'mcp';

export interface DemoOutput {
  readonly demo: DemoKind;
  readonly script: string;
  readonly exitCode: number;
  /** Wall clock of the demo in ms. */
  readonly durationMs: number;
}

/** Where the demo lives: the checkout root, its script, and the tsx loader to run it with. */
export interface DemoLocation {
  readonly root: string;
  readonly script: string;
  readonly tsxLoader: string;
}

const SCRIPTS = {
  daemon: 'scripts/demo-daemon.ts',
  pipeline: 'scripts/demo-pipeline.ts',
  mcp: 'scripts/demo.ts',
} as const;
/** Built entry points the demo starts as child processes (`pnpm demo` builds them first). */
const BUILT = ['apps/daemon/dist/main.js', 'apps/cli/dist/main.js'];

/**
 * Finds the WorkTrain checkout above `fromDir` (a directory with `pnpm-workspace.yaml` and the demo
 * script). Errors: FILE_NOT_FOUND (not in a checkout, or tsx is not installed), DAEMON_ERROR (not built).
 */
export function locateDemo(fromDir: string, demo: DemoKind): Result<DemoLocation, CliError> {
  let dir = fromDir;
  for (let i = 0; i < 10; i++) {
    const script = join(dir, SCRIPTS[demo]);
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(script)) {
      const missing = BUILT.filter((f) => !existsSync(join(dir, f)));
      if (missing.length > 0)
        return err(
          cliError(
            'DAEMON_ERROR',
            `The demo needs a build: ${missing.join(', ')} missing. Run \`pnpm build\` in ${dir} (or \`pnpm demo\`, which builds first).`,
            { root: dir, missing },
          ),
        );
      let tsx: string;
      try {
        tsx = pathToFileURL(createRequire(join(dir, 'package.json')).resolve('tsx')).href;
      } catch {
        return err(
          cliError('FILE_NOT_FOUND', `tsx is not installed in ${dir}; run \`pnpm install\` there.`, {
            root: dir,
          }),
        );
      }
      return ok({ root: dir, script, tsxLoader: tsx });
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return err(
    cliError(
      'FILE_NOT_FOUND',
      'The demo ships with the WorkTrain source checkout (it uses the private test doubles): clone the repository, run `pnpm install && pnpm build`, then `worktrain demo` or `pnpm demo` there.',
    ),
  );
}

/**
 * Runs the demo script as a child process in the checkout and streams its lines to `out` (stdout for text,
 * stderr with `--format json` so stdout holds one document). The result is ok with the script's exit code;
 * the command fails (exit 1) when it is not 0. Ctrl-C stops the demo (SIGTERM to the script).
 */
export async function executeDemo(
  deps: CliDeps,
  opts: { demo: DemoKind; cleanup: boolean; out: (text: string) => void },
): Promise<Result<DemoOutput, CliError>> {
  const located = locateDemo(dirname(fileURLToPath(import.meta.url)), opts.demo);
  if (located.isErr()) return err(located.error);
  const { root, script, tsxLoader } = located.value;
  const started = deps.clock.now();
  const args = ['--import', tsxLoader, script, ...(opts.cleanup && opts.demo !== 'mcp' ? ['--cleanup'] : [])];
  const exitCode = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...deps.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => opts.out(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => deps.stderr(chunk));
    const stop = (): void => void child.kill('SIGTERM');
    deps.signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (e) => {
      deps.stderr(`cannot start the demo: ${e.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      deps.signal?.removeEventListener('abort', stop);
      resolve(code ?? (signal !== null ? 130 : 1));
    });
  });
  return ok({ demo: opts.demo, script, exitCode, durationMs: deps.clock.now() - started });
}

export function registerDemoCommand(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description(
      'run an offline demo through the real daemon on local doubles: `daemon` (default, same as pnpm demo: a labelled issue becomes a PR), `pipeline` (pnpm demo:pipeline: code, review, two fix rounds, CI, merge, verify) or `mcp`',
    )
    .argument('[demo]', 'daemon | pipeline | mcp', 'daemon')
    .option('--mcp', 'run the interactive MCP demo instead (same as pnpm demo:mcp)')
    .option('--cleanup', 'remove the demo temp directory at the end (default: kept to look around)')
    .action(async (which: string, raw: { mcp?: boolean; cleanup?: boolean }, command: Command) => {
      await ctx.run(
        command,
        async (g) => {
          const demo: DemoKind | null =
            raw.mcp === true
              ? 'mcp'
              : which === 'pipeline' || which === 'mcp' || which === 'daemon'
                ? which
                : null;
          if (demo === null)
            return err(
              cliError('USAGE', `unknown demo '${which}': use daemon, pipeline or mcp`, { demo: which }),
            );
          // The pipeline demo's last line is its result document: with --format json it alone goes to stdout.
          let last = '';
          let result: string | null = null;
          const lines = (text: string): void => {
            const all = `${last}${text}`.split('\n');
            last = all.pop() ?? '';
            for (const line of all) {
              if (demo === 'pipeline' && g.format === 'json' && /^\{".*\}$/.test(line)) result = line;
              else (g.format === 'json' ? ctx.deps.stderr : ctx.deps.stdout)(`${line}\n`);
            }
          };
          const ran = await executeDemo(ctx.deps, { demo, cleanup: raw.cleanup === true, out: lines });
          if (last !== '') lines('\n');
          if (ran.isOk() && result !== null) ctx.deps.stdout(`${result}\n`);
          return ran.map((o) => ({ ...o, printed: result !== null }));
        },
        {
          text: (o) => (o.exitCode === 0 ? '' : `demo failed (exit ${o.exitCode})`),
          json: (o) => (o.printed ? undefined : o),
          failed: (o) => o.exitCode !== 0,
        },
      );
    });
}
