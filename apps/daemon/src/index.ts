/** `@worktrain/daemon` as a library: the argument parser of the bin (the runtime is `@worktrain/runtime`). */
export type { Invocation } from './args.js';
export { parseInvocation, USAGE } from './args.js';
