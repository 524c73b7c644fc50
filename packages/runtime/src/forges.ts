import {
  err,
  errAsync,
  type JsonObject,
  type Logger,
  makeError,
  ok,
  okAsync,
  type Result,
  ResultAsync,
  type WorkTrainError,
} from '@worktrain/contracts';
import {
  type ApprovalRequest,
  type ApprovalStore,
  type ChecksSandbox,
  createGitHubForge,
  createGitLabForge,
  createJiraReturnPath,
  type DeliveryCheck,
  type DeliveryError,
  type ForgeClient,
  type JiraReturnPath,
  type Policy,
  requestDecision,
  type TicketUpdate,
} from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';
import type { RuntimeConfig } from './config.js';
import { createDelivery, type DeliverFn, type DeliverRequest } from './delivery.js';
import {
  type ForgeKind,
  type JiraDeliveryRoutes,
  type MergedChangeRequest,
  targetFromJson,
} from './payload.js';
import { appendAtHead, readAll } from './session-log.js';

/** A forge client for one delivery and the token `git push` uses (the same forge token). */
export interface ForgeForTarget {
  readonly client: ForgeClient;
  readonly pushToken: string;
}

/** Errors of {@link Forges.forFor}: the task targets a forge config.yaml does not configure. */
export type ForgeSetupError = WorkTrainError<'FORGE_NOT_CONFIGURED'>;

/**
 * The forges configured in `config.yaml` (`forge.github`, `forge.gitlab`) and the Jira return path
 * (`jira`). Only the delivery stage holds these; the agent never sees a token.
 */
export interface Forges {
  /** True when at least one forge or Jira is configured (otherwise delivery is skipped altogether). */
  readonly any: boolean;
  /** Jira project key → forge project (`jira.projects`), for reading Jira tasks' targets. */
  readonly jiraRoutes: JiraDeliveryRoutes;
  /** The Jira return path, or null without a `jira` section. */
  readonly jira: JiraReturnPath | null;
  /**
   * A forge client for a project (GitHub `owner/name`; GitLab path or id), noting on an issue or (GitLab) on a
   * merge request. Error FORGE_NOT_CONFIGURED names the missing config section.
   */
  forFor(
    forge: ForgeKind,
    project: string,
    noteOn: 'issue' | 'merge_request',
  ): { ok: ForgeForTarget } | { error: ForgeSetupError };
}

/** Builds {@link Forges} from the runtime config (tokens already resolved from `$ENV` / `.env`). */
export function createForges(config: RuntimeConfig): Forges {
  const github = config.forge.github;
  const gitlab = config.forge.gitlab;
  const jira = config.jira;
  const notConfigured = (forge: ForgeKind, project: string): { error: ForgeSetupError } => ({
    error: makeError(
      'FORGE_NOT_CONFIGURED',
      `The task delivers to ${forge === 'github' ? 'GitHub' : 'GitLab'} project ${project}, but config.yaml has no forge.${forge} section`,
      { forge, project },
    ),
  });
  return {
    any: github !== undefined || gitlab !== undefined || jira !== undefined,
    jiraRoutes: jira?.projects ?? {},
    jira:
      jira === undefined
        ? null
        : createJiraReturnPath({
            host: jira.baseUrl,
            auth:
              jira.email === undefined
                ? { accessToken: jira.apiToken }
                : { email: jira.email, apiToken: jira.apiToken },
            reviewStatus: jira.transitions.onOpened,
            doneStatus: jira.transitions.onMerged,
          }),
    forFor(forge, project, noteOn) {
      if (forge === 'github') {
        if (github === undefined) return notConfigured(forge, project);
        const [owner = '', repo = ''] = project.split('/');
        return {
          ok: {
            client: createGitHubForge({ owner, repo, token: github.token, baseUrl: github.apiBaseUrl }),
            pushToken: github.token,
          },
        };
      }
      if (gitlab === undefined) return notConfigured(forge, project);
      return {
        ok: {
          client: createGitLabForge({
            project: /^\d+$/.test(project) ? Number(project) : project,
            token: gitlab.token,
            baseUrl: gitlab.baseUrl,
            labels: gitlab.labels,
            issueLabels: gitlab.issueLabels,
            noteOn,
            ...(gitlab.template === undefined ? {} : { template: gitlab.template }),
          }),
          pushToken: gitlab.token,
        },
      };
    },
  };
}

