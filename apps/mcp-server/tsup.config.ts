import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library entry (createWorktrainMcpServer, …): dependencies stay external, types emitted.
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: false,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The bin: dependencies bundled (except the native SQLite addon) so start-up reads a handful of files
    // instead of hundreds of modules — measured ~35% faster to a completed MCP handshake on Node 20.
    entry: ['src/main.ts'],
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: true,
    // Kept external: the native SQLite addon, and the workflow library (it locates its JSON files relative to
    // its own module URL, which bundling would change).
    noExternal: [/^(?!(better-sqlite3|@worktrain\/workflows)(\/|$))/],
    external: ['better-sqlite3', '@worktrain/workflows'],
    // Bundled CommonJS dependencies use require, __filename and __dirname; give them ESM equivalents.
    banner: {
      js: [
        "import { createRequire as __wtCreateRequire } from 'node:module';",
        "import { fileURLToPath as __wtFileURLToPath } from 'node:url';",
        "import { dirname as __wtDirname } from 'node:path';",
        'const require = __wtCreateRequire(import.meta.url);',
        'const __filename = __wtFileURLToPath(import.meta.url);',
        'const __dirname = __wtDirname(__filename);',
      ].join(' '),
    },
  },
]);
