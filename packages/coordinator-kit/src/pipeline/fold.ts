/**
 * The fold of a pipeline's event log into its view: stage, attempts, state, children with their spend, a
 * pending cancel, and how it ended. Pure; the runner and the read APIs share it.
 */
import type { JsonObject } from '@worktrain/contracts';
import type { PipelineEvent, PipelineEventData, PipelineInput, PipelineStatus } from './events.js';
import type { ChildOutcome, ChildUsage, PipelineBudget } from './types.js';

/** The fold of a pipeline's events. */
export interface PipelineView {
  readonly pipelineId: string;
  readonly kind: string;
  readonly input: PipelineInput;
  readonly budget: PipelineBudget;
  readonly startedAt: string;
  readonly status: PipelineStatus;
  readonly endReason: string | null;
  /** The stage to run next (or running), null once ended. */
  readonly stage: string | null;
  readonly stageAttempts: Readonly<Record<string, number>>;
  /** The state after the last completed stage; null before the first. */
  readonly state: JsonObject | null;
  readonly children: Readonly<
    Record<
      string,
      { sessionId: string; workflowId: string; ended: ChildOutcome['status'] | null; usage: ChildUsage }
    >
  >;
  readonly cancelRequested: { actor: string; reason: string } | null;
  /** Operator guidance so far (`guidance_added`), oldest first. */
  readonly guidance: readonly { readonly actor: string; readonly text: string }[];
}

/** Folds `events` (in order; the first must be `pipeline_started`). Null when there is none. */
export function foldPipeline(start: string, events: readonly PipelineEvent[]): PipelineView | null {
  const first = events[0];
  if (first === undefined || first.data.kind !== 'pipeline_started') return null;
  let view: PipelineView = {
    pipelineId: first.pipelineId,
    kind: first.data.pipelineKind,
    input: first.data.input,
    budget: first.data.budget,
    startedAt: first.at,
    status: 'running',
    endReason: null,
    stage: start,
    stageAttempts: {},
    state: null,
    children: {},
    cancelRequested: null,
    guidance: [],
  };
  for (const { data } of events.slice(1)) view = applyEvent(view, data);
  return view;
}

function applyEvent(view: PipelineView, data: PipelineEventData): PipelineView {
  switch (data.kind) {
    case 'pipeline_started':
      return view;
    case 'stage_started':
      return {
        ...view,
        stage: data.stage,
        stageAttempts: { ...view.stageAttempts, [data.stage]: data.attempt },
      };
    case 'child_spawned':
      return {
        ...view,
        children: {
          ...view.children,
          [data.key]: {
            sessionId: data.sessionId,
            workflowId: data.workflowId,
            ended: null,
            usage: { turns: 0, tokens: 0, costUsd: 0 },
          },
        },
      };
    case 'child_ended': {
      const child = view.children[data.key];
      if (child === undefined) return view;
      return {
        ...view,
        children: { ...view.children, [data.key]: { ...child, ended: data.status, usage: data.usage } },
      };
    }
    case 'stage_completed':
      return { ...view, stage: data.next ?? null, state: data.state };
    case 'guidance_added':
      return { ...view, guidance: [...view.guidance, { actor: data.actor, text: data.text }] };
    case 'cancel_requested':
      return { ...view, cancelRequested: { actor: data.actor, reason: data.reason } };
    case 'pipeline_ended':
      return { ...view, status: data.status, endReason: data.reason, stage: null };
  }
}
