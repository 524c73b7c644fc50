import type { CandidateDraft } from '../candidate.js';
import { labelNames, num, pick, str } from './shared.js';

/** Events the GitHub provider turns into items; others are acknowledged and ignored with a reason. */
export const GITHUB_TASK_EVENTS = [
  'issues',
  'issue_comment',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'check_suite',
  'check_run',
  'push',
] as const;

/** Draft of a GitHub issue or pull request object (REST or webhook shape). */
export function issueDraft(repo: string, item: unknown, kindHint?: 'issue' | 'pull'): CandidateDraft | null {
  const number = num(pick(item, 'number'));
  const title = str(pick(item, 'title'));
  if (number === undefined || title === undefined) return null;
  const isPull = kindHint === 'pull' || pick(item, 'pull_request') !== undefined;
  return {
    sourceId: `github:${repo}#${isPull ? 'pull' : 'issue'}/${number}`,
    title,
    body: str(pick(item, 'body')) ?? '',
    url: str(pick(item, 'html_url')) ?? null,
    labels: labelNames(pick(item, 'labels')),
    author: str(pick(item, 'user', 'login')) ?? null,
    metadata: {
      repo,
      number,
      kind: isPull ? 'pull_request' : 'issue',
      state: str(pick(item, 'state')) ?? null,
      ...(isPull ? pullFacts(item) : {}),
    },
  };
}

/**
 * What a pull request's own object says about its branches and merge, in the same shape for a webhook's
 * `pull_request` and a polled REST item (`pulls/list` has `merged_at` but no `merged`; search and issue
 * items only `pull_request.merged_at`): `headRef` / `baseRef` (null when absent), `merged` (true when
 * `merged` is true or a `merged_at` time is set) and `mergedAt` (ISO 8601, or null).
 */
function pullFacts(item: unknown): {
  headRef: string | null;
  baseRef: string | null;
  merged: boolean;
  mergedAt: string | null;
} {
  const mergedAt = str(pick(item, 'merged_at')) ?? str(pick(item, 'pull_request', 'merged_at')) ?? null;
  return {
    headRef: str(pick(item, 'head', 'ref')) ?? null,
    baseRef: str(pick(item, 'base', 'ref')) ?? null,
    merged: pick(item, 'merged') === true || mergedAt !== null,
    mergedAt,
  };
}

/**
 * Draft for one webhook event, or the reason it carries no task. Lenient by design: only the fields the
 * draft needs are required, so payloads from older or newer GitHub versions still parse.
 */
export function githubWebhookDraft(
  event: string,
  payload: Record<string, unknown>,
): { draft: CandidateDraft } | { reason: string } {
  const repo = str(pick(payload, 'repository', 'full_name'));
  if (repo === undefined) return { reason: `${event} payload has no repository.full_name` };
  const missing = (what: string) => ({ reason: `${event} payload lacks ${what}` });
  switch (event) {
    case 'issues': {
      const d = issueDraft(repo, payload.issue, 'issue');
      return d ? { draft: d } : missing('issue.number/title');
    }
    case 'issue_comment': {
      const d = issueDraft(repo, payload.issue);
      if (!d) return missing('issue.number/title');
      const comment = str(pick(payload, 'comment', 'body'));
      return {
        draft: {
          ...d,
          metadata: {
            ...d.metadata,
            commentId: num(pick(payload, 'comment', 'id')) ?? null,
            comment: comment ?? null,
          },
        },
      };
    }
    case 'pull_request':
    case 'pull_request_review':
    case 'pull_request_review_comment': {
      const d = issueDraft(repo, payload.pull_request, 'pull');
      if (!d) return missing('pull_request.number/title');
      return {
        draft: {
          ...d,
          metadata: {
            ...d.metadata,
            reviewState: str(pick(payload, 'review', 'state')) ?? null,
          },
        },
      };
    }
    case 'check_suite':
    case 'check_run': {
      const obj = payload[event];
      const id = num(pick(obj, 'id'));
      if (id === undefined) return missing(`${event}.id`);
      const suite = event === 'check_run' ? pick(obj, 'check_suite') : obj;
      const branch = str(pick(suite, 'head_branch')) ?? str(pick(obj, 'head_sha')) ?? 'unknown ref';
      const status = str(pick(obj, 'conclusion')) ?? str(pick(obj, 'status')) ?? 'unknown';
      const name = str(pick(obj, 'name')) ?? str(pick(obj, 'app', 'name')) ?? event.replace('_', ' ');
      const prs = pick(obj, 'pull_requests');
      return {
        draft: {
          sourceId: `github:${repo}#${event}/${id}`,
          title: `${name} ${status} on ${branch}`,
          body: str(pick(obj, 'output', 'summary')) ?? '',
          url: str(pick(obj, 'html_url')) ?? str(pick(obj, 'url')) ?? null,
          author: str(pick(payload, 'sender', 'login')) ?? null,
          metadata: {
            repo,
            headSha: str(pick(obj, 'head_sha')) ?? null,
            pullRequests: Array.isArray(prs)
              ? prs.flatMap((p) =>
                  num(pick(p, 'number')) !== undefined ? [num(pick(p, 'number')) ?? 0] : [],
                )
              : [],
          },
        },
      };
    }
    case 'push': {
      const after = str(payload.after);
      const ref = str(payload.ref);
      if (after === undefined || ref === undefined) return missing('ref/after');
      const commits = Array.isArray(payload.commits) ? payload.commits : [];
      return {
        draft: {
          sourceId: `github:${repo}#push/${after}`,
          title: `push to ${ref} (${commits.length} commit${commits.length === 1 ? '' : 's'})`,
          body: commits
            .flatMap((c) => (str(pick(c, 'message')) ? [`- ${str(pick(c, 'message'))}`] : []))
            .join('\n'),
          url: str(payload.compare) ?? null,
          author: str(pick(payload, 'pusher', 'name')) ?? str(pick(payload, 'sender', 'login')) ?? null,
          metadata: {
            repo,
            ref,
            before: str(payload.before) ?? null,
            after,
            deleted: payload.deleted === true,
          },
        },
      };
    }
    default:
      return {
        reason: `${event} events are not a task source (supported: ${GITHUB_TASK_EVENTS.join(', ')})`,
      };
  }
}
