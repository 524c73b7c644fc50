import { defineConfig } from 'vitest/config';

// One root config: every package's unit tests (src/**/*.test.ts) and integration tests (test/**/*.test.ts).
// The '@worktrain/source' export condition resolves sibling packages to their TypeScript sources, so tests
// never depend on a stale build of a sibling.
const conditions = ['@worktrain/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@worktrain/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
