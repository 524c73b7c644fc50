import { type JsonObject, JsonObjectSchema } from '@worktrain/contracts';
import { type TaskCandidate, TaskCandidateSchema } from '@worktrain/triggers';
import * as z from 'zod';

/** A task enqueued by `POST /api/v1/dispatch` (or `worktrain run` through the daemon). */
export const DispatchPayloadSchema = z.strictObject({
  kind: z.literal('dispatch'),
  workflowId: z.string().min(1).max(200),
  goal: z.string().min(1).max(65_536),
  /** The git repository to work in (absolute path). */
  workspace: z.string().min(1).max(4096),
  title: z.string().max(1024).optional(),
  context: JsonObjectSchema.optional(),
  /**
   * Forge to deliver to (default `github`). With `gitlab`, `project` (or `repo`) is the GitLab project path
   * (`group/subgroup/app`) or numeric id.
   */
  forge: z.enum(['github', 'gitlab']).optional(),
  /** GitHub repository (`owner/name`) to deliver the PR to; without it the work stays on the branch. */
  repo: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/)
    .optional(),
  /** The forge project: GitHub `owner/name`, GitLab `group/…/name` or a numeric GitLab project id. */
  project: z
    .string()
    .regex(
      /^(?:\d+|[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)$/,
      'project must be owner/name, a group path or an id',
    )
    .optional(),
  /** Source issue number (GitLab: issue iid): the PR says `Closes #N` and the issue gets a comment. */
  issueNumber: z.number().int().positive().optional(),
  /** Dry run: the session runs, then delivery only reports what it would push and open (stage `dry_run`). */
  dryRun: z.boolean().optional(),
  /** PR/MR template name (`bugfix`): `.github/PULL_REQUEST_TEMPLATE/bugfix.md`, `.gitlab/merge_request_templates/Bugfix.md`. */
  template: z.string().min(1).max(100).optional(),
  /** Jira ticket (`WT-12`) moved to "In Review", linked and commented once the PR/MR is open. */
  jiraIssueKey: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*-\d+$/, 'jiraIssueKey must look like PROJ-123')
    .optional(),
  /**
   * The session or pipeline this session is a child of (`worktrain spawn --parent`): recorded as the new
   * session's `parentSessionId`, so `GET /api/v1/sessions?parent=` and `sessions list --tree` show it there.
   */
  parentSessionId: z.string().min(1).max(128).optional(),
});
export type DispatchPayload = z.infer<typeof DispatchPayloadSchema>;

/** A task that continues an existing session (after an approval, or `sessions resume`). */
export const ResumePayloadSchema = z.strictObject({
  kind: z.literal('resume'),
  sessionId: z.string().min(1).max(200),
});

/** The forges delivery can open a change request on. */
export type ForgeKind = 'github' | 'gitlab';

/**
 * Where a Jira project's work is delivered (runtime config `jira.projects`): Jira holds no code, so a
 * ticket's change request goes to this forge project.
 */
export interface JiraDeliveryRoute {
  readonly forge: ForgeKind;
  /** GitHub `owner/name`, GitLab project path (`group/app`) or numeric id. */
  readonly project: string;
}

/** Jira project key (`WT`) or `*` (any other project) → where its tickets' code goes. */
export type JiraDeliveryRoutes = Readonly<Record<string, JiraDeliveryRoute>>;

/** Where a session's work is delivered. Stored in the session's context, so recovery needs nothing else. */
export interface DeliveryTarget {
  /** The forge of `repo` (`github` for sessions recorded before GitLab support). */
  readonly forge: ForgeKind;
  /** The forge project: GitHub `owner/name`, GitLab path or id; null = nowhere (the work stays on the branch). */
  readonly repo: string | null;
  /** Source issue number (GitLab: iid) that gets a comment/note, or the MR iid when `noteOn` is `merge_request`. */
  readonly issueNumber: number | null;
  /** What `issueNumber` names; GitLab merge request events note the MR itself. */
  readonly noteOn: 'issue' | 'merge_request';
  /** Jira ticket (`WT-12`) moved, linked and commented once the change request is open. */
  readonly jiraIssueKey: string | null;
  /** Dry run: delivery plans (`planDelivery`) instead of pushing and opening. */
  readonly dryRun?: boolean;
  /** PR/MR template name asked for by the dispatch (`template`) or the trigger (metadata `deliveryTemplate`). */
  readonly template?: string | null;
}

/** Options of {@link readWorkItem}. */
export interface ReadWorkItemOptions {
  /** Where Jira tickets' code is delivered (config `jira.projects`); none = Jira tasks stay on the branch. */
  readonly jiraRoutes?: JiraDeliveryRoutes;
}

