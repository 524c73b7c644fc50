import { Gitlab } from '@gitbeaker/rest';
import {
  classifyUpstreamFailure,
  createGitLabConfig,
  errAsync,
  gitlabClientOptions,
  okAsync,
  ResultAsync,
  readUpstreamFailure,
} from '@worktrain/contracts';
import * as z from 'zod';
import { type DeliveryError, deliveryError } from '../errors.js';
import type {
  ChangeRequest,
  ChangeRequestInput,
  CloseChangeRequestInput,
  ClosedChangeRequest,
  ForgeClient,
  IssueComment,
  IssueCommentInput,
} from '../forge.js';

/** Settings of {@link createGitLabForge}. */
export interface GitLabForgeOptions {
  /** Numeric project id or full path (`group/subgroup/project`). */
  readonly project: string | number;
  /** Personal/project access token (`api` scope), sent as `PRIVATE-TOKEN`. Never logged. */
  readonly token: string;
  /** Send the token as an OAuth `Authorization: Bearer` header instead of `PRIVATE-TOKEN`. */
  readonly tokenType?: 'private' | 'oauth';
  /** Instance URL including any path prefix; default `https://gitlab.com` (self-managed: `https://host/gitlab`). */
  readonly baseUrl?: string;
  /**
   * MR template name: `.gitlab/merge_request_templates/<template>.md` (matched case-insensitively); default
   * `Default`, GitLab's default template name.
   */
  readonly template?: string;
  /** Labels set on the merge request (added; labels someone else set are kept). */
  readonly labels?: readonly string[];
  /** Labels added to the source issue when we note it. */
  readonly issueLabels?: readonly string[];
  /** Whether `issueNumber` in delivery names an issue iid (default) or a merge request iid. */
  readonly noteOn?: 'issue' | 'merge_request';
  /** Request timeout (ms); default 30 000. */
  readonly timeoutMs?: number;
}

/** GitLab's default MR template location for a template name (GitLab docs, "Description templates"). */
export function mergeRequestTemplatePaths(name = 'Default'): readonly string[] {
  return [`.gitlab/merge_request_templates/${name}.md`];
}

const mergeRequestSchema = z.looseObject({
  iid: z.number().int(),
  web_url: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  state: z.string(),
  labels: z.array(z.string()),
});
type MergeRequest = z.infer<typeof mergeRequestSchema>;
const noteSchema = z.looseObject({ id: z.number().int(), body: z.string() });
const issueSchema = z.looseObject({
  iid: z.number().int(),
  web_url: z.string(),
  labels: z.array(z.string()),
});

/**
 * Maps a gitbeaker error onto delivery codes by contracts' one upstream classifier; only the status and
 * GitLab's message are kept.
 */
export function gitlabError(thrown: unknown, what: string, project: string | number): DeliveryError {
  const failure = readUpstreamFailure(thrown);
  const { kind, status } = classifyUpstreamFailure(failure, Date.now());
  const apiMessage = failure.message;
  const details = { status, gitlabMessage: apiMessage, project: String(project) };
  if (kind === 'auth')
    return deliveryError(
      'FORGE_AUTH_FAILED',
      `GitLab rejected the token (expired or revoked?) while trying to ${what}`,
      details,
    );
  if (kind === 'rate_limited')
    return deliveryError('FORGE_RATE_LIMITED', `GitLab rate limit hit while trying to ${what}`, details);
  if (kind === 'not_found' && /project not found/i.test(apiMessage))
    return deliveryError(
      'FORGE_NOT_FOUND',
      `GitLab project '${String(project)}' does not exist or the token cannot see it (while trying to ${what})`,
      details,
    );
  if (kind === 'not_found')
    return deliveryError('FORGE_NOT_FOUND', `GitLab answered 404 while trying to ${what}`, details);
  return deliveryError('FORGE_FAILED', `GitLab failed to ${what}: ${apiMessage}`, details);
}

/** The `@gitbeaker/rest` client for the connection settings of {@link GitLabForgeOptions}. */
export function createGitLabApi(
  options: Pick<GitLabForgeOptions, 'baseUrl' | 'token' | 'tokenType' | 'timeoutMs'>,
): InstanceType<typeof Gitlab> {
  return new Gitlab(
    gitlabClientOptions(
      createGitLabConfig({
        baseUrl: options.baseUrl,
        token: options.token,
        tokenType: options.tokenType,
        timeoutMs: options.timeoutMs,
      }),
    ),
  );
}

/**
 * Runs one GitLab call for `project`: a thrown error becomes a delivery code ({@link gitlabError}) and the
 * answer is parsed with `schema` (an unexpected shape is FORGE_FAILED with the first zod issues).
 */
