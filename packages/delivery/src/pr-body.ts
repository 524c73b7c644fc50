/**
 * Pull request bodies: the repository's template, filled section by section, plus a WorkTrain footer.
 * Template locations and names follow GitHub docs "Creating a pull request template for your repository":
 * `pull_request_template.md` (any case) in `.github/`, the root, or `docs/`.
 */

export const PULL_REQUEST_TEMPLATE_PATHS: readonly string[] = [
  '.github/pull_request_template.md',
  '.github/PULL_REQUEST_TEMPLATE.md',
  'pull_request_template.md',
  'PULL_REQUEST_TEMPLATE.md',
  'docs/pull_request_template.md',
  'docs/PULL_REQUEST_TEMPLATE.md',
];

/** GitHub's limit on an issue or PR body is 65 536 characters; we stay below it. */
export const MAX_BODY_CHARS = 60_000;

export interface PullRequestContent {
  readonly summary: string;
  readonly changes: string;
  readonly testing: string;
  /** e.g. `Closes #12`, or empty. */
  readonly relatedIssue: string;
}

type Section = keyof PullRequestContent;

/** Heading text → section, first match wins (so "Related issue" is not taken for "Description"). */
const SECTION_PATTERNS: readonly [Section, RegExp][] = [
  ['relatedIssue', /related|issue|ticket|closes|fixes|resolves|references|links?\b/],
  ['testing', /test|verif|\bqa\b|how to try|validation/],
  [
    'summary',
    /summary|description|overview|what does this|what is this|motivation|\bwhy\b|context|purpose|about/,
  ],
  ['changes', /change|implementation|details|changelog/],
  ['summary', /\bwhat\b/],
];

/** Which section a heading names, or null. */
export function classifyHeading(heading: string): Section | null {
  const text = heading
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, ' ')
    .trim();
  for (const [section, pattern] of SECTION_PATTERNS) if (pattern.test(text)) return section;
  return null;
}

/**
 * Fills a markdown template: the body of the first heading of each known section (Summary/Description,
 * Changes, Testing/How to test, Related issue) is replaced by our content, keeping its checklist lines
 * (`- [ ] …`); other sections stay as written. A summary with no matching heading goes first; a related
 * issue with no heading goes last. Headings inside code fences are ignored.
 */
export function fillPullRequestTemplate(template: string, content: PullRequestContent): string {
  const lines = template.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  const filled = new Set<Section>();
  let inFence = false;
  let skipping = false;
  let kept: string[] = [];
  const flush = () => {
    if (kept.length > 0) out.push('', ...kept);
    kept = [];
  };
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading !== null) {
      if (skipping) flush();
      skipping = false;
      out.push(line);
      const section = classifyHeading(heading[1] ?? '');
      if (section !== null && !filled.has(section) && content[section].trim() !== '') {
        filled.add(section);
        out.push('', content[section].trim(), '');
        skipping = true;
      }
      continue;
    }
    if (skipping) {
      if (/^\s*[-*] \[[ xX]\]/.test(line)) kept.push(line);
      continue;
    }
    out.push(line);
  }
  if (skipping) flush();
  let body = out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (!filled.has('summary') && content.summary.trim() !== '') body = `${content.summary.trim()}\n\n${body}`;
  if (!filled.has('relatedIssue') && content.relatedIssue.trim() !== '')
    body = `${body}\n\n${content.relatedIssue.trim()}`;
  return body;
}

/** The body used when the repository has no template. */
export function defaultPullRequestBody(content: PullRequestContent): string {
  const parts = [`## Summary\n\n${content.summary.trim()}`];
  if (content.changes.trim() !== '') parts.push(`## Changes\n\n${content.changes.trim()}`);
  if (content.testing.trim() !== '') parts.push(`## Testing\n\n${content.testing.trim()}`);
  if (content.relatedIssue.trim() !== '') parts.push(`## Related issue\n\n${content.relatedIssue.trim()}`);
  return parts.join('\n\n');
}

/** Hidden marker that identifies WorkTrain's comment or PR for a session (used to find and update it). */
export function sessionMarker(sessionId: string): string {
  return `<!-- worktrain:session=${sessionId} -->`;
}

/** Footer appended to PR bodies: who made it, the session, and the marker. */
export function pullRequestFooter(sessionId: string, sessionUrl?: string, workflowId?: string): string {
  const link = sessionUrl === undefined ? `\`${sessionId}\`` : `[\`${sessionId}\`](${sessionUrl})`;
  const workflow = workflowId === undefined ? '' : ` · workflow \`${workflowId}\``;
  return `---\n<sub>🤖 Delivered by WorkTrain · session ${link}${workflow}</sub>\n\n${sessionMarker(sessionId)}`;
}

/** Template-filled (or default) body plus footer, capped at {@link MAX_BODY_CHARS}. */
export function renderPullRequestBody(
  template: string | null,
  content: PullRequestContent,
  footer: string,
): string {
  let body = template === null ? defaultPullRequestBody(content) : fillPullRequestTemplate(template, content);
  const room = MAX_BODY_CHARS - footer.length - 40;
  if (body.length > room) body = `${body.slice(0, room)}\n\n…(truncated)`;
  return `${body}\n\n${footer}\n`;
}
