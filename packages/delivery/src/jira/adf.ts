/** A minimal Atlassian Document Format (ADF) document: paragraphs of text, links and code spans (mutable
 *  arrays because jira.js's `Document` type declares them so). */
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfParagraph[];
}
interface AdfText {
  type: 'text';
  text: string;
  marks?: (
    | { readonly type: 'code' }
    | { readonly type: 'link'; readonly attrs: { readonly href: string } }
  )[];
}
interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}

/** One inline piece: plain text, a link, or a code span. */
export type AdfInline = string | { readonly link: string; readonly text: string } | { readonly code: string };

const inline = (piece: AdfInline): AdfText =>
  typeof piece === 'string'
    ? { type: 'text', text: piece }
    : 'link' in piece
      ? { type: 'text', text: piece.text, marks: [{ type: 'link', attrs: { href: piece.link } }] }
      : { type: 'text', text: piece.code, marks: [{ type: 'code' }] };

/**
 * Builds an ADF `doc` (Jira Cloud REST v3 comment bodies must be ADF, not wiki markup; see Atlassian's
 * "Atlassian Document Format" reference). Each argument is one paragraph; empty strings are dropped.
 */
export function adfDocument(...paragraphs: readonly (readonly AdfInline[])[]): AdfDocument {
  return {
    type: 'doc',
    version: 1,
    content: paragraphs
      .map((p) => p.filter((piece) => piece !== ''))
      .filter((p) => p.length > 0)
      .map((p) => ({ type: 'paragraph', content: p.map(inline) })),
  };
}

/** True when any text node of an ADF value contains `needle` (used to find our comment by its marker). */
export function adfContains(value: unknown, needle: string): boolean {
  if (typeof value === 'string') return value.includes(needle);
  if (Array.isArray(value)) return value.some((v) => adfContains(v, needle));
  if (value !== null && typeof value === 'object')
    return Object.values(value as Record<string, unknown>).some((v) => adfContains(v, needle));
  return false;
}
