import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binArgs } from '../../../scripts/test-bins.js';

/** The CLI's entry point, run from source (no build needed, never stale). */
export const CLI_MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

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
 * Runs `worktrain <args>` as a real child process: the built bin when every build is fresh, else node with
 * the `@worktrain/source` export condition and tsx over the sources (see scripts/test-bins.ts;
 * `WORKTRAIN_TEST_BIN_FROM_SOURCE=1` forces the source run).
 */
export function runWorktrain(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  const child = spawnWorktrain(args, options);
  return collect(child, options.timeoutMs ?? 60_000);
}

export function spawnWorktrain(args: readonly string[], options: CliRunOptions) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('WORKTRAIN_') && !key.startsWith('VITEST')) env[key] = value;
  }
  Object.assign(env, { WORKTRAIN_HOME: options.home, NO_COLOR: '1' }, options.env ?? {});
  return spawn(process.execPath, [...binArgs('cli'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
