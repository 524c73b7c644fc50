/**
 * The CLI starts light: the modules `main.ts` loads before any command runs import only small packages.
 * The heavy ones (runtime, agent, delivery, triggers, workspace, queue backends, engine, forge and model
 * SDKs) are loaded with `await import()` by the commands that use them, so `--version`, `--help` and light
 * commands do not pay for them. This follows the static imports of the sources (type-only imports and
 * dynamic `import()` excluded), which is also what the build bundles into the start-up chunk.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APPROVAL_STATES as DELIVERY_APPROVAL_STATES } from '@worktrain/delivery';
import { TASK_STATES as QUEUE_TASK_STATES } from '@worktrain/queue';
import { SERVICE_PLATFORMS as RUNTIME_SERVICE_PLATFORMS } from '@worktrain/runtime';
import { describe, expect, it } from 'vitest';
import { APPROVAL_STATES } from './commands/approvals.js';
import { SERVICE_PLATFORMS } from './commands/daemon-install.js';
import { TASK_STATES } from './commands/queue.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** Static, value-level `import … from` / `export … from` / `import '…'` specifiers of a TypeScript source. */
function staticImports(text: string): string[] {
  const specifiers: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm)) {
    if (m[1] === undefined) specifiers.push(m[2] as string);
  }
  for (const m of text.matchAll(/^import\s*['"]([^'"]+)['"]/gm)) specifiers.push(m[1] as string);
  return specifiers;
}

/** Packages (not Node built-ins) loaded at start-up: the static import graph below `file`. */
function startupPackages(file: string, seen = new Set<string>(), found = new Set<string>()): Set<string> {
  if (seen.has(file)) return found;
  seen.add(file);
  for (const spec of staticImports(readFileSync(file, 'utf8'))) {
    if (spec.startsWith('.'))
      startupPackages(resolve(dirname(file), spec.replace(/\.js$/, '.ts')), seen, found);
    else if (!spec.startsWith('node:') && !builtinModules.includes(spec))
      found.add(
        spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
      );
  }
  return found;
}

describe('CLI start-up', () => {
  it('loads only commander, zod, contracts, session-store and workflows before a command runs', () => {
    expect([...startupPackages(MAIN)].sort()).toEqual([
      '@worktrain/contracts',
      '@worktrain/session-store',
      '@worktrain/workflows',
      'commander',
      'zod',
    ]);
  });

  it("keeps its copies of the packages' state lists equal to the originals", () => {
    // Copied so that help text and option parsing need not load @worktrain/delivery, queue or runtime.
    expect(APPROVAL_STATES).toEqual(DELIVERY_APPROVAL_STATES);
    expect(TASK_STATES).toEqual(QUEUE_TASK_STATES);
    expect(SERVICE_PLATFORMS).toEqual(RUNTIME_SERVICE_PLATFORMS);
  });
});
