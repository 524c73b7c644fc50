import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // The host application provides these (see README: a published provider lists them as peerDependencies).
  external: ['@worktrain/triggers', 'zod', 'neverthrow'],
});
