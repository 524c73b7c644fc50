import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The CLI's entry point, run from source (no build needed, never stale). */
export const CLI_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliRunOptions {
  /** WORKTRAIN_HOME of the child (always set, so tests never touch ~/.worktrain). */
  readonly home: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the child after this many ms (default 60 000). */
  readonly timeoutMs?: number;
}

/**
 * Runs `worktrain <args>` as a real child process: the built bin when every build is fresh (see
 * `buildIsFresh`), else node with the `@worktrain/source` export condition and tsx, so workspace packages
 * resolve to their TypeScript sources. `WORKTRAIN_TEST_CLI_FROM_SOURCE=1` forces the source run.
 */
export function runWorktrain(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  const child = spawnWorktrain(args, options);
  return collect(child, options.timeoutMs ?? 60_000);
}

/** The built bin (`pnpm build`): what users run, and half the start-up time of tsx over the sources. */
const CLI_BIN = fileURLToPath(new URL('../bin/worktrain.js', import.meta.url));

/** Newest mtime (ms) of the files below `dir`, 0 when it does not exist. */
function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * True when every workspace package's (and the CLI's) build is newer than its sources, so the built bin
 * runs exactly the code under test; otherwise the tests run the CLI from source (never stale).
 * `pnpm test` builds first; a developer editing sources between builds gets the source run.
 */
function buildIsFresh(): boolean {
  const dirs = [
    ...readdirSync(join(REPO_ROOT, 'packages')).map((name) => join(REPO_ROOT, 'packages', name)),
    join(REPO_ROOT, 'apps/cli'),
  ];
  for (const dir of dirs) {
    const src = newestMtime(join(dir, 'src'));
    if (src === 0) continue;
    const dist = join(dir, 'dist');
    if (!existsSync(dist)) return false;
    const built = readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .map((f) => statSync(join(dist, f)).mtimeMs);
    if (built.length === 0 || Math.min(...built) < src) return false;
  }
  return true;
}

const USE_BUILD = process.env.WORKTRAIN_TEST_CLI_FROM_SOURCE !== '1' && buildIsFresh();

export function spawnWorktrain(args: readonly string[], options: CliRunOptions) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('WORKTRAIN_') && !key.startsWith('VITEST')) env[key] = value;
  }
  Object.assign(env, { WORKTRAIN_HOME: options.home, NO_COLOR: '1' }, options.env ?? {});
  return spawn(
    process.execPath,
    USE_BUILD
      ? [CLI_BIN, ...args]
      : ['--conditions=@worktrain/source', '--import', TSX_LOADER, CLI_MAIN, ...args],
    {
      cwd: options.cwd ?? REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

export function collect(child: ReturnType<typeof spawn>, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses stdout as exactly one JSON document (throws with the raw text when it is not). */
export function parseJson(run: CliRun): unknown {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { readonly path: string; readonly cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `worktrain-cli-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
