/**
 * The proof record as Markdown for the PR/MR description (issue #15: "a summary in the PR body"): one row
 * per gate with its verdict and note, the record's id and head hash, and how to check it
 * (`worktrain verify`). Evidence itself stays in the record; the summary only points at it.
 */
import type { ProofEntry } from './schema.js';

const ICON: Record<ProofEntry['verdict'], string> = { pass: '✅', fail: '❌', escalate: '⚠️', info: 'ℹ️' };

/** Escapes what would break a Markdown table cell. */
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

/** Renders `entries` (in order; the `opened` entry is left out) as the PR/MR's proof section. */
export function renderProofSummary(proofId: string, entries: readonly ProofEntry[]): string {
  const rows = entries
    .filter((e) => e.gate !== 'opened')
    .map(
      (e) =>
        `| ${cell(e.gate)} | ${ICON[e.verdict]} ${e.verdict} | ${cell(e.note ?? '')} | ${cell(`${e.actor.kind}:${e.actor.id}`)} |`,
    );
  const head = entries.at(-1);
  return [
    '### WorkTrain proof record',
    '',
    '| gate | verdict | note | actor |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Record \`${proofId}\`, ${entries.length} entries, head \`${head?.hash.slice(0, 19) ?? '-'}\`, signed (Ed25519). Check it with \`worktrain verify <this PR's URL>\`.`,
  ].join('\n');
}
