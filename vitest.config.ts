import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One root config: every package's unit tests (src/**/*.test.ts) and integration tests (test/**/*.test.ts).
// The '@worktrain/source' export condition resolves sibling packages to their TypeScript sources, so tests
// never depend on a stale build of a sibling.
// Vite's default server conditions plus ours; 'import' must not be listed (it leaks into CommonJS packages'
// own require() calls, e.g. pg requiring pg-pool).
const conditions = ['@worktrain/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@worktrain/source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'e2e/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on CI's 2-core machine, where most
    // test files spend their time waiting on child processes (daemon, CLI, git) rather than on the CPU.
    // Two workers there measured 185 s -> 155 s on 407 tests (delivery, workspace, five daemon files).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
