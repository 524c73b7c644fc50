import { err, ok, type Result, type SessionEvent } from '@worktrain/contracts';
import { findArtifactContract } from '@worktrain/engine';
import * as z from 'zod';
import { type DeliveryError, deliveryError } from './errors.js';

export const CODING_HANDOFF_CONTRACT_REF = 'wr.contracts.coding_handoff';

/**
 * The fields of `wr.coding_handoff` delivery reads. Validation itself uses the engine's registered schema
 * (the single source of truth); this view only types the already-validated value.
 * TODO(lead): switch to `CodingHandoffArtifactSchema` once `@worktrain/engine` exports it.
 */
const HandoffView = z.looseObject({
  kind: z.literal('wr.coding_handoff'),
  branchName: z.string().optional(),
  keyDecisions: z.array(z.string()),
  knownLimitations: z.array(z.string()),
  testsAdded: z.array(z.string()),
  filesChanged: z.array(z.string()),
  correctedAssumptions: z.array(z.object({ assumed: z.string(), actual: z.string() })).optional(),
  prBody: z.string().optional(),
  prTemplate: z.string().optional(),
});
export type CodingHandoff = z.infer<typeof HandoffView>;

/** What a session handed to delivery: the typed artifact, the notes of the step that produced it, and the
 *  session's title/goal (from `session_created`). */
export interface ParsedHandoff {
  readonly handoff: CodingHandoff;
  readonly notesMarkdown: string | null;
  readonly title: string | null;
  readonly goal: string | null;
  /** Seq of the `output_appended` event the artifact came from. */
  readonly seq: number;
}

/**
 * Finds the newest `wr.coding_handoff` artifact in a session's events and validates it with the engine's
 * schema. HANDOFF_MISSING when there is none, HANDOFF_INVALID (details.issues: path + message) when the newest
 * one does not validate.
 */
export function parseHandoff(events: readonly SessionEvent[]): Result<ParsedHandoff, DeliveryError> {
  const contract = findArtifactContract(CODING_HANDOFF_CONTRACT_REF);
  if (contract === undefined) throw new Error(`engine does not register ${CODING_HANDOFF_CONTRACT_REF}`);
  const created = events.find((e) => e.kind === 'session_created');
  const title = created?.kind === 'session_created' ? (created.data.title ?? null) : null;
  const goal = created?.kind === 'session_created' ? (created.data.goal ?? null) : null;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (event?.kind !== 'output_appended') continue;
    const artifacts = event.data.artifacts;
    for (let j = artifacts.length - 1; j >= 0; j--) {
      const artifact = artifacts[j];
      if (typeof artifact !== 'object' || artifact === null || Array.isArray(artifact)) continue;
      if (artifact.kind !== contract.artifactKind) continue;
      const checked = contract.schema.safeParse(artifact);
      const viewed = HandoffView.safeParse(artifact);
      if (!checked.success || !viewed.success) {
        const issues = (checked.error ?? viewed.error)?.issues.map((issue) => ({
          path: issue.path.map(String).join('/'),
          message: issue.message,
        }));
        return err(
          deliveryError(
            'HANDOFF_INVALID',
            `The coding handoff at seq ${event.seq} does not match ${contract.ref}`,
            {
              seq: event.seq,
              issues,
            },
          ),
        );
      }
      return ok({
        handoff: viewed.data,
        notesMarkdown: event.data.notesMarkdown ?? null,
        title,
        goal,
        seq: event.seq,
      });
    }
  }
  return err(
    deliveryError('HANDOFF_MISSING', `The session has no ${contract.artifactKind} artifact to deliver`, {
      contractRef: contract.ref,
    }),
  );
}