export function gitlabCall(project: string | number) {
  return <T>(
    what: string,
    schema: z.ZodType<T>,
    run: () => Promise<unknown>,
  ): ResultAsync<T, DeliveryError> =>
    ResultAsync.fromPromise(run(), (e) => gitlabError(e, what, project)).andThen((raw) => {
      const parsed = schema.safeParse(raw);
      return parsed.success
        ? okAsync(parsed.data)
        : errAsync(
            deliveryError('FORGE_FAILED', `GitLab answered an unexpected shape while trying to ${what}`, {
              issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
            }),
          );
    });
}

/** True for GitLab's 409 "Another open merge request already exists for this source branch". */
export function isMergeRequestAlreadyExists(thrown: unknown): boolean {
  const failure = readUpstreamFailure(thrown);
  return failure.status === 409 && /another open merge request already exists/i.test(failure.message);
}

/**
 * GitLab delivery target over `@gitbeaker/rest` (REST v4; gitlab.com or a self-managed `baseUrl`). Merge
 * requests are found by source branch first (`GET /projects/:id/merge_requests?source_branch=…`), so a
 * retried delivery updates instead of opening a second MR; GitLab's 409 "Another open merge request already
 * exists" (someone won a race) is answered by looking it up again and updating it. An MR for the branch that
 * was closed or merged while the session ran is reported (PR_CLOSED / PR_MERGED), never reopened. Notes on the
 * source issue (or MR, `noteOn`) are found by their hidden marker and updated. Configured labels are added.
 * Errors: FORGE_AUTH_FAILED (401: expired/revoked token), FORGE_NOT_FOUND (unknown project, issue or MR),
 * FORGE_RATE_LIMITED, FORGE_FAILED, PR_CLOSED, PR_MERGED.
 */
