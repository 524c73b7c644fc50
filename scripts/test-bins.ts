/**
 * How tests start the project's bins (`worktrain`, `worktrain-daemon`, `worktrain-mcp`) as real child
 * processes.
 *
 * When every workspace package's build and the app's build are newer than their sources (`pnpm test`
 * builds first, so CI always is), tests run the built bin: what users run, and it starts in a fraction of
 * the time node + tsx needs to compile the TypeScript sources on every start (~1 s against ~3 s for the
 * CLI, ~2 s against ~6 s for the daemon's imports, on a 2-core machine). Otherwise (a developer edited
 * sources after the last build) they run node with the '@worktrain/source' export condition and tsx over
 * the sources, so a test never runs stale code. `WORKTRAIN_TEST_BIN_FROM_SOURCE=1` forces the source run.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The apps with a bin the tests start: directory under apps/, bin under its bin/. */
const APPS = {
  cli: { dir: 'apps/cli', bin: 'bin/worktrain.js' },
  daemon: { dir: 'apps/daemon', bin: 'bin/worktrain-daemon.js' },
  mcp: { dir: 'apps/mcp-server', bin: 'bin/worktrain-mcp.js' },
} as const;

export type TestBinApp = keyof typeof APPS;

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
 * True when every workspace package's and `appDir`'s `dist/*.js` is newer than the newest file of the
 * same package's `src/`, so the built bin runs exactly the code under test.
 */
export function buildIsFresh(appDir: string): boolean {
  const dirs = [
    ...readdirSync(join(REPO_ROOT, 'packages')).map((name) => join(REPO_ROOT, 'packages', name)),
    join(REPO_ROOT, appDir),
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

const decided = new Map<TestBinApp, readonly string[]>();

/**
 * The node arguments (before the bin's own arguments) that run `app`: `[bin]` when its build is fresh
 * (decided once per test process), else `['--conditions=@worktrain/source', '--import', tsx, src/main.ts]`.
 * Spawn them with `process.execPath`, cwd inside the repository.
 */
export function binArgs(app: TestBinApp): readonly string[] {
  const known = decided.get(app);
  if (known !== undefined) return known;
  const { dir, bin } = APPS[app];
  const args =
    process.env.WORKTRAIN_TEST_BIN_FROM_SOURCE !== '1' && buildIsFresh(dir)
      ? [join(REPO_ROOT, dir, bin)]
      : ['--conditions=@worktrain/source', '--import', TSX_LOADER, join(REPO_ROOT, dir, 'src/main.ts')];
  decided.set(app, args);
  return args;
}