/** What a worker runs, whatever enqueued it. */
export type WorkItem =
  | {
      readonly kind: 'start';
      readonly workflowId: string;
      readonly goal: string;
      readonly repoPath: string;
      readonly title: string | null;
      readonly context: JsonObject;
      readonly candidate: TaskCandidate | null;
      readonly target: DeliveryTarget;
      /** The parent session or pipeline of a dispatched child (`parentSessionId` of the dispatch). */
      readonly parentSessionId?: string;
    }
  | { readonly kind: 'resume'; readonly sessionId: string }
  | MergedChangeRequest
  | PipelineWorkItem;

/**
 * A trigger's candidate that names a pipeline (triggers.yaml `pipeline: feature`): the task starts that
 * pipeline (`lifecycle/start-pipeline.ts`) instead of running a session itself.
 */
export interface PipelineWorkItem {
  readonly kind: 'pipeline';
  /** The pipeline kind, as the trigger named it when the event was admitted. */
  readonly pipeline: string;
  readonly goal: string;
  readonly repoPath: string;
  readonly title: string | null;
  readonly candidate: TaskCandidate;
  readonly target: DeliveryTarget;
}

/**
 * A merge request (GitLab) or pull request (GitHub, when the trigger reports `merged: true`) that WorkTrain
 * opened for a session (head branch `worktrain/<sessionId>`) was merged: no new session; the session's
 * Jira ticket (if any) moves to the `onMerged` status.
 */
export interface MergedChangeRequest {
  readonly kind: 'merged';
  readonly sessionId: string;
  readonly forge: ForgeKind;
  readonly project: string;
  readonly number: number;
  readonly url: string | null;
  readonly title: string;
}

/**
 * Reads a task payload: a trigger's TaskCandidate (a session of its `workflowId`, or a `pipeline` to start),
 * a dispatch, or a resume; `{error}` says why it is none.
 * The delivery target comes from the candidate's metadata (GitHub `repo`/`number`, GitLab `project`/`iid`,
 * Jira `key` routed through `options.jiraRoutes`) or from the dispatch's `forge`/`project`/`repo` fields.
 */
export function readWorkItem(
  payload: unknown,
  options: ReadWorkItemOptions = {},
): { ok: WorkItem } | { error: string } {
  const resume = ResumePayloadSchema.safeParse(payload);
  if (resume.success) return { ok: { kind: 'resume', sessionId: resume.data.sessionId } };
  const dispatch = DispatchPayloadSchema.safeParse(payload);
  if (dispatch.success)
    return {
      ok: {
        kind: 'start',
        workflowId: dispatch.data.workflowId,
        goal: dispatch.data.goal,
        repoPath: dispatch.data.workspace,
        title: dispatch.data.title ?? null,
        context: dispatch.data.context ?? {},
        candidate: null,
        target: {
          ...dispatchTarget(dispatch.data, options.jiraRoutes ?? {}),
          ...(dispatch.data.dryRun === true ? { dryRun: true } : {}),
          ...(dispatch.data.template === undefined ? {} : { template: dispatch.data.template }),
        },
        ...(dispatch.data.parentSessionId === undefined
          ? {}
          : { parentSessionId: dispatch.data.parentSessionId }),
      },
    };
  const candidate = TaskCandidateSchema.safeParse(payload);
  if (candidate.success) {
    const c = candidate.data;
    const merged = mergedChangeRequest(c);
    if (merged !== null) return { ok: merged };
    const target: DeliveryTarget = {
      ...candidateTarget(c, options.jiraRoutes ?? {}),
      ...(typeof c.metadata.deliveryTemplate === 'string' ? { template: c.metadata.deliveryTemplate } : {}),
    };
    if (c.pipeline !== undefined)
      return {
        ok: {
          kind: 'pipeline',
          pipeline: c.pipeline,
          goal: c.goal,
          repoPath: c.workspace,
          title: c.title,
          candidate: c,
          target,
        },
      };
    // The schema holds exactly one of workflowId and pipeline; this only narrows the type.
    if (c.workflowId === undefined) return { error: 'trigger candidate names no workflowId' };
    return {
      ok: {
        kind: 'start',
        workflowId: c.workflowId,
        goal: c.goal,
        repoPath: c.workspace,
        title: c.title,
        context: {
          source: {
            sourceId: c.sourceId,
            url: c.url,
            title: c.title,
            body: c.body,
            labels: c.labels,
            author: c.author,
            triggerId: c.triggerId,
          },
          ...c.metadata,
        },
        candidate: c,
        target,
      },
    };
  }
  return {
    error: `task payload is neither a trigger candidate, a dispatch nor a resume: ${dispatch.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ')}`,
  };
}

const SESSION_BRANCH = /^worktrain\/(sess_[A-Za-z0-9_-]+)$/;

