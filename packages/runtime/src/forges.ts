/**
 * The forges configured in config.yaml (GitHub, GitLab, the Jira return path) and the daemon's delivery
 * stage over them. The merge follow-up lives in `merge-follow-up.ts`, the recorded ticket updates both
 * use in `ticket-update.ts`.
 */
import { err, type Logger, makeError, ok, okAsync, type WorkTrainError } from '@worktrain/contracts';
import {
  type ChecksSandbox,
  createGitHubForge,
  createGitHubMergeClient,
  createGitLabForge,
  createGitLabMergeClient,
  createJiraReturnPath,
  type DeliveryCheck,
  type ForgeClient,
  type JiraReturnPath,
  type MergeClient,
} from '@worktrain/delivery';
import type { SessionStore } from '@worktrain/session-store';
import type { RuntimeConfig } from './config.js';
import { createDelivery, type DeliverFn, type DeliverRequest } from './delivery.js';
import type { ForgeKind, JiraDeliveryRoutes } from './payload.js';
import { updateTicket } from './ticket-update.js';

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
  /** The merge gate's client for a project (head SHA, CI, guarded merge); null when its forge is not configured. */
  mergeClientFor(forge: ForgeKind, project: string): MergeClient | null;
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
    mergeClientFor(forge, project) {
      if (forge === 'github') {
        if (github === undefined) return null;
        const [owner = '', repo = ''] = project.split('/');
        return createGitHubMergeClient({ owner, repo, token: github.token, baseUrl: github.apiBaseUrl });
      }
      if (gitlab === undefined) return null;
      return createGitLabMergeClient({
        project: /^\d+$/.test(project) ? Number(project) : project,
        token: gitlab.token,
        baseUrl: gitlab.baseUrl,
      });
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