export function createGitLabForge(options: GitLabForgeOptions): ForgeClient {
  const { project } = options;
  const api = createGitLabApi(options);
  const labels = options.labels ?? [];
  const call = gitlabCall(project);

  const findMergeRequests = (branch: string) =>
    call('list merge requests', z.array(mergeRequestSchema), () =>
      api.MergeRequests.all({ projectId: project, sourceBranch: branch, perPage: 100 }),
    ).map((all) => {
      const open = all.find((m) => m.state === 'opened');
      return { open, closed: open === undefined ? all[0] : undefined };
    });

  const changed = (mr: MergeRequest, input: ChangeRequestInput) =>
    mr.title !== input.title ||
    (mr.description ?? '') !== input.body ||
    labels.some((l) => !mr.labels.includes(l));

  const updateIfNeeded = (
    mr: MergeRequest,
    input: ChangeRequestInput,
  ): ResultAsync<ChangeRequest, DeliveryError> => {
    if (!changed(mr, input))
      return okAsync({ number: mr.iid, url: mr.web_url, created: false, updated: false });
    return call('update the merge request', mergeRequestSchema, () =>
      api.MergeRequests.edit(project, mr.iid, {
        title: input.title,
        description: input.body,
        ...(labels.length === 0 ? {} : { addLabels: labels.join(',') }),
      }),
    ).map((updated) => ({ number: updated.iid, url: updated.web_url, created: false, updated: true }));
  };

  const openOrUpdateChangeRequest = (input: ChangeRequestInput): ResultAsync<ChangeRequest, DeliveryError> =>
    findMergeRequests(input.headBranch).andThen(
      ({ open, closed }): ResultAsync<ChangeRequest, DeliveryError> => {
        if (open !== undefined) return updateIfNeeded(open, input);
        if (closed !== undefined) {
          const merged = closed.state === 'merged';
          return errAsync(
            deliveryError(
              merged ? 'PR_MERGED' : 'PR_CLOSED',
              `Merge request !${closed.iid} for ${input.headBranch} was ${merged ? 'merged' : 'closed'}; not reopening it`,
              { number: closed.iid, url: closed.web_url },
            ),
          );
        }
        const title =
          input.draft === true && !/^draft:/i.test(input.title) ? `Draft: ${input.title}` : input.title;
        return ResultAsync.fromPromise(
          api.MergeRequests.create(project, input.headBranch, input.baseBranch, title, {
            description: input.body,
            ...(labels.length === 0 ? {} : { labels: labels.join(',') }),
          }),
          (thrown) => thrown,
        )
          .orElse((thrown) => {
            if (!isMergeRequestAlreadyExists(thrown))
              return errAsync(gitlabError(thrown, 'open the merge request', project));
            return okAsync(null);
          })
          .andThen((raw): ResultAsync<ChangeRequest, DeliveryError> => {
            if (raw === null) {
              return findMergeRequests(input.headBranch).andThen(({ open: raced }) =>
                raced === undefined
                  ? errAsync(
                      deliveryError(
                        'FORGE_FAILED',
                        'GitLab reported an open MR for the branch but lists none',
                        {
                          branch: input.headBranch,
                        },
                      ),
                    )
                  : updateIfNeeded(raced, input),
              );
            }
            const parsed = mergeRequestSchema.safeParse(raw);
            if (!parsed.success)
              return errAsync(
                deliveryError('FORGE_FAILED', 'GitLab answered an unexpected merge request shape'),
              );
            return okAsync({
              number: parsed.data.iid,
              url: parsed.data.web_url,
              created: true,
              updated: false,
            });
          });
      },
    );

  const onMergeRequest = options.noteOn === 'merge_request';
  const notes = onMergeRequest ? api.MergeRequestNotes : api.IssueNotes;
  const what = onMergeRequest ? 'merge request' : 'issue';

  /** The source issue or MR (its web URL anchors our note's URL; its labels are topped up). */
  const noteable = (iid: number) =>
    call(`read the source ${what}`, issueSchema, () =>
      onMergeRequest ? api.MergeRequests.show(project, iid) : api.Issues.show(iid, { projectId: project }),
    );

  const labelIssue = (iid: number, current: readonly string[]): ResultAsync<void, DeliveryError> => {
    const missing = (options.issueLabels ?? []).filter((l) => !current.includes(l));
    if (missing.length === 0) return okAsync(undefined);
    return call(`label the source ${what}`, issueSchema, () =>
      onMergeRequest
        ? api.MergeRequests.edit(project, iid, { addLabels: missing.join(',') })
        : api.Issues.edit(project, iid, { addLabels: missing.join(',') }),
    ).map(() => undefined);
  };

  const upsertIssueComment = (input: IssueCommentInput): ResultAsync<IssueComment, DeliveryError> => {
    if (!input.body.includes(input.marker))
      throw new Error('upsertIssueComment: body must contain the marker');
    return noteable(input.issueNumber).andThen((source) => {
      const noteUrl = (id: number) => `${source.web_url}#note_${id}`;
      return call(`list the ${what}'s notes`, z.array(noteSchema), () =>
        notes.all(project, input.issueNumber, { perPage: 100 }),
      )
        .andThen((all): ResultAsync<IssueComment, DeliveryError> => {
          const mine = all.find((n) => n.body.includes(input.marker));
          if (mine === undefined) {
            return call(`note the ${what}`, noteSchema, () =>
              notes.create(project, input.issueNumber, input.body),
            ).map((n) => ({ id: n.id, url: noteUrl(n.id), created: true }));
          }
          if (mine.body === input.body)
            return okAsync({ id: mine.id, url: noteUrl(mine.id), created: false });
          return call(`update the ${what} note`, noteSchema, () =>
            notes.edit(project, input.issueNumber, mine.id, { body: input.body }),
          ).map(() => ({ id: mine.id, url: noteUrl(mine.id), created: false }));
        })
        .andThen((note) => labelIssue(input.issueNumber, source.labels).map(() => note));
    });
  };

  const closeChangeRequest = (
    input: CloseChangeRequestInput,
  ): ResultAsync<ClosedChangeRequest, DeliveryError> =>
    call('read the merge request', mergeRequestSchema, () =>
      api.MergeRequests.show(project, input.number),
    ).andThen((mr) => {
      if (mr.state === 'merged')
        return errAsync(
          deliveryError(
            'PR_MERGED',
            `Merge request !${mr.iid} is already merged; revert it on the target branch instead`,
            {
              number: mr.iid,
              url: mr.web_url,
            },
          ),
        );
      const noteUrl = (id: number) => `${mr.web_url}#note_${id}`;
      const note = call("list the merge request's notes", z.array(noteSchema), () =>
        api.MergeRequestNotes.all(project, input.number, { perPage: 100 }),
      ).andThen((all) => {
        const mine = all.find((n) => n.body.includes(input.marker));
        if (mine !== undefined) return okAsync(noteUrl(mine.id));
        return call('note the merge request', noteSchema, () =>
          api.MergeRequestNotes.create(project, input.number, input.comment),
        ).map((n) => noteUrl(n.id));
      });
      return note.andThen((commentUrl) =>
        mr.state !== 'opened'
          ? okAsync({ number: mr.iid, url: mr.web_url, closedNow: false, commentUrl })
          : call('close the merge request', mergeRequestSchema, () =>
              api.MergeRequests.edit(project, input.number, { stateEvent: 'close' }),
            ).map(() => ({ number: mr.iid, url: mr.web_url, closedNow: true, commentUrl })),
      );
    });

  return {
    target: `gitlab:${String(project)}`,
    closeChangeRequest,
    templateForge: 'gitlab',
    ...(options.template === undefined ? {} : { templateName: options.template }),
    changeRequestNoun: 'merge request',
    openOrUpdateChangeRequest,
    upsertIssueComment,
  };
}
