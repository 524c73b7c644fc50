/**
 * The first delivery stage and what follows from it: parse the session's handoff (`handoff` stage), then
 * derive the change every later stage works with — its conventional summary, the declared targets, the
 * base ref of the diff, and the PR/MR body composer.
 */
import { errAsync, type GitTarget, okAsync, type ResultAsync } from '@worktrain/contracts';
import { type ComposedBody, composeChangeRequestBody } from '../body.js';
import type { DeliverDeps, DeliverInput } from '../deliver.js';
import { type DeliveryError, deliveryError } from '../errors.js';
import { type ParsedHandoff, parseHandoff } from '../handoff.js';
import type { ChangeSummary } from '../message.js';
import type { StageRecorder } from '../recorder.js';
import type { RunStage } from './run-stage.js';

/** What the stages after the handoff share. */
export interface DeliveryChange {
  readonly input: DeliverInput;
  readonly deps: DeliverDeps;
  /** Where delivery's git runs (see `gitTargetOf`). */
  readonly wt: GitTarget;
  readonly branch: string;
  readonly parsed: ParsedHandoff;
  readonly change: ChangeSummary;
  /** The handoff's `filesChanged` and `testsAdded` plus the input's extra targets. */
  readonly targets: readonly string[];
  /** Default `refs/remotes/<remote>/<baseBranch>`. */
  readonly baseRef: string;
  /** The PR/MR body for the diff from `baseSha` (template read at that commit). */
  composeBody(baseSha: string): ResultAsync<ComposedBody, DeliveryError>;
}

/** The `handoff` stage: the newest coding handoff of the session's events. */
export function handoffStage(
  stage: RunStage,
  recorder: StageRecorder,
): ResultAsync<ParsedHandoff, DeliveryError> {
  return stage('handoff', () =>
    recorder.events().andThen((events) =>
      parseHandoff(events).map((parsed) => ({
        value: parsed,
        record: {
          outcome: 'succeeded' as const,
          details: { handoffSeq: parsed.seq, filesChanged: parsed.handoff.filesChanged.length },
        },
      })),
    ),
  );
}

/**
 * The change to deliver: summary from the input, else the session's title, else its goal (none:
 * INVALID_INPUT), conventional type `fix` by default.
 */
export function deliveryChange(
  base: { input: DeliverInput; deps: DeliverDeps; wt: GitTarget; branch: string },
  parsed: ParsedHandoff,
): ResultAsync<DeliveryChange, DeliveryError> {
  const { input, deps, wt } = base;
  const summary = input.change?.summary ?? parsed.title ?? parsed.goal;
  if (summary === null || summary.trim() === '') {
    return errAsync(
      deliveryError(
        'INVALID_INPUT',
        'No summary for the commit and PR title: pass change.summary or give the session a title',
      ),
    );
  }
  return okAsync({
    ...base,
    parsed,
    change: {
      type: input.change?.type ?? 'fix',
      summary,
      ...(input.change?.scope === undefined ? {} : { scope: input.change.scope }),
      ...(input.issueNumber === undefined ? {} : { issueNumber: input.issueNumber }),
    },
    targets: [...parsed.handoff.filesChanged, ...parsed.handoff.testsAdded, ...(input.targets ?? [])],
    baseRef: input.baseRef ?? `refs/remotes/${deps.remote ?? 'origin'}/${input.baseBranch}`,
    composeBody: (baseSha: string) =>
      composeChangeRequestBody({
        worktree: wt,
        baseSha,
        forge: deps.forge,
        parsed,
        summary,
        sessionId: input.sessionId,
        ...(input.template === undefined ? {} : { templateName: input.template }),
        ...(input.issueNumber === undefined ? {} : { issueNumber: input.issueNumber }),
        ...(input.sessionUrl === undefined ? {} : { sessionUrl: input.sessionUrl }),
        ...(input.workflowId === undefined ? {} : { workflowId: input.workflowId }),
      }),
  });
}
