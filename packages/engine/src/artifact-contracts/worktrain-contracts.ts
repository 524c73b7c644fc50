/** Output contracts WorkTrain adds on top of WorkRail's (`wr.contracts.*` names, our own kinds). */
import * as z from 'zod';
import type { ArtifactContract } from './contract.js';

/** Triage of a task before planning: size, risk and shape, used by `runCondition`s of later steps. */
export const ClassifyTaskArtifactSchema = z.strictObject({
  kind: z.literal('wr.classify_task'),
  taskComplexity: z.enum(['small', 'medium', 'large']),
  riskLevel: z.enum(['low', 'medium', 'high']),
  hasUI: z.boolean(),
  touchesArchitecture: z.boolean(),
  /** How far the request is specified: a bare idea, a rough description, or a full specification. */
  maturity: z.enum(['idea', 'rough', 'specified']),
  rationale: z.string().max(2000).optional(),
});
export type ClassifyTaskArtifact = z.infer<typeof ClassifyTaskArtifactSchema>;

export const WORKTRAIN_CONTRACTS: readonly ArtifactContract[] = [
  {
    ref: 'wr.contracts.classify_task',
    artifactKind: 'wr.classify_task',
    description:
      'Task triage: complexity, risk level, UI and architecture impact, and specification maturity.',
    schema: ClassifyTaskArtifactSchema,
    example: {
      kind: 'wr.classify_task',
      taskComplexity: 'medium',
      riskLevel: 'low',
      hasUI: false,
      touchesArchitecture: false,
      maturity: 'specified',
      rationale: 'Adds one endpoint behind an existing service; the ticket lists acceptance criteria.',
    },
  },
];