/**
 * The daemon's delivery stage (DESIGN §8): the forge of the request's target (GitHub pull request or GitLab
 * merge request, each found by head branch first so a retry never opens a second one) through
 * `createDelivery`, then, for a Jira-sourced task, the Jira return path (transition by name, remote link,
 * comment; each idempotent), recorded as the `ticket_update` delivery stage. Errors: FORGE_NOT_CONFIGURED (no
 * config for the target's forge), the delivery codes of `deliver`, and the Jira codes (TRANSITION_NOT_FOUND
 * lists the available transitions).
 */
export function createForgeDelivery(options: {
  readonly store: SessionStore;
  readonly forges: Forges;
  readonly logger: Logger;
  /** Checks run before the commit (config `delivery.checks`). */
  readonly checks?: readonly DeliveryCheck[];
  /** The sandbox and policy the checks of one delivery run in. */
  readonly checksSandboxFor?: (request: DeliverRequest) => ChecksSandbox;
}): DeliverFn {
  const { store, forges, logger } = options;
  return createDelivery({
    store,
    logger,
    ...(options.checks === undefined ? {} : { checks: options.checks }),
    ...(options.checksSandboxFor === undefined ? {} : { checksSandboxFor: options.checksSandboxFor }),
    forgeFor: (request) => {
      const picked = forges.forFor(request.forge ?? 'github', request.repo, request.noteOn ?? 'issue');
      return 'error' in picked ? err(picked.error) : ok(picked.ok);
    },
    afterDelivered: (request, delivered, forge) => {
      const key = request.jiraIssueKey ?? null;
      if (key === null) return okAsync(null);
      return updateTicket(store, forges.jira, request, key, {
        target: forge.target,
        number: delivered.pullRequest.number,
        url: delivered.pullRequest.url,
      });
    },
  });
}

const TICKET_STAGE = { opened: 'ticket_update', merged: 'ticket_merged' } as const;

/**
 * Runs one Jira return-path call once per session and event (`opened`: stage `ticket_update`, `merged`:
 * stage `ticket_merged`), recording `delivery_attempted`/`delivery_recorded` in the session's log.
 */
