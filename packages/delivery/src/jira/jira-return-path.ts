import {
  classifyUpstreamFailure,
  createJiraConfig,
  errAsync,
  type JiraAuth,
  jiraClientOptions,
  okAsync,
  ResultAsync,
  readUpstreamFailure,
} from '@worktrain/contracts';
import { Version3Client } from 'jira.js';
import * as z from 'zod';
import { type DeliveryError, deliveryError } from '../errors.js';
import { adfContains, adfDocument } from './adf.js';

/** Settings of {@link createJiraReturnPath}. */
export interface JiraReturnPathOptions {
  /** Site URL, e.g. `https://acme.atlassian.net`. */
  readonly host: string;
  /** Basic auth with an Atlassian account email and API token, or an OAuth 2.0 / bearer access token. */
  readonly auth: JiraAuth;
  /** Status the ticket moves to when the PR/MR is opened; default `In Review`. */
  readonly reviewStatus?: string;
  /** Status the ticket moves to when the PR/MR is merged; default `Done`. */
  readonly doneStatus?: string;
  /** Request timeout (ms); default 30 000. */
  readonly timeoutMs?: number;
}

/** The PR/MR a ticket is linked to. */
export interface LinkedChangeRequest {
  /** `github:acme/widgets` or `gitlab:group/project` (the forge's `target`). */
  readonly target: string;
  readonly number: number;
  readonly url: string;
  readonly title: string;
}

/** Input of the return-path calls. */
export interface TicketUpdateInput {
  /** Jira issue key, e.g. `WT-12`. */
  readonly issueKey: string;
  readonly changeRequest: LinkedChangeRequest;
  readonly sessionId: string;
  readonly sessionUrl?: string;
}

/** What a return-path call did; every part is idempotent, so a retry reports `false` where it did nothing. */
export interface TicketUpdate {
  readonly issueKey: string;
  readonly status: { readonly from: string; readonly to: string; readonly transitioned: boolean };
  readonly remoteLink: { readonly id: number; readonly created: boolean };
  readonly comment: { readonly id: string; readonly created: boolean };
}

export interface JiraReturnPath {
  /** PR/MR opened: move the ticket to `reviewStatus`, link the PR/MR, comment once. */
  onChangeRequestOpened(input: TicketUpdateInput): ResultAsync<TicketUpdate, DeliveryError>;
  /** PR/MR merged: move the ticket to `doneStatus`, keep the link, comment once. */
  onChangeRequestMerged(input: TicketUpdateInput): ResultAsync<TicketUpdate, DeliveryError>;
  /** The transition of `issueKey` that leads to `status` (by target status name, else transition name). */
  resolveTransition(
    issueKey: string,
    status: string,
  ): ResultAsync<{ id: string; name: string }, DeliveryError>;
}

const issueSchema = z.looseObject({
  key: z.string(),
  fields: z.looseObject({ status: z.looseObject({ name: z.string() }) }),
});
const transitionsSchema = z.looseObject({
  transitions: z.array(
    z.looseObject({ id: z.string(), name: z.string(), to: z.looseObject({ name: z.string() }).optional() }),
  ),
});
const commentsSchema = z.looseObject({
  total: z.number().optional(),
  comments: z.array(z.looseObject({ id: z.string(), body: z.unknown() })),
});
const commentSchema = z.looseObject({ id: z.string() });
const linksSchema = z.array(z.looseObject({ id: z.number(), globalId: z.string().optional() }));
const linkIdSchema = z.looseObject({ id: z.number() });

/** Jira's `{errorMessages, errors}` as one line (jira.js wraps the body as `response.data`). */
function jiraMessage(response: unknown): string | undefined {
  if (typeof response === 'string') return response.slice(0, 300);
  if (typeof response !== 'object' || response === null) return undefined;
  if ('data' in response) return jiraMessage((response as { data?: unknown }).data);
  const r = response as { errorMessages?: unknown; errors?: unknown };
  const messages = Array.isArray(r.errorMessages) ? r.errorMessages.map(String) : [];
  const fields =
    typeof r.errors === 'object' && r.errors !== null
      ? Object.entries(r.errors).map(([k, v]) => `${k}: ${String(v)}`)
      : [];
  const all = [...messages, ...fields];
  return all.length > 0 ? all.join('; ') : undefined;
}