/** A candidate that is the merge of a change request WorkTrain opened, or null. */
function mergedChangeRequest(c: TaskCandidate): MergedChangeRequest | null {
  const m = c.metadata;
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const gitlab = c.sourceId.startsWith('gitlab:') && m.kind === 'merge_request' && m.state === 'merged';
  const github =
    c.sourceId.startsWith('github:') &&
    m.kind === 'pull_request' &&
    m.merged === true &&
    m.state === 'closed';
  if (!gitlab && !github) return null;
  const branch = SESSION_BRANCH.exec(text(gitlab ? m.sourceBranch : m.headRef) ?? '');
  const project = text(gitlab ? m.project : m.repo);
  const number = gitlab ? m.iid : m.number;
  if (branch?.[1] === undefined || project === null || typeof number !== 'number') return null;
  return {
    kind: 'merged',
    sessionId: branch[1],
    forge: gitlab ? 'gitlab' : 'github',
    project,
    number,
    url: c.url,
    title: c.title,
  };
}

const NOWHERE: DeliveryTarget = {
  forge: 'github',
  repo: null,
  issueNumber: null,
  noteOn: 'issue',
  jiraIssueKey: null,
};

/** Where a dispatch's change is delivered (its forge, project, issue; a Jira key routed by `routes`). */
export function dispatchTarget(d: DispatchPayload, routes: JiraDeliveryRoutes): DeliveryTarget {
  const repo = d.project ?? d.repo ?? null;
  const jiraIssueKey = d.jiraIssueKey ?? null;
  if (repo === null && jiraIssueKey !== null) return jiraTarget(jiraIssueKey, null, routes);
  return {
    forge: d.forge ?? 'github',
    repo,
    issueNumber: d.issueNumber ?? null,
    noteOn: 'issue',
    jiraIssueKey,
  };
}

function candidateTarget(c: TaskCandidate, routes: JiraDeliveryRoutes): DeliveryTarget {
  const m = c.metadata;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  if (c.sourceId.startsWith('github:'))
    return {
      ...NOWHERE,
      repo: text(m.repo),
      // A pull request is not an issue: no `Closes #N` and no comment on it.
      issueNumber: m.kind === 'issue' ? num(m.number) : null,
    };
  if (c.sourceId.startsWith('gitlab:')) {
    const iid = num(m.iid);
    const mergeRequest = m.kind === 'merge_request' ? iid : num(m.mergeRequestIid);
    if (m.kind === 'issue') return { ...NOWHERE, forge: 'gitlab', repo: text(m.project), issueNumber: iid };
    return {
      ...NOWHERE,
      forge: 'gitlab',
      repo: text(m.project),
      issueNumber: mergeRequest,
      noteOn: mergeRequest === null ? 'issue' : 'merge_request',
    };
  }
  if (c.sourceId.startsWith('jira:')) {
    const key = text(m.key);
    return key === null ? NOWHERE : jiraTarget(key, text(m.project), routes);
  }
  return NOWHERE;
}

/** A Jira ticket's target: its project's route (by `projectKey`, else the key's prefix), else `*`. */
function jiraTarget(key: string, projectKey: string | null, routes: JiraDeliveryRoutes): DeliveryTarget {
  const project = projectKey ?? key.slice(0, Math.max(0, key.lastIndexOf('-')));
  const route = (Object.hasOwn(routes, project) ? routes[project] : undefined) ?? routes['*'];
  if (route === undefined) return { ...NOWHERE, jiraIssueKey: key };
  return { ...NOWHERE, forge: route.forge, repo: route.project, jiraIssueKey: key };
}

/**
 * The target as stored in a session's `daemon` context (`repo`, `issueNumber`, `forge`, `noteOn`,
 * `jiraIssueKey`); sessions recorded before GitLab support hold only `repo` and `issueNumber`.
 */
export function targetToJson(target: DeliveryTarget): JsonObject {
  return {
    repo: target.repo,
    issueNumber: target.issueNumber,
    forge: target.forge,
    noteOn: target.noteOn,
    jiraIssueKey: target.jiraIssueKey,
    ...(target.dryRun === true ? { dryRun: true } : {}),
    ...(typeof target.template === 'string' ? { template: target.template } : {}),
  };
}

/** Reads {@link targetToJson}'s fields back from a stored context object (missing fields = defaults). */
export function targetFromJson(v: Readonly<Record<string, unknown>>): DeliveryTarget {
  return {
    forge: v.forge === 'gitlab' ? 'gitlab' : 'github',
    repo: typeof v.repo === 'string' ? v.repo : null,
    issueNumber: typeof v.issueNumber === 'number' ? v.issueNumber : null,
    noteOn: v.noteOn === 'merge_request' ? 'merge_request' : 'issue',
    jiraIssueKey: typeof v.jiraIssueKey === 'string' ? v.jiraIssueKey : null,
    ...(v.dryRun === true ? { dryRun: true } : {}),
    ...(typeof v.template === 'string' ? { template: v.template } : {}),
  };
}
