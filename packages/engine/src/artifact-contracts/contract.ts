import type { JsonValue } from '@worktrain/contracts';
import type * as z from 'zod';

/**
 * A typed output contract a step can declare (`outputContract.contractRef`): the artifact the agent must put
 * in `output.artifacts`, identified by its `kind`, and the zod schema it must satisfy.
 */
export interface ArtifactContract {
  /** Reference used in workflow JSON, e.g. `wr.contracts.loop_control`. */
  readonly ref: string;
  /** The artifact's `kind` value, e.g. `wr.loop_control`. */
  readonly artifactKind: string;
  /** One sentence for authors and agents. */
  readonly description: string;
  /** Validates a whole artifact (including `kind`). */
  readonly schema: z.ZodType;
  /** A valid artifact, shown to agents in suggested fixes. */
  readonly example: JsonValue;
}