function updateTicket(
  store: SessionStore,
  jira: JiraReturnPath | null,
  request: Pick<DeliverRequest, 'sessionId'>,
  issueKey: string,
  changeRequest: {
    readonly target: string;
    readonly number: number;
    readonly url: string;
    readonly title?: string;
  },
  event: 'opened' | 'merged' = 'opened',
): ResultAsync<TicketUpdate | null, WorkTrainError<string>> {
  const sessionId = request.sessionId;
  const stage = TICKET_STAGE[event];
  const append = (events: Parameters<typeof appendAtHead>[2]) =>
    ResultAsync.fromSafePromise(appendAtHead(store, sessionId, events)).andThen((r) =>
      r.isOk()
        ? okAsync(undefined)
        : errAsync(makeError('STORE_FAILED', `Cannot record the ticket update: ${r.error.message}`)),
    );
  return ResultAsync.fromSafePromise(readAll(store, sessionId)).andThen((all) => {
    const events = all.isOk() ? all.value : [];
    const ticketEvents = events.filter((e) => e.kind === 'delivery_recorded' && e.data.stage === stage);
    if (ticketEvents.some((e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded'))
      return okAsync(null);
    const attempt = ticketEvents.length + 1;
    const target = `jira:${issueKey}`;
    if (jira === null)
      return append([
        { kind: 'delivery_attempted', data: { stage, target, attempt } },
        {
          kind: 'delivery_recorded',
          data: {
            stage,
            outcome: 'skipped',
            details: { issueKey, reason: 'config.yaml has no jira section' },
          },
        },
      ]).map(() => null);
    const summary = ResultAsync.fromSafePromise(store.getSummary(sessionId)).map((s) =>
      s.isOk() ? (s.value.title ?? s.value.goal ?? null) : null,
    );
    return append([{ kind: 'delivery_attempted', data: { stage, target, attempt } }])
      .andThen(() => summary)
      .andThen((title) => {
        const input = {
          issueKey,
          sessionId,
          changeRequest: {
            ...changeRequest,
            title: changeRequest.title ?? title ?? `Change request ${changeRequest.number}`,
          },
        };
        return (
          event === 'opened' ? jira.onChangeRequestOpened(input) : jira.onChangeRequestMerged(input)
        ).orElse((e: DeliveryError) =>
          append([
            {
              kind: 'delivery_recorded',
              data: {
                stage,
                outcome: 'failed',
                details: toJson({ code: e.code, message: e.message, ...(e.details ?? {}) }),
              },
            },
          ]).andThen(() => errAsync<TicketUpdate, WorkTrainError<string>>(e)),
        );
      })
      .andThen((update) =>
        append([
          {
            kind: 'delivery_recorded',
            data: {
              stage,
              outcome: 'succeeded',
              url: changeRequest.url,
              details: toJson({ ...update }),
            },
          },
        ]).map(() => update),
      );
  });
}

/** What {@link createMergeFollowUp} did for a merged change request. */
export type MergeFollowUp =
  | { readonly outcome: 'ticket_updated'; readonly issueKey: string }
  | { readonly outcome: 'nothing_to_do'; readonly reason: string }
  | {
      /** A person rejected the transition: the ticket stays where it is (recorded, stage `ticket_merged`). */
      readonly outcome: 'rejected';
      readonly issueKey: string;
      readonly approvalId: string;
      readonly actor: string | null;
      readonly reason: string | null;
    };

/** The policy and the approval store the merge follow-up clears its Jira transition with. */
export interface MergeApprovals {
  readonly policy: Policy;
  readonly store: ApprovalStore;
}

/**
 * Handles the merge of a change request WorkTrain opened (`MergedChangeRequest`, from a GitLab merge request
 * or GitHub pull request event whose head branch is `worktrain/<sessionId>`): when that session came from a
 * Jira ticket, the ticket moves to `jira.transitions.onMerged`, its remote link is marked resolved and it gets
 * one "merged" comment (stage `ticket_merged`, once per session). No new session is started.
 *
 * With `approvals`, the transition is a `transition_ticket` action (target the ticket key, status
 * `mergedStatus`) cleared with the blast-radius policy first (the built-in policy ranks Done / Closed /
 * Resolved / "Won't Do" medium), as a durable approval request whose dedupe key is
 * `<sessionId>:merged:transition_ticket:<key>:<status>` — a retried task or a restarted daemon finds the same
 * request and its decision. Each evaluation is written to the session log as a `decision_trace`
 * (`merge_gate`) with the tier, the request, who decided and why. Low tier (or a decided approval) → the
 * ticket moves; pending → NEEDS_APPROVAL (details: `approvalIds`, `createdIds`; the caller parks the task,
 * it holds no worker); rejected → `rejected`, recorded as a skipped `ticket_merged` stage with the
 * approval id, actor and reason; the ticket does not move.
 *
 * Errors: NEEDS_APPROVAL, the approval store's codes, the Jira codes (TRANSITION_NOT_FOUND lists the
 * available transitions); a session unknown to this daemon or without a ticket is `nothing_to_do`.
 */
export function createMergeFollowUp(options: {
  readonly store: SessionStore;
  readonly forges: Forges;
  /** Clear the transition with the policy (null/absent: no gate, the ticket moves at once). */
  readonly approvals?: MergeApprovals | null;
  /** The status the ticket moves to (`jira.transitions.onMerged`, default `Done`), for the policy. */
  readonly mergedStatus?: string;
}): (merged: MergedChangeRequest) => ResultAsync<MergeFollowUp, WorkTrainError<string>> {
  const { store, forges } = options;
  const approvals = options.approvals ?? null;
  const status = options.mergedStatus ?? 'Done';
  return (merged) =>
    ResultAsync.fromSafePromise(store.readEvents(merged.sessionId, { limit: 1 })).andThen((first) => {
      const created = first.isOk() ? first.value[0] : undefined;
      const meta = created?.kind === 'session_created' ? created.data.context.daemon : undefined;
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
        return okAsync<MergeFollowUp>({
          outcome: 'nothing_to_do',
          reason: `session ${merged.sessionId} was not started by this daemon`,
        });
      const target = targetFromJson(meta);
      if (target.jiraIssueKey === null)
        return okAsync<MergeFollowUp>({
          outcome: 'nothing_to_do',
          reason: `session ${merged.sessionId} has no Jira ticket`,
        });
      const issueKey = target.jiraIssueKey;
      const move = () =>
        updateTicket(
          store,
          forges.jira,
          { sessionId: merged.sessionId },
          issueKey,
          {
            target: `${merged.forge}:${merged.project}`,
            number: merged.number,
            url: merged.url ?? '',
            title: merged.title,
          },
          'merged',
        ).map((): MergeFollowUp => ({ outcome: 'ticket_updated', issueKey }));
      if (approvals === null || forges.jira === null) return move();
      return ResultAsync.fromSafePromise(
        gateMergeTransition(store, approvals, merged, issueKey, status),
      ).andThen((gate) => {
        if (gate.isErr()) return errAsync(gate.error);
        const v = gate.value;
        if (v.kind === 'proceed') return move();
        if (v.kind === 'replay') return okAsync<MergeFollowUp>(v.result);
        return errAsync(
          makeError(
            'NEEDS_APPROVAL',
            `moving Jira ticket ${issueKey} to "${status}" waits for approval (${v.request.tier})`,
            { approvalIds: [v.request.id], createdIds: v.created ? [v.request.id] : [] },
          ),
        );
      });
    });
}

type MergeGate =
  | { readonly kind: 'proceed' }
  | { readonly kind: 'replay'; readonly result: MergeFollowUp }
  | { readonly kind: 'pending'; readonly request: ApprovalRequest; readonly created: boolean };

/**
 * Clears the merge follow-up's Jira transition with the policy (see {@link createMergeFollowUp}); a
 * rejection is recorded once. A ticket already moved by an earlier run is `proceed` without a new request
 * (`updateTicket` replays its record).
 */
async function gateMergeTransition(
  store: SessionStore,
  approvals: MergeApprovals,
  merged: MergedChangeRequest,
  issueKey: string,
  status: string,
): Promise<Result<MergeGate, WorkTrainError<string>>> {
  const { sessionId } = merged;
  const events = await readAll(store, sessionId);
  const stageEvents = (events.isOk() ? events.value : []).filter(
    (e) => e.kind === 'delivery_recorded' && e.data.stage === TICKET_STAGE.merged,
  );
  if (stageEvents.some((e) => e.kind === 'delivery_recorded' && e.data.outcome === 'succeeded'))
    return ok({ kind: 'proceed' });
  const noun = merged.forge === 'gitlab' ? 'merge request' : 'pull request';
  const decided = await requestDecision(
    { policy: approvals.policy, approvals: approvals.store },
    {
      sessionId,
      action: { kind: 'transition_ticket', target: issueKey, status },
      summary: `move Jira ticket ${issueKey} to "${status}": the ${noun} ${merged.project}#${merged.number} was merged`,
      details: { key: issueKey, status, project: merged.project, number: merged.number, url: merged.url },
      dedupeKey: `${sessionId}:merged:transition_ticket:${issueKey}:${status}`,
    },
  );
  if (decided.isErr()) return err(decided.error);
  const { request, classification, created } = decided.value;
  const audit: JsonObject = {
    approvalId: request.id,
    action: 'transition_ticket',
    tier: request.tier,
    state: request.state,
    decidedBy: request.decidedBy,
    reason: request.decisionReason ?? classification.reason,
  };
  const traced = await appendAtHead(store, sessionId, [
    {
      kind: 'decision_trace',
      data: {
        nodeId: null,
        decision: 'merge_gate',
        reason: `${request.state} under ${approvals.policy.source}`,
        data: { issueKey, status, policy: approvals.policy.source, ...audit },
      },
    },
  ]);
  if (traced.isErr())
    return err(makeError('STORE_FAILED', `Cannot record the merge gate: ${traced.error.message}`));
  if (request.state === 'pending') return ok({ kind: 'pending', request, created });
  if (request.state !== 'rejected') return ok({ kind: 'proceed' });
  const result: MergeFollowUp = {
    outcome: 'rejected',
    issueKey,
    approvalId: request.id,
    actor: request.decidedBy,
    reason: request.decisionReason,
  };
  const recorded = stageEvents.some(
    (e) => e.kind === 'delivery_recorded' && e.data.details?.approvalId === request.id,
  );
  if (!recorded) {
    const r = await appendAtHead(store, sessionId, [
      {
        kind: 'delivery_recorded',
        data: {
          stage: TICKET_STAGE.merged,
          outcome: 'skipped',
          details: {
            code: 'APPROVAL_REJECTED',
            issueKey,
            status,
            approvalId: request.id,
            actor: request.decidedBy,
            reason: request.decisionReason,
          },
        },
      },
    ]);
    if (r.isErr()) return err(makeError('STORE_FAILED', `Cannot record the rejection: ${r.error.message}`));
  }
  return ok({ kind: 'replay', result });
}

function toJson(value: Record<string, unknown>): JsonObject {
  return JSON.parse(JSON.stringify(value)) as JsonObject;
}
