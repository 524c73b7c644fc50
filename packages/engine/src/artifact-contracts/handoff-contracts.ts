/**
 * Phase handoff artifacts of WorkRail pipelines (`wr.discovery_handoff`, `wr.shaping_handoff`,
 * `wr.coding_handoff`, `wr.differentiation_handoff`): what one session passes to the next. Field names and
 * limits follow WorkRail's schemas (EtienneBBeaulac/workrail `src/v2/durable-core/schemas/artifacts/`
 * `discovery-handoff.ts`, `phase-handoff.ts`, `differentiation-handoff.ts`, MIT), re-written here.
 */
import * as z from 'zod';
import type { ArtifactContract } from './contract.js';

/** A short list item: 1..`max` characters. */
const item = (max = 200) => z.string().min(1).max(max);

export const DiscoveryHandoffArtifactSchema = z.strictObject({
  kind: z.literal('wr.discovery_handoff'),
  version: z.literal(1),
  selectedDirection: z.string().min(1),
  /** Path of the design document, or `""` when none was written. */
  designDocPath: z.string(),
  confidenceBand: z.enum(['high', 'medium', 'low']),
  /** Asked for by WorkRail's discovery prompt (not yet in the schema we studied): how far to trust the pick. */
  selectionTier: z
    .enum(['strong_recommendation', 'provisional_recommendation', 'insufficient_signal'])
    .optional(),
  keyInvariants: z.array(item()).max(12),
  rejectedDirections: z
    .array(z.strictObject({ direction: item(), reason: item(300) }))
    .max(5)
    .optional(),
  implementationConstraints: z.array(item()).max(8).optional(),
  keyCodebaseLocations: z
    .array(z.strictObject({ path: item(300), relevance: item(150) }))
    .max(10)
    .optional(),
});
export type DiscoveryHandoffArtifact = z.infer<typeof DiscoveryHandoffArtifactSchema>;

export const ShapingHandoffArtifactSchema = z.strictObject({
  kind: z.literal('wr.shaping_handoff'),
  version: z.literal(1),
  pitchPath: z.string().min(1),
  selectedShape: item(),
  appetite: item(100),
  keyConstraints: z.array(item()).max(8),
  rabbitHoles: z.array(item()).max(6),
  outOfScope: z.array(item()).max(6),
  validationChecklist: z.array(item()).max(10),
});
export type ShapingHandoffArtifact = z.infer<typeof ShapingHandoffArtifactSchema>;

export const CodingHandoffArtifactSchema = z.strictObject({
  kind: z.literal('wr.coding_handoff'),
  version: z.literal(1),
  branchName: z.string().min(1).optional(),
  keyDecisions: z.array(item()).max(8),
  knownLimitations: z.array(item()).max(6),
  testsAdded: z.array(item()).max(10),
  filesChanged: z.array(item(300)).max(20),
  /** Only fix/retry sessions fill this: assumptions of an earlier session that proved wrong. */
  correctedAssumptions: z
    .array(z.strictObject({ assumed: item(), actual: item() }))
    .max(6)
    .optional(),
  /** WorkTrain extension: the PR/MR body, filled from the repository's template (given to the final step
   *  as `deliveryTemplate`); delivery checks it keeps every section of that template. */
  prBody: z.string().min(1).max(60_000).optional(),
  /** WorkTrain extension: name of the PR/MR template `prBody` was filled from (e.g. `bugfix`). */
  prTemplate: item(100).optional(),
});
export type CodingHandoffArtifact = z.infer<typeof CodingHandoffArtifactSchema>;

/** ISO 8601 date-time; offsets allowed (WorkRail required `Z`, we also accept `+02:00`). */
const DATE_TIME = z.iso.datetime({ offset: true });