/**
 * Maps a jira.js `HttpException` onto delivery codes by contracts' one upstream classifier; only the status
 * and Jira's message are kept.
 */
export function jiraError(thrown: unknown, what: string): DeliveryError {
  const failure = readUpstreamFailure(thrown);
  const { kind, status } = classifyUpstreamFailure(failure, Date.now());
  // jira.js keeps Jira's body as `response` (sometimes wrapped as `{data}`) beside the axios cause.
  const body =
    typeof thrown === 'object' && thrown !== null && 'response' in thrown ? thrown.response : undefined;
  const apiMessage = jiraMessage(failure.data) ?? jiraMessage(body) ?? failure.message;
  const details = { status, jiraMessage: apiMessage };
  if (kind === 'auth')
    return deliveryError(
      'FORGE_AUTH_FAILED',
      `Jira rejected the credentials (expired or revoked?) while trying to ${what}`,
      details,
    );
  if (kind === 'rate_limited')
    return deliveryError('FORGE_RATE_LIMITED', `Jira rate limit hit while trying to ${what}`, details);
  if (kind === 'not_found')
    return deliveryError(
      'FORGE_NOT_FOUND',
      `Jira answered 404 while trying to ${what}: ${apiMessage}`,
      details,
    );
  return deliveryError('FORGE_FAILED', `Jira failed to ${what}: ${apiMessage}`, details);
}

/** The hidden-in-plain-sight marker of our comment for one event of one session. */
export function ticketMarker(sessionId: string, event: 'opened' | 'merged'): string {
  return `worktrain:session=${sessionId}:${event}`;
}

/** `globalId` of the remote link to a PR/MR: one link per change request, whatever the retries. */
export function remoteLinkGlobalId(changeRequest: LinkedChangeRequest): string {
  return `worktrain:${changeRequest.target}#${changeRequest.number}`.slice(0, 255);
}

/**
 * The Jira return path over `jira.js` (Cloud REST v3): when a PR/MR opens, the ticket moves to the configured
 * status ("In Review"), gets a remote link to the PR/MR and one comment; when it merges, to "Done". Transitions
 * are resolved by name on each call (Jira workflows differ per project): a transition whose target status has
 * that name, else one whose own name matches; none → TRANSITION_NOT_FOUND listing the available ones. Every
 * step is idempotent against Jira itself: a ticket already in the status is not transitioned, the remote link
 * is keyed by `globalId` (Jira updates instead of duplicating), and the comment is found by its marker.
 * Errors: FORGE_AUTH_FAILED (401), FORGE_NOT_FOUND (unknown issue), FORGE_RATE_LIMITED, FORGE_FAILED,
 * TRANSITION_NOT_FOUND.
 */
