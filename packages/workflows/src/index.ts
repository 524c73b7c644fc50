/**
 * WorkTrain's bundled workflow library: JSON workflow definitions (WorkRail schema v0.3.0 compatible)
 * shipped in this package's `workflows/` directory. Load them with the engine's registry:
 *
 * ```ts
 * import { bundledWorkflowsDir } from '@worktrain/workflows';
 * createWorkflowRegistry({ sources: [{ kind: 'bundled', dir: bundledWorkflowsDir }] });
 * ```
 */
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the directory holding the bundled `*.json` workflows. Resolved from this module's URL:
 * both `src/index.ts` and the built `dist/index.js` sit one level below the package root.
 */
export const bundledWorkflowsDir: string = fileURLToPath(new URL('../workflows/', import.meta.url)).replace(
  /[\\/]$/,
  '',
);

/** Ids of the bundled workflows (one file `<id>.json` each), sorted. */
export const bundledWorkflowIds: readonly string[] = Object.freeze([
  'wr.bug-investigation',
  'wr.classify-task',
  'wr.coding-task',
  'wr.discovery',
  'wr.mr-review',
  'wr.quick-task',
  'wr.review-fix',
]);