export const DifferentiationHandoffArtifactSchema = z.strictObject({
  kind: z.literal('wr.differentiation_handoff'),
  version: z.literal(1),
  schemaVersion: z.literal('1.0.0'),
  generatedAt: DATE_TIME,
  evidenceFreshness: z.object({ oldestCapturedAt: DATE_TIME, newestCapturedAt: DATE_TIME }),
  validationChecklist: z.array(item()).max(10),
  /** Shape Up "pitch" primitives handed to the shaping session. */
  shapingHandoff: z.object({
    rawIdea: z.string().min(1),
    problem: z.string().min(1),
    baseline: z.string().min(1),
    appetiteHint: z.enum(['small_batch', 'big_batch']),
    noGosHints: z.array(z.string()),
    constraints: z.object({
      teamSize: z.number().int().positive(),
      technicalCapabilities: z.array(z.string()).min(1),
      exclusions: z.array(z.string()).default([]),
    }),
    /** Ids of the strongest raw findings (UUID-shaped). */
    evidenceTopK: z.array(z.guid()).max(10),
    defensibilityClaim: z.object({
      power: z.enum([
        'Counter-Positioning',
        'Switching Costs',
        'Network Economies',
        'Scale Economies',
        'Cornered Resource',
        'Process Power',
        'Branding',
        'None_Imitable',
      ]),
      cannibalization: z.string(),
    }),
  }),
});
export type DifferentiationHandoffArtifact = z.infer<typeof DifferentiationHandoffArtifactSchema>;

export const HANDOFF_CONTRACTS: readonly ArtifactContract[] = [
  {
    ref: 'wr.contracts.discovery_handoff',
    artifactKind: 'wr.discovery_handoff',
    description:
      'Result of a discovery session: the chosen direction, invariants and constraints for the next phase.',
    schema: DiscoveryHandoffArtifactSchema,
    example: {
      kind: 'wr.discovery_handoff',
      version: 1,
      selectedDirection: 'Add a retry queue in front of the webhook handler',
      designDocPath: '',
      confidenceBand: 'medium',
      selectionTier: 'provisional_recommendation',
      keyInvariants: ['Each webhook delivery is processed at most once'],
    },
  },
  {
    ref: 'wr.contracts.shaping_handoff',
    artifactKind: 'wr.shaping_handoff',
    description:
      'Result of a shaping session: the pitch, its appetite, constraints, rabbit holes and acceptance checks.',
    schema: ShapingHandoffArtifactSchema,
    example: {
      kind: 'wr.shaping_handoff',
      version: 1,
      pitchPath: '/repo/.workrail/current-pitch.md',
      selectedShape: 'Retry queue with exponential backoff',
      appetite: 'Small batch (1-2 days)',
      keyConstraints: ['No new database tables'],
      rabbitHoles: ['Generic job scheduler'],
      outOfScope: ['Dashboard for retries'],
      validationChecklist: ['All existing tests pass'],
    },
  },
  {
    ref: 'wr.contracts.coding_handoff',
    artifactKind: 'wr.coding_handoff',
    description: 'Result of a coding session: decisions, known limitations, tests added and files changed.',
    schema: CodingHandoffArtifactSchema,
    example: {
      kind: 'wr.coding_handoff',
      version: 1,
      keyDecisions: ['Backoff state lives in the queue row, not in memory'],
      knownLimitations: ['No jitter yet'],
      testsAdded: ['test/retry-queue.test.ts'],
      filesChanged: ['src/retry-queue.ts'],
    },
  },
  {
    ref: 'wr.contracts.differentiation_handoff',
    artifactKind: 'wr.differentiation_handoff',
    description:
      'Result of a differentiation session: a Shape Up pitch seed with evidence freshness and defensibility.',
    schema: DifferentiationHandoffArtifactSchema,
    example: {
      kind: 'wr.differentiation_handoff',
      version: 1,
      schemaVersion: '1.0.0',
      generatedAt: '2026-01-15T10:00:00Z',
      evidenceFreshness: {
        oldestCapturedAt: '2025-12-01T00:00:00Z',
        newestCapturedAt: '2026-01-14T00:00:00Z',
      },
      validationChecklist: ['Onboarding takes under 5 minutes'],
      shapingHandoff: {
        rawIdea: 'One-click import from the main competitor',
        problem: 'Teams abandon the trial while re-entering their data by hand',
        baseline: 'They export CSV files and fix columns manually',
        appetiteHint: 'small_batch',
        noGosHints: ['Two-way sync'],
        constraints: { teamSize: 2, technicalCapabilities: ['TypeScript'], exclusions: [] },
        evidenceTopK: ['3f1c2a4e-8b7d-4c6e-9a1f-2b3c4d5e6f70'],
        defensibilityClaim: { power: 'Switching Costs', cannibalization: 'Competitor export API limits' },
      },
    },
  },
];
