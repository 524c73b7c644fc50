import type { CodingHandoff } from './handoff.js';

/** Conventional Commits types (conventionalcommits.org 1.0.0 and the Angular convention's list). */
export const CHANGE_TYPES = [
  'fix',
  'feat',
  'docs',
  'refactor',
  'perf',
  'test',
  'build',
  'ci',
  'chore',
  'style',
  'revert',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const WORKTRAIN_CO_AUTHOR = 'WorkTrain <worktrain@users.noreply.github.com>';

/** What the change is, for the commit header and PR title. */
export interface ChangeSummary {
  readonly type: ChangeType;
  readonly scope?: string;
  /** One line; trimmed, trailing period dropped, header capped at 72 characters. */
  readonly summary: string;
  /** Source issue number (GitHub `#N`). */
  readonly issueNumber?: number;
}

/** `fix(scope): summary`, one line, at most 72 characters. */
export function conventionalHeader(change: ChangeSummary): string {
  const scope = change.scope?.replace(/[^\w./-]/g, '').slice(0, 30);
  const prefix = `${change.type}${scope ? `(${scope})` : ''}: `;
  let summary = (change.summary.split(/\r?\n/)[0] ?? '').trim().replace(/\.+$/, '');
  const room = 72 - prefix.length;
  if (summary.length > room) summary = `${summary.slice(0, room - 1).trimEnd()}…`;
  return `${prefix}${summary || 'changes by WorkTrain'}`;
}

const bullets = (items: readonly string[]) =>
  items.map((i) => `- ${i.replace(/\s+/g, ' ').trim()}`).join('\n');

/**
 * Full commit message: conventional header, body from the handoff (decisions, limitations, tests), and
 * trailers `WorkTrain-Session:` and `Co-authored-by: WorkTrain <…>` (git-interpret-trailers(1) format:
 * the last paragraph, `Key: value` lines).
 */
export function commitMessage(change: ChangeSummary, handoff: CodingHandoff, sessionId: string): string {
  const sections: string[] = [];
  if (handoff.keyDecisions.length > 0) sections.push(`Key decisions:\n${bullets(handoff.keyDecisions)}`);
  if (handoff.knownLimitations.length > 0)
    sections.push(`Known limitations:\n${bullets(handoff.knownLimitations)}`);
  if (handoff.testsAdded.length > 0) sections.push(`Tests added:\n${bullets(handoff.testsAdded)}`);
  if (change.issueNumber !== undefined) sections.push(`Refs #${change.issueNumber}`);
  const trailers = `WorkTrain-Session: ${sessionId}\nCo-authored-by: ${WORKTRAIN_CO_AUTHOR}`;
  return `${[conventionalHeader(change), ...sections, trailers].join('\n\n')}\n`;
}
