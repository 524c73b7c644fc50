import { type GitTarget, okAsync, type ResultAsync } from '@worktrain/contracts';
import type { DeliveryError } from './errors.js';
import { runGit } from './git.js';
import type { ParsedHandoff } from './handoff.js';
import { PULL_REQUEST_TEMPLATE_PATHS, type PullRequestContent } from './pr-body.js';

/** Notes longer than this are cut in the PR summary (characters). */
const MAX_NOTES_CHARS = 4000;

/**
 * The repository's PR template as of `commit` (the base, so the agent cannot rewrite the template it is
 * judged by), found case-insensitively in `paths` in order (default GitHub's: `.github/`, the root, then
 * `docs/`); null when there is none.
 */
export function readPullRequestTemplate(
  worktree: GitTarget,
  commit: string,
  paths: readonly string[] = PULL_REQUEST_TEMPLATE_PATHS,
): ResultAsync<string | null, DeliveryError> {
  return runGit(worktree, [
    '-c',
    'core.quotePath=false',
    'ls-tree',
    '-r',
    '--name-only',
    '-z',
    commit,
  ]).andThen((o) => {
    const files = o.stdout.split('\0');
    const wanted = paths.map((p) => p.toLowerCase());
    const found = wanted.map((w) => files.find((f) => f.toLowerCase() === w)).find((f) => f !== undefined);
    if (found === undefined) return okAsync(null);
    return runGit(worktree, ['show', `${commit}:${found}`]).map((s) => s.stdout);
  });
}

const code = (path: string) => `\`${path.replace(/`/g, '')}\``;
const bullets = (items: readonly string[], wrap: (s: string) => string = (s) => s) =>
  items.map((i) => `- ${wrap(i.replace(/\s+/g, ' ').trim())}`).join('\n');

/** Section contents of the PR body from the handoff, the step notes and the source issue. */
export function buildPullRequestContent(
  parsed: ParsedHandoff,
  summary: string,
  issueNumber?: number,
): PullRequestContent {
  const notes = parsed.notesMarkdown?.trim() ?? '';
  const summaryText =
    notes === ''
      ? summary.trim()
      : notes.length > MAX_NOTES_CHARS
        ? `${notes.slice(0, MAX_NOTES_CHARS)}…`
        : notes;
  const { handoff } = parsed;
  const changes = [
    handoff.filesChanged.length > 0 ? `Files changed:\n${bullets(handoff.filesChanged, code)}` : '',
    handoff.keyDecisions.length > 0 ? `Key decisions:\n${bullets(handoff.keyDecisions)}` : '',
    handoff.knownLimitations.length > 0 ? `Known limitations:\n${bullets(handoff.knownLimitations)}` : '',
  ]
    .filter((s) => s !== '')
    .join('\n\n');
  const testing =
    handoff.testsAdded.length > 0
      ? `Tests added:\n${bullets(handoff.testsAdded, code)}`
      : 'No tests were added by this change.';
  return {
    summary: summaryText,
    changes,
    testing,
    relatedIssue: issueNumber === undefined ? '' : `Closes #${issueNumber}`,
  };
}

/** The issue comment: link to the PR, the session, and the hidden marker used to find it again. */
export function commentBody(
  pullRequestUrl: string,
  sessionId: string,
  marker: string,
  sessionUrl?: string,
  noun = 'pull request',
): string {
  const session = sessionUrl === undefined ? `\`${sessionId}\`` : `[\`${sessionId}\`](${sessionUrl})`;
  return `WorkTrain opened a ${noun} for this issue: ${pullRequestUrl}\n\n<sub>Session ${session}</sub>\n\n${marker}\n`;
}
