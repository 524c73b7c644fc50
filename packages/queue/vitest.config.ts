import { defineConfig } from 'vitest/config';

// Same as the root config, except that SSR resolution leaves out the 'import' condition: with it, `pg`'s
// CommonJS build `require`s the ESM build of `pg-pool` and fails ("Class extends value [object Module]").
// Vite adds 'import'/'require' itself according to how a module is loaded.
const conditions = ['@worktrain/source', 'import', 'module', 'node', 'default'];
const ssrConditions = ['@worktrain/source', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: ssrConditions, externalConditions: ['@worktrain/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
