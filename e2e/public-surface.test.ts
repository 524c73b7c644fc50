/**
 * The built packages' public surfaces change only on purpose, and light entries stay light.
 *
 * - Exported names of each built entry are compared with a committed file snapshot (`e2e/surface/*.json`);
 *   update deliberately with `npx vitest run e2e/public-surface.test.ts -u` and review the diff.
 * - The engine and the MCP server must not pull in anything daemon-only (queue, runtime, agent, triggers,
 *   delivery, native SQLite for the engine, HTTP servers, forge or model SDKs): checked on the built files,
 *   following their relative chunk imports.
 *
 * Needs `pnpm build` first (the root `pnpm test` builds before running vitest).
 */
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function built(entry: string): string {
  const file = join(root, entry);
  if (!existsSync(file)) throw new Error(`${entry} is missing: run \`npx pnpm@10 build\` first`);
  return file;
}

/** Bare module specifiers imported by `file` and the local chunks it imports, transitively. */
function bareImports(file: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>();
  if (seen.has(file)) return found;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g),
    ...text.matchAll(/(?:^|[\s;])import\s*["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1] as string);
  for (const spec of specifiers) {
    if (spec.startsWith('.')) {
      for (const dep of bareImports(resolve(dirname(file), spec), seen)) found.add(dep);
    } else {
      found.add(
        spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string),
      );
    }
  }
  return found;
}

const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);

const DAEMON_ONLY = [
  '@worktrain/queue',
  '@worktrain/runtime',
  '@worktrain/agent',
  '@worktrain/triggers',
  '@worktrain/delivery',
  '@worktrain/workspace',
  '@worktrain/testkit',
  'pg',
  'hono',
  '@hono/node-server',
  '@anthropic-ai/sdk',
  '@octokit/rest',
  'execa',
];

describe('light entries', () => {
  it('the engine imports only contracts, zod and Node built-ins (no SQLite, no daemon code)', () => {
    const deps = [...bareImports(built('packages/engine/dist/index.js'))].filter((d) => !isBuiltin(d));
    expect(deps.sort()).toEqual(['@worktrain/contracts', 'zod']);
  });

  it('the MCP server pulls in nothing daemon-only', () => {
    const deps = new Set([
      ...bareImports(built('apps/mcp-server/dist/main.js')),
      ...bareImports(built('apps/mcp-server/dist/index.js')),
    ]);
    expect(DAEMON_ONLY.filter((d) => deps.has(d))).toEqual([]);
  });
});

describe('public surfaces', () => {
  const entries = {
    contracts: 'packages/contracts/dist/index.js',
    'session-store': 'packages/session-store/dist/index.js',
    engine: 'packages/engine/dist/index.js',
    workflows: 'packages/workflows/dist/index.js',
    'mcp-server': 'apps/mcp-server/dist/index.js',
  } as const;

  for (const [name, entry] of Object.entries(entries)) {
    it(`@worktrain/${name} exports exactly the reviewed names`, async () => {
      const mod: Record<string, unknown> = await import(pathToFileURL(built(entry)).href);
      const names = Object.keys(mod).sort();
      expect(names.length).toBeGreaterThan(0);
      await expect(`${JSON.stringify(names, null, 2)}\n`).toMatchFileSnapshot(`surface/${name}.json`);
    });
  }
});
