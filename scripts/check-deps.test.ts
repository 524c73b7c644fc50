import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'check-deps.mjs');

/** Runs `node scripts/check-deps.mjs [root]` as CI does. */
function checkDeps(root?: string) {
  const r = spawnSync(process.execPath, root ? [SCRIPT, root] : [SCRIPT], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let copy: string | undefined;
afterEach(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
  copy = undefined;
});

/**
 * A copy of every package's and app's package.json, and of their src/ when `sources` (the checker reads
 * nothing else). Without sources the copy is small, so the planted-import cases run quickly.
 */
function copyTree({ sources = false } = {}): string {
  copy = mkdtempSync(join(tmpdir(), 'wt-check-deps-'));
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(ROOT, group))) {
      const from = join(ROOT, group, name);
      const src = join(from, 'src');
      cpSync(from, join(copy, group, name), {
        recursive: true,
        filter: (path) =>
          path === from ||
          path === join(from, 'package.json') ||
          (sources && (path === src || path.startsWith(src + sep))),
      });
    }
  }
  return copy;
}

function plant(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

describe('check:deps over source imports', () => {
  it('passes on the real tree', () => {
    const r = checkDeps();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/dependency direction: ok \(\d+ workspace packages; \d+ source files/);
  });

  it('fails on an import that breaks the layering planted in a copy of the tree, naming the file, line and import', () => {
    const root = copyTree({ sources: true });
    plant(
      root,
      'packages/engine/src/planted.ts',
      "// engine must not reach up\nimport { x } from '@worktrain/agent';\n",
    );
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "packages/engine/src/planted.ts:2: @worktrain/engine imports '@worktrain/agent': layer 2 must not import @worktrain/agent (layer 3)",
    );
  });

  it('fails on a lower-layer package imported without declaring it', () => {
    const root = copyTree();
    plant(root, 'packages/workspace/src/planted.ts', "export { openSqliteQueue } from '@worktrain/queue';\n");
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "packages/workspace/src/planted.ts:1: @worktrain/workspace imports '@worktrain/queue', but @worktrain/queue is not in its dependencies or peerDependencies",
    );
    expect(r.stderr).not.toContain('must not import');
  });

  it('sees a dynamic import() and a type-only import in a nested folder', () => {
    const root = copyTree();
    plant(
      root,
      'packages/contracts/src/deep/planted.ts',
      "import type { T } from '@worktrain/queue';\nexport const load = () => import('@worktrain/engine');\n",
    );
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "packages/contracts/src/deep/planted.ts:1: @worktrain/contracts imports '@worktrain/queue': layer 0 must not import",
    );
    expect(r.stderr).toContain(
      "packages/contracts/src/deep/planted.ts:2: @worktrain/contracts imports '@worktrain/engine': layer 0 must not import",
    );
  });

  it('fails on a deep import, an import of an app and a relative path into another package', () => {
    const root = copyTree();
    plant(
      root,
      'apps/daemon/src/planted.ts',
      [
        "import '@worktrain/runtime/src/lifecycle.js';",
        "import '@worktrain/cli';",
        "import '../../../packages/queue/src/index.js';",
        '',
      ].join('\n'),
    );
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "apps/daemon/src/planted.ts:1: @worktrain/daemon imports '@worktrain/runtime/src/lifecycle.js': a deep path",
    );
    expect(r.stderr).toContain(
      "apps/daemon/src/planted.ts:2: @worktrain/daemon imports '@worktrain/cli': @worktrain/cli is an app or unknown",
    );
    expect(r.stderr).toContain(
      "apps/daemon/src/planted.ts:3: @worktrain/daemon imports '../../../packages/queue/src/index.js', outside its package",
    );
  });

  it('accepts a subpath the package exports declare and refuses one they do not', () => {
    const root = copyTree();
    plant(
      root,
      'packages/queue/src/planted.ts',
      [
        "import '@worktrain/contracts/sqlite';",
        "import '@worktrain/contracts/src/sqlite/index.js';",
        '',
      ].join('\n'),
    );
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toContain("imports '@worktrain/contracts/sqlite'");
    expect(r.stderr).toContain(
      "packages/queue/src/planted.ts:2: @worktrain/queue imports '@worktrain/contracts/src/sqlite/index.js': a deep path",
    );
  });

  it('fails on an undeclared third-party package', () => {
    const root = copyTree();
    plant(root, 'packages/engine/src/planted.ts', "import { Cron } from 'croner';\n");
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "packages/engine/src/planted.ts:1: @worktrain/engine imports 'croner', but croner is not in its dependencies",
    );
  });

  it('ignores test files and imports inside comments and strings', () => {
    const root = copyTree();
    plant(root, 'packages/engine/src/planted.test.ts', "import '@worktrain/runtime';\n");
    plant(
      root,
      'packages/engine/src/planted.ts',
      "// import '@worktrain/runtime';\nexport const s = \"import('@worktrain/runtime')\";\n",
    );
    const r = checkDeps(root);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('keeps the layers of the planned packages in the table', () => {
    const root = copyTree();
    // A planned package that lands with a wrong dependency is caught at once.
    plant(
      root,
      'packages/knowledge-graph/package.json',
      JSON.stringify({
        name: '@worktrain/knowledge-graph',
        dependencies: { '@worktrain/contracts': 'workspace:*' },
      }),
    );
    plant(root, 'packages/knowledge-graph/src/index.ts', "export * from '@worktrain/contracts';\n");
    expect(checkDeps(root).status).toBe(0);
    plant(
      root,
      'packages/knowledge-graph/src/planted.ts',
      "export * as kit from '@worktrain/coordinator-kit';\n",
    );
    const r = checkDeps(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      `packages/knowledge-graph/src/planted.ts:1: @worktrain/knowledge-graph imports '@worktrain/coordinator-kit': layer 3 must not import @worktrain/coordinator-kit (layer 4)`,
    );
  });
});
