import type { NotificationEvent } from './types.js';

/**
 * Escapes text for Slack `mrkdwn` and `text`: Slack reads `&`, `<` and `>` as control characters (links,
 * mentions) and asks for exactly these three to be escaped ("Formatting text for app surfaces", Escaping
 * text). Untrusted text (issue titles) must never become a `<!channel>` mention.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const link = (url: string, label: string) =>
  `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeSlack(label)}>`;

const HEADINGS: Record<NotificationEvent['type'], string> = {
  'session.completed': 'WorkTrain session completed',
  'session.failed': 'WorkTrain session failed',
  'approval.needed': 'WorkTrain approval needed',
};

/** A Slack Block Kit block (only the kinds this module sends). */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji?: boolean } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> };

/** The JSON body of a Slack incoming-webhook message: `text` (notification fallback) and `blocks`. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: SlackBlock[];
}

/**
 * Renders a notification as a Slack incoming-webhook message (Block Kit): a `header` (plain text, ≤150
 * characters), a `section` with the summary and links (mrkdwn, ≤3 000 characters), and a `context` line
 * with the session id (and, for approvals, the command that decides). `text` is the plain fallback Slack
 * shows in notifications. Limits are Slack's (Block Kit reference: header 150, section text 3 000).
 */
export function renderSlackMessage(event: NotificationEvent): SlackMessage {
  const heading = HEADINGS[event.type];
  const lines: string[] = [];
  if (event.title) lines.push(`*${escapeSlack(clip(event.title, 300))}*`);
  lines.push(escapeSlack(clip(event.summary, 1500)));
  if (event.approval !== null) {
    const a = event.approval;
    lines.push(
      `*Action:* \`${escapeSlack(a.action)}\` (${a.tier} tier) — ${escapeSlack(clip(a.summary, 500))}`,
    );
    if (a.autoApproveAt !== null)
      lines.push(`Approves itself at ${new Date(a.autoApproveAt).toISOString()} unless someone decides.`);
  }
  if (event.url !== null) lines.push(link(event.url, event.url));
  if (event.sessionUrl !== null) lines.push(link(event.sessionUrl, 'Session'));
  const context = [`Session \`${escapeSlack(event.sessionId)}\``];
  if (event.workflowId !== null) context.push(`workflow \`${escapeSlack(event.workflowId)}\``);
  if (event.approval !== null)
    context.push(`decide: \`worktrain approvals approve|reject ${escapeSlack(event.approval.id)}\``);
  return {
    text: clip(`${heading}: ${event.title ?? event.sessionId} — ${event.summary}`, 3000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(heading, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(context.join(' · '), 3000) }] },
    ],
  };
}
