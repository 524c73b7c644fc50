/**
 * Control and verdict artifacts of WorkRail (`wr.loop_control`, `wr.review_verdict`, `wr.gate_verdict`,
 * `wr.assessment`, `wr.coordinator_signal`). Field names, kinds and limits follow WorkRail's schemas
 * (EtienneBBeaulac/workrail `src/v2/durable-core/schemas/artifacts/*.ts`, MIT), re-written here, so artifacts
 * produced for WorkRail are accepted unchanged. Where WorkRail's own step prompts ask for fields its schema
 * rejects, we accept both (noted per field).
 */
import * as z from 'zod';
import type { ArtifactContract } from './contract.js';

/** Loop ids as WorkRail accepts them: delimiter-safe, 1..64 characters. */
const LOOP_ID = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9_-]+$/, 'loopId must be delimiter-safe: [a-z0-9_-]+');

export const LoopControlArtifactSchema = z.strictObject({
  kind: z.literal('wr.loop_control'),
  /** Optional: without it the artifact applies to the loop being evaluated (WorkRail 3.x). */
  loopId: LOOP_ID.optional(),
  decision: z.enum(['continue', 'stop']),
  /**
   * Context only. WorkRail knows `reason` (≤ 1024 chars), `issuesFound`, `iterationIndex`, `confidence` (0..100)
   * and rejects other keys; we check the known ones and keep the rest.
   */
  metadata: z
    .looseObject({
      reason: z.string().max(1024).optional(),
      issuesFound: z.number().int().nonnegative().optional(),
      iterationIndex: z.number().int().nonnegative().optional(),
      confidence: z.number().int().min(0).max(100).optional(),
    })
    .optional(),
});
export type LoopControlArtifact = z.infer<typeof LoopControlArtifactSchema>;

const CONFIDENCE = z.enum(['high', 'medium', 'low']);

export const ReviewVerdictArtifactSchema = z.strictObject({
  kind: z.literal('wr.review_verdict'),
  /** clean → merge queue, minor → fix loop, blocking → escalate. */
  verdict: z.enum(['clean', 'minor', 'blocking']),
  confidence: CONFIDENCE,
  /** Empty for a clean review. Enrichment keys (file, startLine, endLine, causalLink, remediation…) are kept. */
  findings: z.array(
    z.looseObject({
      severity: z.enum(['critical', 'major', 'minor', 'nit']),
      summary: z.string().min(1),
      findingCategory: z
        .enum(['correctness', 'security', 'architecture', 'ux', 'performance', 'testing', 'style'])
        .optional(),
    }),
  ),
  summary: z.string().min(1),
});
export type ReviewVerdictArtifact = z.infer<typeof ReviewVerdictArtifactSchema>;

export const GateVerdictArtifactSchema = z.strictObject({
  kind: z.literal('wr.gate_verdict'),
  /** WorkRail's schema requires `version: 1` but its gate-evaluation prompt does not ask for it: optional here. */
  version: z.literal(1).optional(),
  verdict: z.enum(['approved', 'rejected', 'uncertain']),
  confidence: CONFIDENCE,
  /** At least 20 characters, so the evaluator has to give a substantive reason. */
  rationale: z.string().min(20),
  /** Named in WorkRail's blocked-message example (not its schema): the gated step. */
  stepId: z.string().min(1).optional(),
});
export type GateVerdictArtifact = z.infer<typeof GateVerdictArtifactSchema>;

export const AssessmentArtifactSchema = z.strictObject({
  kind: z.literal('wr.assessment'),
  assessmentId: z.string().min(1).max(64).optional(),
  /** dimensionId → level, or `{ level, rationale? }`; at least one entry. */
  dimensions: z
    .record(
      z.string(),
      z.union([
        z.string().min(1),
        z.strictObject({ level: z.string().min(1), rationale: z.string().min(1).max(512).optional() }),
      ]),
    )
    .refine((value) => Object.keys(value).length > 0, 'dimensions must contain at least one entry'),
  summary: z.string().max(1024).optional(),
});
export type AssessmentArtifact = z.infer<typeof AssessmentArtifactSchema>;

export const CoordinatorSignalArtifactSchema = z.strictObject({
  kind: z.literal('wr.coordinator_signal'),
  signalKind: z.enum(['progress', 'finding', 'data_needed', 'approval_needed', 'blocked']),
  /** Structured data for the coordinator; `{}` when there is none. */
  payload: z.record(z.string(), z.unknown()),
  sessionId: z.string().optional(),
});
export type CoordinatorSignalArtifact = z.infer<typeof CoordinatorSignalArtifactSchema>;

export const CONTROL_CONTRACTS: readonly ArtifactContract[] = [
  {
    ref: 'wr.contracts.loop_control',
    artifactKind: 'wr.loop_control',
    description: 'Decides whether the enclosing loop runs another iteration (`continue`) or exits (`stop`).',
    schema: LoopControlArtifactSchema,
    example: { kind: 'wr.loop_control', decision: 'stop', metadata: { reason: 'No gaps remain' } },
  },
  {
    ref: 'wr.contracts.review_verdict',
    artifactKind: 'wr.review_verdict',
    description:
      'Structured code-review verdict (clean | minor | blocking) with findings, read by coordinators.',
    schema: ReviewVerdictArtifactSchema,
    example: {
      kind: 'wr.review_verdict',
      verdict: 'minor',
      confidence: 'high',
      findings: [
        { severity: 'minor', summary: 'Missing test for the empty input case', findingCategory: 'testing' },
      ],
      summary: 'One minor finding',
    },
  },
  {
    ref: 'wr.contracts.gate_verdict',
    artifactKind: 'wr.gate_verdict',
    description:
      'Verdict of an independent gate evaluator: approved | rejected | uncertain, with a rationale.',
    schema: GateVerdictArtifactSchema,
    example: {
      kind: 'wr.gate_verdict',
      version: 1,
      verdict: 'approved',
      confidence: 'high',
      rationale: 'The handoff lists tests for every changed module and no open risks.',
    },
  },
  {
    ref: 'wr.contracts.assessment',
    artifactKind: 'wr.assessment',
    description: 'Levels chosen for the dimensions of a step assessment.',
    schema: AssessmentArtifactSchema,
    example: { kind: 'wr.assessment', assessmentId: 'readiness', dimensions: { confidence: 'high' } },
  },
  {
    ref: 'wr.contracts.coordinator_signal',
    artifactKind: 'wr.coordinator_signal',
    description:
      'Mid-session signal from the agent to its coordinator (progress, finding, data or approval needed, blocked).',
    schema: CoordinatorSignalArtifactSchema,
    example: { kind: 'wr.coordinator_signal', signalKind: 'progress', payload: {} },
  },
];