export function createJiraReturnPath(options: JiraReturnPathOptions): JiraReturnPath {
  const client = new Version3Client(
    jiraClientOptions(
      createJiraConfig({ baseUrl: options.host, auth: options.auth, timeoutMs: options.timeoutMs }),
    ),
  );
  const call = <T>(what: string, schema: z.ZodType<T>, run: () => Promise<unknown>) =>
    ResultAsync.fromPromise(run(), (e) => jiraError(e, what)).andThen((raw) => {
      const parsed = schema.safeParse(raw);
      return parsed.success
        ? okAsync(parsed.data)
        : errAsync(
            deliveryError('FORGE_FAILED', `Jira answered an unexpected shape while trying to ${what}`),
          );
    });

  const resolveTransition = (issueKey: string, status: string) =>
    call(`list the transitions of ${issueKey}`, transitionsSchema, () =>
      client.issues.getTransitions({ issueIdOrKey: issueKey }),
    ).andThen(({ transitions }) => {
      const wanted = status.trim().toLowerCase();
      const found =
        transitions.find((t) => t.to?.name.toLowerCase() === wanted) ??
        transitions.find((t) => t.name.toLowerCase() === wanted);
      if (found !== undefined) return okAsync({ id: found.id, name: found.name });
      const available = transitions.map((t) => ({ id: t.id, name: t.name, to: t.to?.name ?? null }));
      const list = available.map((t) => `"${t.name}" → ${t.to ?? '?'} (id ${t.id})`).join(', ');
      return errAsync(
        deliveryError(
          'TRANSITION_NOT_FOUND',
          `Jira issue ${issueKey} has no transition to "${status}". Available: ${list === '' ? 'none' : list}`,
          { issueKey, status, available },
        ),
      );
    });

  const moveTo = (issueKey: string, status: string) =>
    call(`read ${issueKey}`, issueSchema, () =>
      client.issues.getIssue({ issueIdOrKey: issueKey, fields: ['status'] }),
    ).andThen((issue) => {
      const from = issue.fields.status.name;
      if (from.toLowerCase() === status.trim().toLowerCase())
        return okAsync({ from, to: from, transitioned: false });
      return resolveTransition(issueKey, status).andThen((t) =>
        call(`move ${issueKey} to ${status}`, z.unknown(), () =>
          client.issues.doTransition({ issueIdOrKey: issueKey, transition: { id: t.id } }),
        ).map(() => ({ from, to: status, transitioned: true })),
      );
    });

  const link = (input: TicketUpdateInput, merged: boolean) => {
    const globalId = remoteLinkGlobalId(input.changeRequest);
    const kind = input.changeRequest.target.startsWith('gitlab:') ? 'MR !' : 'PR #';
    return call(`list remote links of ${input.issueKey}`, linksSchema, () =>
      client.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: input.issueKey }),
    ).andThen((links) => {
      const existed = links.some((l) => l.globalId === globalId);
      return call(`link ${input.issueKey} to the change request`, linkIdSchema, () =>
        client.issueRemoteLinks.createOrUpdateRemoteIssueLink({
          issueIdOrKey: input.issueKey,
          globalId,
          relationship: 'implemented by',
          application: { type: 'worktrain', name: 'WorkTrain' },
          object: {
            url: input.changeRequest.url,
            title: `${kind}${input.changeRequest.number}: ${input.changeRequest.title}`.slice(0, 255),
            status: { resolved: merged },
          },
        }),
      ).map((r) => ({ id: r.id, created: !existed }));
    });
  };

  const comment = (input: TicketUpdateInput, event: 'opened' | 'merged') => {
    const marker = ticketMarker(input.sessionId, event);
    return call(`list comments of ${input.issueKey}`, commentsSchema, () =>
      client.issueComments.getComments({ issueIdOrKey: input.issueKey, maxResults: 5000 }),
    ).andThen(({ comments }) => {
      const mine = comments.find((c) => adfContains(c.body, marker));
      if (mine !== undefined) return okAsync({ id: mine.id, created: false });
      const what = input.changeRequest.target.startsWith('gitlab:') ? 'merge request' : 'pull request';
      const body = adfDocument(
        [
          event === 'opened'
            ? `WorkTrain opened a ${what} for this ticket: `
            : `The WorkTrain ${what} was merged: `,
          { link: input.changeRequest.url, text: input.changeRequest.title },
        ],
        [
          'Session ',
          input.sessionUrl === undefined
            ? { code: input.sessionId }
            : { link: input.sessionUrl, text: input.sessionId },
        ],
        [{ code: marker }],
      );
      return call(`comment on ${input.issueKey}`, commentSchema, () =>
        client.issueComments.addComment({ issueIdOrKey: input.issueKey, comment: body }),
      ).map((c) => ({ id: c.id, created: true }));
    });
  };

  const run = (input: TicketUpdateInput, status: string, event: 'opened' | 'merged') =>
    moveTo(input.issueKey, status).andThen((moved) =>
      link(input, event === 'merged').andThen((remoteLink) =>
        comment(input, event).map(
          (c): TicketUpdate => ({ issueKey: input.issueKey, status: moved, remoteLink, comment: c }),
        ),
      ),
    );

  return {
    onChangeRequestOpened: (input) => run(input, options.reviewStatus ?? 'In Review', 'opened'),
    onChangeRequestMerged: (input) => run(input, options.doneStatus ?? 'Done', 'merged'),
    resolveTransition,
  };
}
