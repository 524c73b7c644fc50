/**
 * Built-in `wr.refs.*` snippets: canonical text an author pulls into `promptBlocks` with
 * `{ "kind": "ref", "refId": "wr.refs.…" }`. Resolved at compile time, so the text is part of the pinned
 * workflow hash.
 *
 * The ids are WorkRail's closed set (EtienneBBeaulac/workrail
 * `src/application/services/compiler/ref-registry.ts`, MIT) so every WorkRail workflow compiles; the text is
 * WorkTrain's own.
 */

const lines = (...parts: readonly string[]): string => parts.join('\n');

/** Snippet text by ref id. Frozen: the set is closed because its text participates in workflow hashes. */
export const BUILTIN_REFS: Readonly<Record<string, string>> = Object.freeze({
  'wr.refs.memory_usage': lines(
    'Memory (only when memory tools are connected):',
    '- Before starting, look up what earlier sessions recorded about this workspace and task.',
    '- After meaningful progress, save the decisions and discoveries a future session would need.',
    '- Give saved entries specific topics and titles so they can be found again.',
    '- Memory is a convenience: if a memory call fails, note it and carry on.',
  ),
  'wr.refs.memory_store': lines(
    'Saving to memory (only when a memory store tool is connected):',
    '- Save what this phase established under a specific topic and title.',
    '- Include the file paths involved, the decision taken and why.',
    '- A failed save never blocks the workflow; continue.',
  ),
  'wr.refs.memory_query': lines(
    'Reading memory (only when memory query tools are connected):',
    '- Ask memory for earlier work on this workspace or a similar task before you begin.',
    '- Prefer queries scoped to the current workspace.',
    '- If memory is unavailable, proceed from what the session itself provides.',
  ),
  'wr.refs.notes_first_durability': lines(
    'Durable record (notes first):',
    '- Your step notes (output.notesMarkdown) are the record that survives; write them on every step.',
    '- Keep facts the workflow depends on in notes and explicit context variables, not only in side files.',
    '- Files you write for people (plans, reports) are a convenience, not the workflow memory.',
    '- A chat can be rewound or lost; what you put in notes and context is what the next step will see.',
    '- Before advancing, write down the decisions you made, the evidence behind them and what remains open.',
  ),
  'wr.refs.synthesis_under_disagreement': lines(
    'When independent outputs disagree:',
    '- Treat a disagreement as work to resolve, not noise to smooth over.',
    '- The same issue raised by two or more outputs at the same severity counts as confirmed.',
    '- The same issue at different severities takes the higher one, unless the lower one comes with concrete counter-evidence.',
    '- An issue raised by a single output gets investigated; it blocks only when it is plainly critical.',
    '- When one output calls something a false positive and another a real problem, decide it yourself and write the reasoning in your notes.',
    '- Until a material disagreement is settled, the findings outrank any earlier recommendation.',
    '- Record each contradiction you resolved together with the reason for the resolution.',
  ),
  'wr.refs.parallelize_cognition_serialize_synthesis': lines(
    'Parallel thinking, single synthesis:',
    '- Run independent thinking in parallel: gathering context, generating hypotheses, audits, reviewer passes.',
    '- Do the merging alone and in order: combining outputs, settling contradictions, taking decisions and writing final artifacts belong to you, the main agent.',
    '- No parallel helper gets to settle the canonical answer; its output is input to your decision.',
    '- Prefer one well-prepared batch of delegations over many small round trips.',
    '- Give every parallel helper its own distinct focus so their work does not overlap.',
  ),
  'wr.refs.adversarial_challenge_rules': lines(
    'Challenge rules:',
    '- Try to break the current leading position; do not only collect evidence that agrees with it.',
    '- For each conclusion ask what evidence would refute it, then check whether that evidence exists.',
    '- A position that survives a serious attempt to weaken it is stronger for it.',
    '- A weakness the challenge exposes becomes a recorded finding, and the position changes accordingly.',
    '- Rate severity by real risk, not by how awkward it is to report.',
    '- Push back on inflated severities as hard as on understated ones; false alarms cost attention too.',
    '- When two or more independent challengers raise the same serious concern, treat it as blocking unless disproven.',
  ),
});

/** The known ref ids, sorted. */
export function knownRefIds(): readonly string[] {
  return Object.keys(BUILTIN_REFS).sort();
}

/** The snippet text of a ref id, or undefined when the id is not a built-in ref. */
export function findRef(refId: string): string | undefined {
  return Object.hasOwn(BUILTIN_REFS, refId) ? BUILTIN_REFS[refId] : undefined;
}
